import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { runCli } from '../helpers/run-cli';
import { startTestServer, type TestServer } from '../helpers/test-runtime';
import { WIDGET_MAPPING, widgetBody } from '../helpers/worker-harness';

describe('CLI: api-keys and consumers against a running service (e2e)', function () {
  this.timeout(60_000);
  let server: TestServer;
  let configFile: string;
  const cli = (...args: string[]) => runCli(['--config', configFile, ...args]);

  before(async () => {
    server = await startTestServer((dir) => {
      mkdirSync(join(dir, 'mappings'));
      writeFileSync(join(dir, 'mappings', 'widget.yaml'), WIDGET_MAPPING);
      const config = {
        db: { client: 'sqlite', filename: join(dir, 'cli.db') },
        mappings: { dir: join(dir, 'mappings') },
        sources: { shop: { auth: { mode: 'none' } } },
      };
      // The CLI reads the same database and mappings through its own config file.
      configFile = join(dir, 'cli.yaml');
      writeFileSync(configFile, stringify({ environment: 'test', log: { level: 'warn' }, ...config }));
      return config;
    });
    for (let i = 0; i < 5; i++) {
      const body = widgetBody({ uuid: `u${i}`, key: `k${i}`, action: 'ADDED', timestamp: 100 + i, name: `w${i}`, qty: i });
      assert.equal((await fetch(`${server.url}/webhooks/shop`, { method: 'POST', body })).status, 200);
    }
    while ((await server.runtime.worker.tick()).claimed > 0);
  });
  after(() => server.close());

  it('creates a key shown once, lists it without the secret, and revokes it', async () => {
    const added = await cli('api-keys', 'add', '--name', 'crm', '--scope', 'feed:read');
    assert.equal(added.code, 0, added.stderr);
    const key = added.stdout.trim().split('\n').pop() ?? '';
    assert.match(key, /^ads_[0-9a-f]{12}_/);
    const read = await fetch(`${server.url}/api/v1/changes?after=0`, { headers: { authorization: `Bearer ${key}` } });
    assert.equal(read.status, 200);
    assert.equal(((await read.json()) as { changes: unknown[] }).changes.length, 5);

    const listed = await cli('api-keys', 'list');
    assert.match(listed.stdout, /crm/);
    const id = key.split('_')[1] ?? '';
    const secret = key.slice(`ads_${id}_`.length); // base64url: may itself hold '_'
    assert.ok(secret.length >= 40);
    assert.ok(!listed.stdout.includes(secret), 'the list never shows the secret');
    assert.equal((await cli('api-keys', 'revoke', id)).code, 0);
    assert.equal((await fetch(`${server.url}/api/v1/changes?after=0`, { headers: { authorization: `Bearer ${key}` } })).status, 401);
    assert.notEqual((await cli('api-keys', 'add', '--name', 'x', '--scope', 'everything')).code, 0, 'an unknown scope is refused');
  });

  it('creates an admin:read key that reads the admin API and may not retry', async () => {
    const added = await cli('api-keys', 'add', '--name', 'dashboard', '--scope', 'admin:read');
    assert.equal(added.code, 0, added.stderr);
    const headers = { authorization: `Bearer ${added.stdout.trim().split('\n').pop() ?? ''}` };
    const listed = await fetch(`${server.url}/api/v1/admin/events?limit=2`, { headers });
    assert.equal(listed.status, 200);
    assert.equal(((await listed.json()) as { events: unknown[] }).events.length, 2);
    const retry = await fetch(`${server.url}/api/v1/admin/events/1/retry`, { method: 'POST', headers });
    assert.equal(retry.status, 403);
  });

  it('lists consumers with their lag and rewinds one', async () => {
    const added = await cli('api-keys', 'add', '--name', 'erp', '--scope', 'feed:read');
    const key = added.stdout.trim().split('\n').pop() ?? '';
    const page = (await (
      await fetch(`${server.url}/api/v1/consumers/erp/changes?limit=2`, { headers: { authorization: `Bearer ${key}` } })
    ).json()) as { next_cursor: string };
    await fetch(`${server.url}/api/v1/consumers/erp/ack`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ cursor: page.next_cursor }),
    });

    const listed = await cli('consumers', 'list', '--json');
    assert.equal(listed.code, 0, listed.stderr);
    const erp = (JSON.parse(listed.stdout) as { name: string; cursor: number; behind: number }[]).find((c) => c.name === 'erp');
    assert.deepEqual({ cursor: erp?.cursor, behind: erp?.behind }, { cursor: 2, behind: 3 });
    const text = await cli('consumers', 'list');
    assert.match(text.stdout, /erp\s+checkpoint\s+2 \/ head 5\s+3 behind/);

    const rewound = await cli('consumers', 'rewind', 'erp', '--cursor', '0');
    assert.equal(rewound.code, 0, rewound.stderr);
    assert.match(rewound.stdout, /erp now continues after cursor 0/);
    assert.notEqual((await cli('consumers', 'rewind', 'erp')).code, 0, 'needs --cursor or --time');
  });
});
