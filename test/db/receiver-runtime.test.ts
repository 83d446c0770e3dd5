import assert from 'node:assert/strict';
import { forEachDatabase } from '../helpers/test-databases';
import { delivery, startTestServer, type TestServer } from '../helpers/test-runtime';
import { createInboxStore } from '../../src/inbox/create-inbox-stores';

/** The real service (buildRuntime, listening on a socket) on each engine's database. */
forEachDatabase('receiver runtime', (ctx) => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ db: ctx.config, sources: { open: { auth: { mode: 'none' } } } });
  });
  after(async () => {
    await server?.close();
  });
  beforeEach(() => ctx.clean());

  async function post(body: unknown): Promise<{ status: number; body: { status?: string; id?: number } }> {
    const res = await fetch(`${server.url}/webhooks/open`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as { status?: string; id?: number } };
  }

  it('answers 200 only with the delivery committed in the database', async () => {
    const d = delivery();
    const res = await post(d);
    assert.equal(res.status, 200);
    assert.equal(res.body.status, 'accepted');
    // Read through a connection of the test's own, not the service's.
    const stored = await createInboxStore(ctx.db).getEvent('open', d.uuid as string);
    assert.ok(stored);
    assert.equal(stored.id, res.body.id);
    assert.deepEqual(JSON.parse(stored.body.toString('utf8')), d);
    assert.equal(stored.resourceType, 'SUBSCRIPTION');
  });

  it('group-commits concurrent deliveries, repeated uuids and conflicts included, one row per uuid', async () => {
    const fresh = Array.from({ length: 40 }, () => delivery());
    const repeated = delivery();
    const conflicting = { ...repeated, resourceAction: 'CHANGED' };
    const sent = [...fresh, ...Array.from({ length: 10 }, () => repeated)];
    const answers = await Promise.all(sent.map(post));
    assert.ok(answers.every((a) => a.status === 200));
    const statuses = answers.map((a) => a.body.status);
    assert.equal(statuses.filter((s) => s === 'accepted').length, 41);
    assert.equal(statuses.filter((s) => s === 'duplicate').length, 9);
    const repeatedIds = new Set(answers.slice(40).map((a) => a.body.id));
    assert.equal(repeatedIds.size, 1);

    const conflict = await post(conflicting);
    assert.deepEqual(conflict, { status: 200, body: { status: 'conflict', id: [...repeatedIds][0] } });
    const store = createInboxStore(ctx.db);
    assert.equal(await store.countEvents(), 41);
    assert.equal(await store.countConflicts(), 1);
  });

  it('records a malformed delivery as a rejection and answers 400', async () => {
    const res = await post({ uuid: 'x' });
    assert.equal(res.status, 400);
    const [rejection] = await createInboxStore(ctx.db).listRejections(5);
    assert.equal(rejection?.source, 'open');
    assert.equal(rejection?.errorCode, 'RECEIVER_BAD_ENVELOPE');
  });

  it('reports ready: database reachable, migrations current', async () => {
    const res = await fetch(`${server.url}/readyz`);
    assert.equal(res.status, 200);
  });
});
