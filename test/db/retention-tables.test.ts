import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { newApiKey } from '../../src/auth/api-key-auth';
import { KnexApiKeyStore } from '../../src/auth/knex-api-key-store';
import { FakeClock } from '../../src/core/clock';
import { asNumber } from '../../src/db/column-values';
import { buildRuntime, type Runtime } from '../../src/main';
import { WIDGET_STRICT } from '../helpers/sync-workspace';
import { forEachDatabase } from '../helpers/test-databases';
import { testConfig } from '../helpers/test-runtime';

const DAY_MS = 86_400_000;

/** Retention of every growing table, on each engine, with the real runtime on a fake clock. */
forEachDatabase('retention of every growing table', (ctx) => {
  let dir: string;
  let rt: Runtime | undefined;
  let clock: FakeClock;

  const open = async (retention: Record<string, unknown> = {}) => {
    await rt?.stop();
    const config = testConfig({
      db: ctx.config,
      mappings: { dir: join(dir, 'mappings') },
      worker: { batchSize: 50, maxAttempts: 1, backoffBaseMs: 1, backoffMaxMs: 1 },
      sources: { shop: { auth: { mode: 'none' } } },
      retention,
    });
    rt = await buildRuntime(config, { clock, logger: pino({ level: 'silent' }) });
    return rt;
  };
  const runtime = () => rt as Runtime;
  const body = (uuid: string, type: string, key: string, ts: number, content?: Record<string, unknown>) =>
    Buffer.from(
      JSON.stringify({
        uuid,
        timestamp: ts,
        resource: { type, uuid: key, ...(content ? { content: { id: key, ...content } } : {}) },
        resourceAction: 'ADDED',
      }),
    );
  const send = async (b: Buffer) =>
    (await runtime().receiver.receive({ source: 'shop', principal: 'test', body: b, requestId: 'r', remoteAddress: undefined })).id;
  const reject = (text: string) =>
    runtime()
      .receiver.receive({ source: 'shop', principal: 'test', body: Buffer.from(text), requestId: 'r', remoteAddress: undefined })
      .then(
        () => assert.fail('accepted'),
        () => undefined,
      );
  const drain = async () => {
    for (let i = 0; i < 100 && (await runtime().worker.tick()).claimed > 0; i++);
  };
  const token = (sha: string, expiresAt: Date, revokedAt: Date | null = null) =>
    ctx.db('oauth_tokens').insert({
      token_sha256: sha.padEnd(64, '0'),
      client_id: 'c1',
      source: 'shop',
      username: null,
      scope: 'webhooks',
      expires_at: expiresAt.toISOString(),
      created_at: clock.now().toISOString(),
      revoked_at: revokedAt?.toISOString() ?? null,
    });
  const ids = async (table: string, column: string) =>
    ((await ctx.db(table).select(column).orderBy(column)) as Record<string, unknown>[]).map((r) => r[column]);
  const seqs = async () => (await ids('changes', 'seq')).map((s) => asNumber(s as number));

  beforeEach(async () => {
    await ctx.clean();
    dir = mkdtempSync(join(tmpdir(), 'appdirect-sync-retention-'));
    mkdirSync(join(dir, 'mappings'));
    writeFileSync(join(dir, 'mappings', 'widget.yaml'), WIDGET_STRICT);
    clock = new FakeClock(new Date('2026-01-01T00:00:00Z'));
  });
  afterEach(async () => {
    await rt?.stop();
    rt = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('purges each table past its own age and touches nothing else', async () => {
    await open();
    const done1 = await send(body('d-done', 'WIDGET', 'w1', 100, { name: 'one' }));
    const stale1 = await send(body('d-stale', 'WIDGET', 'w1', 50, { name: 'older' }));
    const failed1 = await send(body('d-failed', 'WIDGET', 'w2', 100, {}));
    const unmapped1 = await send(body('d-unmapped', 'USER', 'u1', 100, {}));
    await send(body('d-done', 'WIDGET', 'w1', 100, { name: 'a conflict' }));
    await reject('not json, old');
    await token('old-expired', new Date(clock.now().getTime() + 3_600_000));
    await token('old-revoked', new Date(clock.now().getTime() + 400 * DAY_MS), clock.now());
    // The audit trail is kept a year by default: a row 200 days old at the run stays, one 600 days old goes.
    const audit = (at: Date, keyName: string) =>
      ctx
        .db('admin_audit')
        .insert({ at: at.toISOString(), key_id: 'k1', key_name: keyName, route: 'POST /events/retry', request: '{}', affected: '[]' });
    // Connector failures: resolved ones go after 90 days by default, a parked one waits for a person however old.
    const failure = (seq: number, state: string, resolvedAt: Date | null) =>
      ctx.db('connector_failures').insert({
        connector: 'crm',
        seq,
        source: 'shop',
        entity: 'widget',
        record_key: `w${seq}`,
        kind: 'upsert',
        change_json: '{}',
        state,
        code: 'CONNECTOR_REFUSED',
        message: 'refused',
        attempts: 1,
        first_failed_at: clock.now().toISOString(),
        last_failed_at: clock.now().toISOString(),
        resolved_at: resolvedAt?.toISOString() ?? null,
      });
    await failure(1, 'skipped', clock.now());
    await failure(2, 'parked', null);
    await audit(clock.now(), 'kept');
    await audit(new Date(clock.now().getTime() - 400 * DAY_MS), 'purged');
    await drain();
    const statuses = await runtime().events.statuses([done1, stale1, failed1, unmapped1]);
    assert.deepEqual(
      [done1, stale1, failed1, unmapped1].map((id) => statuses.get(id)?.status),
      ['done', 'stale', 'failed', 'unmapped'],
    );

    clock.advance(200 * DAY_MS);
    const done2 = await send(body('d-recent', 'WIDGET', 'w3', 100, { name: 'three' }));
    await send(body('d-recent', 'WIDGET', 'w3', 100, { name: 'a recent conflict' }));
    await reject('not json, recent');
    await token('recently-expired', new Date(clock.now().getTime() - DAY_MS));
    await token('valid', new Date(clock.now().getTime() + 3_600_000));
    await failure(3, 'retried', clock.now());
    await drain();
    const headBefore = await runtime().feed.head();
    const [s1, s2] = await seqs();
    assert.equal((await seqs()).length, 2);

    const counts = await runtime().jobs.run('retention');
    assert.deepEqual(counts, {
      'payloads purged': 2,
      'inbox events deleted': 2,
      'changes deleted': 1,
      'conflicts deleted': 1,
      'rejected deliveries deleted': 1,
      'oauth tokens deleted': 2,
      'connector failures deleted': 1,
      'admin audit rows deleted': 1,
    });
    assert.deepEqual((await ids('connector_failures', 'seq')).map(Number), [2, 3], 'the old resolved one goes; parked and recent stay');
    assert.deepEqual(await ids('admin_audit', 'key_name'), ['kept']);
    assert.deepEqual((await ids('inbox_events', 'id')).map(Number), [failed1, unmapped1, done2]);
    assert.deepEqual(
      (await ids('inbox_payloads', 'event_id')).map(Number),
      [failed1, unmapped1, done2],
      'bodies go with their rows, others stay',
    );
    assert.deepEqual(await ids('inbox_conflicts', 'delivery_uuid'), ['d-recent']);
    assert.equal((await ctx.db('rejected_deliveries').select('message')).length, 1);
    assert.deepEqual(
      (await ids('oauth_tokens', 'token_sha256')).map((s) => String(s).replace(/0+$/, '')),
      ['recently-expired', 'valid'],
    );
    assert.deepEqual(await seqs(), [s2]);
    assert.equal(await runtime().feed.head(), headBefore, 'the head never moves back');
    assert.ok(await ctx.db('records').where({ entity: 'widget', record_key: 'w1' }).first(), 'records are never purged');

    // The feed says what is gone instead of skipping it.
    await assert.rejects(runtime().feed.read(String(Number(s1) - 1), { limit: 10 }), { code: 'FEED_CURSOR_EXPIRED', status: 410 });
    assert.deepEqual(
      (await runtime().feed.read(String(s1), { limit: 10 })).changes.map((c) => c.seq),
      [s2],
    );

    assert.deepEqual(Object.values(await runtime().jobs.run('retention')), [0, 0, 0, 0, 0, 0, 0, 0], 'a second run deletes nothing more');

    // Past the dedupe window a re-send is accepted again, and the ordering rule ends it stale.
    const again = await send(body('d-done', 'WIDGET', 'w1', 100, { name: 'one' }));
    assert.notEqual(again, done1);
    await drain();
    assert.equal((await runtime().events.statuses([again])).get(again)?.status, 'stale');
    assert.deepEqual(await seqs(), [s2], 'and appends no change');
  });

  it('keeps unresolved events unless told, and then by their received time', async () => {
    await open({ inboxEvents: { days: 10, unresolvedDays: 20 } });
    const failed = await send(body('d-failed', 'WIDGET', 'w2', 100, {}));
    await drain();
    clock.advance(15 * DAY_MS);
    const failedRecent = await send(body('d-failed-2', 'WIDGET', 'w4', 100, {}));
    await drain();
    assert.equal((await runtime().jobs.run('retention'))['inbox events deleted'], 0);
    clock.advance(10 * DAY_MS);
    assert.equal((await runtime().jobs.run('retention'))['inbox events deleted'], 1);
    assert.deepEqual((await ids('inbox_events', 'id')).map(Number), [failedRecent]);
    assert.deepEqual((await ids('inbox_payloads', 'event_id')).map(Number), [failedRecent]);
    assert.notEqual(failed, failedRecent);
  });

  it('finishes the deletes of a run interrupted after it raised the horizon', async () => {
    await open();
    for (const k of ['w1', 'w2']) await send(body(`d-${k}`, 'WIDGET', k, 100, { name: k }));
    await drain();
    const [s1, s2] = await seqs();
    // The state a crash between the horizon's commit and the first delete leaves behind.
    await ctx.db('feed_horizon').insert({ id: 1, purged_through: s1 }).onConflict('id').merge();
    await assert.rejects(runtime().feed.read(String(Number(s1) - 1), { limit: 10 }), { code: 'FEED_CURSOR_EXPIRED' });
    assert.equal((await runtime().jobs.run('retention'))['changes deleted'], 1, 'the young changes are not due, the leftover is');
    assert.deepEqual(await seqs(), [s2]);
  });

  it('never purges a change a registered consumer has not acknowledged; past maxConsumerLagDays it says the consumer fell behind', async () => {
    await open({ changes: { days: 30 } });
    for (const k of ['w1', 'w2', 'w3']) await send(body(`d-${k}`, 'WIDGET', k, 100, { name: k }));
    await drain();
    const [s1, s2, s3] = (await seqs()) as [number, number, number];
    await runtime().feed.ack('fast', s3);
    await runtime().feed.ack('slow', s1);

    clock.advance(40 * DAY_MS);
    assert.equal((await runtime().jobs.run('retention'))['changes deleted'], 1, 'only what every consumer acknowledged');
    assert.deepEqual(await seqs(), [s2, s3]);
    assert.deepEqual(
      (await runtime().feed.readFor('slow', { limit: 10 })).changes.map((c) => c.seq),
      [s2, s3],
    );
    assert.deepEqual(
      (await runtime().feed.lag()).map((l) => [l.name, l.fellBehindRetention]),
      [
        ['fast', false],
        ['slow', false],
      ],
    );

    await open({ changes: { days: 30, maxConsumerLagDays: 35 } });
    assert.equal((await runtime().jobs.run('retention'))['changes deleted'], 2);
    assert.deepEqual(await seqs(), []);
    assert.equal(await runtime().feed.head(), s3, 'every change purged, the head stays');
    const lags = await runtime().feed.lag();
    assert.deepEqual(
      lags.map((l) => [l.name, l.fellBehindRetention, l.purgedThrough, l.behind]),
      [
        ['fast', false, s3, 0],
        ['slow', true, s3, 2],
      ],
    );
    await assert.rejects(runtime().feed.readFor('slow', { limit: 10 }), {
      code: 'FEED_CURSOR_EXPIRED',
      message: new RegExp(`rewind to cursor ${s3}`),
    });
    await assert.rejects(runtime().feed.rewind('slow', { cursor: s1 }), { code: 'FEED_CURSOR_EXPIRED' });

    // The consumer API says so too, with the catalogued code.
    const k = newApiKey();
    await new KnexApiKeyStore(ctx.db).create(
      { id: k.id, name: 'ops', keySha256: k.keySha256, scopes: ['feed:read', 'admin'] },
      clock.now(),
    );
    const { port } = await runtime().listen();
    const get = async (path: string) => {
      const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { authorization: `Bearer ${k.key}` } });
      return { status: res.status, body: (await res.json()) as Record<string, any> };
    };
    const expired = await get('/api/v1/consumers/slow/changes');
    assert.equal(expired.status, 410);
    assert.equal(expired.body.error.code, 'FEED_CURSOR_EXPIRED');
    assert.equal((await get(`/api/v1/changes?after=${s2}`)).status, 410);
    const listed = await get('/api/v1/consumers');
    assert.deepEqual(
      listed.body.consumers.map((c: Record<string, unknown>) => [c.name, c.fellBehindRetention, c.purgedThrough]),
      [
        ['fast', false, String(s3)],
        ['slow', true, String(s3)],
      ],
    );

    // A rewind on purpose to the horizon clears it, and seqs carry on past the purged ones.
    await runtime().feed.rewind('slow', { cursor: s3 });
    assert.equal((await runtime().feed.lag()).find((l) => l.name === 'slow')?.fellBehindRetention, false);
    await send(body('d-w4', 'WIDGET', 'w4', 100, { name: 'w4' }));
    await drain();
    const [s4] = await seqs();
    assert.ok(s4 !== undefined && s4 > s3, 'no seq is reused after a purge of every change');
    assert.deepEqual(
      (await runtime().feed.readFor('slow', { limit: 10 })).changes.map((c) => c.seq),
      [s4],
    );

    // A consumer first seen after the purge starts below the horizon: told so, and it holds nothing back.
    await assert.rejects(runtime().feed.readFor('late', { limit: 10 }), { code: 'FEED_CURSOR_EXPIRED' });
    await runtime().feed.ack('fast', s4 as number);
    await runtime().feed.ack('slow', s4 as number);
    await open({ changes: { days: 30 } });
    clock.advance(40 * DAY_MS);
    assert.equal((await runtime().jobs.run('retention'))['changes deleted'], 1);
    assert.deepEqual(await seqs(), []);
  });
});
