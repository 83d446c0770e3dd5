import assert from 'node:assert/strict';
import { KnexAdminReadStore } from '../../src/admin/knex-admin-read-store';
import { FolderMigrationSource, migrateLatest } from '../../src/db/migration-source';
import { withTransaction } from '../../src/db/transaction';
import type { RecordState } from '../../src/records/apply-event';
import { createRecordStore, createRemapStore } from '../../src/records/create-record-stores';
import type { RecordRef, RecordWrite } from '../../src/records/record-store';
import { forEachDatabase } from '../helpers/test-databases';

const A: RecordRef = { source: 'shop', entity: 'company', key: 'a' };
const B: RecordRef = { source: 'shop', entity: 'company', key: 'b' };
const NOW = new Date('2026-12-05T03:00:00Z');
let eventId = 0;

function write(ref: RecordRef, timestamp: number, kind: 'created' | 'updated' | null): RecordWrite {
  const next: RecordState = {
    data: JSON.stringify({ n: timestamp }),
    rawContent: null,
    version: { timestamp, action: 'CHANGED', uuid: `u-${timestamp}` },
    dataVersion: { timestamp, action: 'CHANGED', uuid: `u-${timestamp}` },
    mappingVersion: 'm1',
    deleted: false,
  };
  return { ref, next, change: kind ? { kind, inboxEventId: ++eventId, cause: 'event' } : null };
}

/** Each change's prev_seq, by seq. */
async function links(ctx: { db: import('knex').Knex }): Promise<Record<number, number | null>> {
  const rows = (await ctx.db('changes').select('seq', 'prev_seq').orderBy('seq')) as {
    seq: number | string;
    prev_seq: number | string | null;
  }[];
  return Object.fromEntries(rows.map((r) => [Number(r.seq), r.prev_seq === null ? null : Number(r.prev_seq)]));
}

forEachDatabase('change chain (ADR 0038)', (ctx) => {
  beforeEach(() => ctx.clean());

  it('links each change to the same record’s previous one, within a batch and across batches, and the history walks it', async () => {
    const store = createRecordStore(ctx.db);
    await withTransaction(ctx.db, (trx) => store.write(trx, [write(A, 1, 'created')], NOW));
    // One batch: A twice, B once, and a write of A that appends no change (only its version moves).
    await withTransaction(ctx.db, (trx) =>
      store.write(trx, [write(A, 2, 'updated'), write(B, 3, 'created'), write(A, 4, 'updated'), write(A, 5, null)], NOW),
    );
    const seqs = Object.keys(await links(ctx)).map(Number);
    const [a1, a2, b1, a3] = seqs as [number, number, number, number];
    assert.deepEqual(await links(ctx), { [a1]: null, [a2]: a1, [b1]: null, [a3]: a2 });
    const last = (await ctx.db('records').select('record_key', 'last_change_seq').orderBy('record_key')) as {
      record_key: string;
      last_change_seq: number | string;
    }[];
    assert.deepEqual(
      last.map((r) => [r.record_key, Number(r.last_change_seq)]),
      [
        ['a', a3],
        ['b', b1],
      ],
    );

    const reads = new KnexAdminReadStore(ctx.db);
    assert.deepEqual(
      (await reads.history(A, 50)).map((c) => c.seq),
      [a3, a2, a1],
    );
    assert.deepEqual(
      (await reads.history(A, 2)).map((c) => c.seq),
      [a3, a2],
    );
    assert.deepEqual(
      (await reads.history(B, 50)).map((c) => c.seq),
      [b1],
    );
    assert.deepEqual(await reads.history({ ...A, key: 'none' }, 50), []);

    // Retention purges a prefix of the feed: the walk ends where the chain reaches a purged change.
    await ctx.db('changes').where('seq', '<=', a1).delete();
    assert.deepEqual(
      (await reads.history(A, 50)).map((c) => c.seq),
      [a3, a2],
    );
  });

  it('a remap’s change joins the chain', async () => {
    const store = createRecordStore(ctx.db);
    const first = write(A, 1, 'created');
    await withTransaction(ctx.db, (trx) => store.write(trx, [first], NOW));
    await withTransaction(ctx.db, (trx) =>
      createRemapStore(ctx.db).applyRemap(
        trx,
        [
          {
            ref: A,
            expectedEventUuid: first.next.version.uuid,
            expectedData: first.next.data,
            data: '{"n":"remapped"}',
            mappingVersion: 'm2',
            change: 'updated',
            version: first.next.version,
          },
        ],
        NOW,
      ),
    );
    const history = await new KnexAdminReadStore(ctx.db).history(A, 50);
    assert.deepEqual(
      history.map((c) => [c.cause, c.mappingVersion]),
      [
        ['remap', 'm2'],
        ['event', 'm1'],
      ],
    );
  });

  it('migration 018 links the changes a store already holds', async () => {
    const source = new FolderMigrationSource();
    await ctx.db.migrate.down({ migrationSource: source });
    const row = (key: string, seq: number) => ({
      seq,
      source: 'shop',
      entity: 'company',
      record_key: key,
      kind: 'updated',
      data: '{}',
      inbox_event_id: null,
      event_uuid: `u-${seq}`,
      event_timestamp: seq,
      mapping_version: 'm1',
      cause: 'event',
      created_at: NOW.toISOString(),
    });
    await ctx.db('changes').insert([row('a', 1), row('b', 2), row('a', 3), row('a', 4), row('b', 5)]);
    const record = (key: string) => ({
      source: 'shop',
      entity: 'company',
      record_key: key,
      data: '{}',
      event_uuid: 'u',
      event_timestamp: 1,
      event_action: 'CHANGED',
      mapping_version: 'm1',
      deleted: false,
      created_at: NOW.toISOString(),
      updated_at: NOW.toISOString(),
    });
    await ctx.db('records').insert([record('a'), record('b'), record('c')]);
    await migrateLatest(ctx.db);
    assert.deepEqual(await links(ctx), { 1: null, 2: null, 3: 1, 4: 3, 5: 2 });
    const reads = new KnexAdminReadStore(ctx.db);
    assert.deepEqual(
      (await reads.history(A, 50)).map((c) => c.seq),
      [4, 3, 1],
    );
    assert.deepEqual(
      (await reads.history({ ...A, key: 'c' }, 50)).map((c) => c.seq),
      [],
    );
  });
});
