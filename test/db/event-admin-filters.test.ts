import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { formatEventDetail } from '../../src/cli/event-format';
import { KnexEventAdminStore } from '../../src/inbox/knex-event-admin-store';
import { runCli } from '../helpers/run-cli';
import { forEachDatabase } from '../helpers/test-databases';
import { delivery, startTestServer, type TestServer } from '../helpers/test-runtime';

/** `events list` filters and `events show`'s conflict line, on each engine's database, fed by the real receiver. */
forEachDatabase('event admin filters', (ctx) => {
  let server: TestServer;
  const ids: Record<string, number> = {};
  const company = (uuid: string, resourceUuid: string) =>
    delivery({ uuid, resource: { type: 'COMPANY', uuid: resourceUuid, content: { uuid: resourceUuid } } });
  before(async () => {
    server = await startTestServer({ db: ctx.config, worker: { enabled: false }, sources: { open: { auth: { mode: 'none' } } } });
    await ctx.clean();
    const send = async (name: string, body: unknown) => {
      const res = await fetch(`${server.url}/webhooks/open`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      ids[name] = ((await res.json()) as { id: number }).id;
    };
    await send('c1', company('d-c1', 'r-1'));
    await send('c2', company('d-c2', 'r-2'));
    await send('s1', delivery({ uuid: 'd-s1' }));
    await send('conflict', { ...company('d-c1', 'r-1'), resourceAction: 'CHANGED' });
  });
  after(() => server?.close());

  it('--type matches any case; --resource and --delivery narrow to one record or one delivery', async () => {
    const store = new KnexEventAdminStore(ctx.db);
    const idsOf = async (filter: Parameters<KnexEventAdminStore['list']>[0]) => (await store.list(filter)).map((e) => e.id).sort();
    assert.deepEqual(await idsOf({ resourceTypes: ['company'] }), [ids.c1, ids.c2].sort());
    assert.deepEqual(await idsOf({ resourceTypes: ['Company', 'subscription'] }), [ids.c1, ids.c2, ids.s1].sort());
    assert.deepEqual(await idsOf({ resourceUuid: 'r-2' }), [ids.c2]);
    assert.deepEqual(await idsOf({ deliveryUuid: 'd-c1' }), [ids.c1]);
    assert.deepEqual(await idsOf({ resourceTypes: ['company'], deliveryUuid: 'd-s1' }), []);
  });

  it('events show says when a conflicting re-send of the delivery exists', async () => {
    assert.equal(ids.conflict, ids.c1, 'the conflict answers with the original id');
    const store = new KnexEventAdminStore(ctx.db);
    const shown = await store.get(ids.c1 as number);
    assert.equal(shown?.conflicts?.count, 1);
    assert.match(formatEventDetail(shown!), /^conflicts:\s+1 re-send\(s\) of this uuid with a different body, last \d{4}-/m);
    assert.doesNotMatch(formatEventDetail((await store.get(ids.c2 as number))!), /conflicts:/);
  });

  it('mappings preview takes a stored event id', async function () {
    this.timeout(30_000);
    const config = join(server.dir, 'cli.yaml');
    writeFileSync(config, stringify({ environment: 'test', db: ctx.config }));
    const shown = await runCli(['--config', config, 'mappings', 'preview', String(ids.s1)]);
    assert.equal(shown.code, 0, shown.stderr);
    const out = JSON.parse(shown.stdout) as { entity: string; key: string };
    assert.deepEqual([out.entity, out.key], ['subscription', 'b6d3c0f1-6a4e-4f0e-9a53-2f8f8d1c0a11']);
    const missing = await runCli(['--config', config, 'mappings', 'preview', '999999']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^EVENT_NOT_FOUND: /m);
  });
});
