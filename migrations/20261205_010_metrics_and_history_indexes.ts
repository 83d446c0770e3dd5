import type { Knex } from 'knex';

/**
 * Indexes for issue 13's remaining reads (docs/adr/0024-metrics-and-admin-api-rest.md):
 * - `records_entity_deleted_index` (entity, deleted): the `appdirect_sync_records` gauge counts records by entity and
 *   deleted at scrape; with this index the count reads the index alone instead of every row's data.
 * - `changes_record_seq_index` (entity, source, record_key, seq): a record's change history, newest first (the admin
 *   API's record and event views), walks this index instead of every change of the entity.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('records', (t) => {
    t.index(['entity', 'deleted'], 'records_entity_deleted_index');
  });
  await knex.schema.alterTable('changes', (t) => {
    t.index(['entity', 'source', 'record_key', 'seq'], 'changes_record_seq_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('changes', (t) => t.dropIndex([], 'changes_record_seq_index'));
  await knex.schema.alterTable('records', (t) => t.dropIndex([], 'records_entity_deleted_index'));
}
