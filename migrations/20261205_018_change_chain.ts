import type { Knex } from 'knex';

/**
 * A record's change history becomes a chain instead of an index (issue 18, docs/adr/0038-change-chain.md):
 * `records.last_change_seq` points at the record's newest change, `changes.prev_seq` at the change before it of the
 * same record. `changes_record_seq_index` (migration 010) goes.
 *
 * @remarks That index was keyed by record, so every appended change wrote an entry at a random place of it: on
 * SQLite a dirtied page per change (0.46 of the 1.8 WAL frames an event cost), and more distinct pages the more
 * records the store holds. The chain costs two integers in rows the apply writes anyway. Existing changes are
 * linked here, through the index, before it is dropped.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('changes', (t) => t.bigInteger('prev_seq').nullable());
  await knex.schema.alterTable('records', (t) => t.bigInteger('last_change_seq').nullable());
  // Window functions and UPDATE … FROM: PostgreSQL, and SQLite since 3.33.
  await knex.raw(`update changes set prev_seq = linked.prev from (
      select seq, lag(seq) over (partition by entity, source, record_key order by seq) as prev from changes
    ) as linked where linked.seq = changes.seq and linked.prev is not null`);
  await knex.raw(`update records set last_change_seq = (
      select max(c.seq) from changes c where c.entity = records.entity and c.source = records.source and c.record_key = records.record_key)`);
  await knex.raw('drop index changes_record_seq_index');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('changes', (t) => t.index(['entity', 'source', 'record_key', 'seq'], 'changes_record_seq_index'));
  await knex.schema.alterTable('records', (t) => t.dropColumn('last_change_seq'));
  await knex.schema.alterTable('changes', (t) => t.dropColumn('prev_seq'));
}
