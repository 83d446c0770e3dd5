import type { Knex } from 'knex';

/**
 * The PostgreSQL floor of issue 18: a bare `jsonb` upsert of the same rows as the drain (one row per event, keyed
 * by resource type and uuid, the content as jsonb), in statements of `batch` rows, `concurrency` at a time, the
 * way a sync engine without dedupe or ordering stores them (stripe-sync-engine's `insert … on conflict do update`).
 * Runs in a table of its own in the schema of `db`; returns rows per second.
 * @remarks Within one statement a key may appear once only (PostgreSQL refuses to update a row twice), so each batch
 * keeps the last row per key, and sorts by key so that concurrent batches lock rows in the same order.
 */
export async function pgJsonbUpsertFloor(db: Knex, bodies: Buffer[], concurrency: number, batch = 500): Promise<number> {
  await db.raw(`create table floor_records (source text not null, entity text not null, record_key text not null, data jsonb not null,
    event_uuid text not null, event_timestamp bigint not null, primary key (source, entity, record_key))`);
  const rows = bodies.map((b) => {
    const e = JSON.parse(b.toString('utf8')) as {
      uuid: string;
      timestamp: number;
      resource: { type: string; uuid: string; content?: unknown };
    };
    return {
      source: 'shop',
      entity: e.resource.type,
      record_key: e.resource.uuid,
      data: JSON.stringify(e.resource.content ?? {}),
      event_uuid: e.uuid,
      event_timestamp: e.timestamp,
    };
  });
  const batches: (typeof rows)[] = [];
  for (let i = 0; i < rows.length; i += batch) {
    const lastPerKey = new Map(rows.slice(i, i + batch).map((r) => [`${r.entity}\u0000${r.record_key}`, r]));
    batches.push([...lastPerKey.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, r]) => r));
  }
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let chunk = batches[next++]; chunk; chunk = batches[next++]) {
        await db('floor_records')
          .insert(chunk)
          .onConflict(['source', 'entity', 'record_key'])
          .merge(['data', 'event_uuid', 'event_timestamp']);
      }
    }),
  );
  return rows.length / (Number(process.hrtime.bigint() - started) / 1e9);
}
