import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Container } from '../../src/compose/container';
import { testConfig } from '../helpers/test-runtime';

describe('composition root (src/compose)', () => {
  let dir: string;
  let container: Container;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'appdirect-sync-compose-'));
    // A mappings folder that does not exist: building anything that needs the mapping files would throw.
    const config = testConfig({ db: { client: 'sqlite', filename: join(dir, 'c.db') }, mappings: { dir: join(dir, 'missing') } });
    container = new Container(config, { logger: pino({ level: 'silent' }) });
  });

  afterEach(async () => {
    await container.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists events on the database and one store, never opening the mapping files (nor what needs them)', async () => {
    await container.migrate();
    assert.deepEqual(await container.events.list({ limit: 10 }), []);
    assert.throws(() => container.mappings, /missing/);
  });

  it('builds each piece once and shares it', async () => {
    assert.equal(container.stores.consumers, container.stores.consumers);
    assert.equal(container.feed, container.feed);
    assert.equal(container.events, container.stores.eventAdmin);
  });

  it('migrates once: a second migrate() resolves with what the first applied', async () => {
    const first = await container.migrate();
    assert.ok(first.length > 0);
    assert.deepEqual(await container.migrate(), first);
  });
});
