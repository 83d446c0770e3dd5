import { strict as assert } from 'node:assert';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { FileMappingRegistry, MappingLoadError } from '../../../src/mapping';
import { tempMappingsDir } from './mapping-fixtures';

const mapping = (fieldType: string) => `resourceType: ORDER
entity: order
fields:
  id: { type: ${fieldType}, from: resource.content.id }
`;

/** Polls until `check` holds, for at most `ms`; file watchers give no other signal. */
async function eventually(check: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

function capturingLogger(): { logger: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  return { logger, lines };
}

describe('FileMappingRegistry', () => {
  let tmp: ReturnType<typeof tempMappingsDir>;
  let registry: FileMappingRegistry | undefined;
  beforeEach(() => (tmp = tempMappingsDir()));
  afterEach(() => {
    registry?.close();
    registry = undefined;
    tmp.remove();
  });

  it('refuses to open on a broken file, listing every problem with file and line', () => {
    tmp.write('order.yaml', mapping('string'));
    tmp.write('bad.yaml', 'resourceType: INVOICE\nentity: invoice\nfields:\n  id: { type: nope, from: a }\n');
    assert.throws(
      () => FileMappingRegistry.open(tmp.dir, pino({ level: 'silent' })),
      (err: unknown) => err instanceof MappingLoadError && /bad\.yaml:4: fields\.id\.type/.test(err.message) && err.problems.length === 1,
    );
  });

  it('hot reload swaps in a valid edit and keeps the old mapping on a broken one', async () => {
    tmp.write('order.yaml', mapping('string'));
    const { logger, lines } = capturingLogger();
    registry = FileMappingRegistry.open(tmp.dir, logger);
    const first = registry.forResourceType('ORDER');
    assert.ok(first);
    registry.watch(30);

    tmp.write('order.yaml', mapping('integer'));
    await eventually(() => registry?.forResourceType('ORDER')?.version !== first.version);
    const second = registry.forResourceType('ORDER');
    assert.equal(second?.fields[0]?.type, 'integer');

    tmp.write('order.yaml', mapping('no-such-type'));
    await eventually(() => lines.some((l) => l.msg === 'mapping not reloaded; previous version kept'));
    assert.equal(registry.forResourceType('ORDER'), second, 'the previous mapping stays in place');
    const logged = lines.find((l) => l.msg === 'mapping not reloaded; previous version kept');
    assert.equal(logged?.level, 50);
    assert.equal(logged?.line, 4);

    tmp.write('invoice.yaml', mapping('string').replace('ORDER', 'INVOICE').replace('order', 'invoice'));
    await eventually(() => registry?.forResourceType('INVOICE') !== undefined);
    rmSync(join(tmp.dir, 'invoice.yaml'));
    await eventually(() => registry?.forResourceType('INVOICE') === undefined);
    assert.equal(registry.forResourceType('ORDER'), second);
  });

  it('tells reload listeners when a reload swapped a mapping, and only then', () => {
    tmp.write('order.yaml', mapping('string'));
    registry = FileMappingRegistry.open(tmp.dir, pino({ level: 'silent' }));
    const heard: string[][] = [];
    const off = registry.onReload((all) => heard.push(all.map((m) => `${m.entity}:${m.fields[0]?.type}`)));
    registry.onReload(() => {
      throw new Error('a broken listener must not stop the others');
    });

    registry.reload();
    assert.deepEqual(heard, [], 'nothing changed, nothing told');
    tmp.write('order.yaml', mapping('integer'));
    registry.reload();
    assert.deepEqual(heard, [['order:integer']]);
    tmp.write('order.yaml', mapping('no-such-type'));
    registry.reload();
    assert.equal(heard.length, 1, 'a broken edit keeps the old mapping: no swap');
    rmSync(join(tmp.dir, 'order.yaml'));
    registry.reload();
    assert.deepEqual(heard[1], [], 'a deleted file is a swap too');
    off();
    tmp.write('order.yaml', mapping('string'));
    registry.reload();
    assert.equal(heard.length, 2, 'unsubscribed');
  });
});
