import type { Knex } from 'knex';

/**
 * The sync engine: claim columns on the inbox, versioned records, and the change log.
 * @remarks `changes.inbox_event_id` is unique: one event can append at most one change, whatever happens.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('inbox_events', (t) => {
    t.integer('attempts').notNullable().defaultTo(0);
    t.string('claim_ticket', 64).nullable();
    t.timestamp('lease_until', { useTz: true }).nullable();
    t.timestamp('next_attempt_at', { useTz: true }).nullable();
    t.timestamp('processed_at', { useTz: true }).nullable();
    t.string('error_code', 64).nullable();
    t.text('error_detail').nullable();
    t.string('mapping_version', 64).nullable();
    t.timestamp('payload_purged_at', { useTz: true }).nullable();
  });
  // What an operator looks for (events list --status failed,dead…): few rows, so a partial index keeps it small
  // and the receiver's inserts (always `accepted`) never touch it.
  await knex.raw(
    `create index inbox_events_attention_index on inbox_events (status, received_at) where status in ('failed', 'dead', 'unmapped', 'stale')`,
  );

  await knex.schema.createTable('records', (t) => {
    t.string('source', 64).notNullable();
    t.string('entity', 64).notNullable();
    t.string('record_key', 255).notNullable();
    t.text('data').notNullable();
    t.text('raw_content').nullable();
    t.string('event_uuid', 255).notNullable();
    t.bigInteger('event_timestamp').notNullable();
    t.string('event_action', 16).notNullable();
    t.string('mapping_version', 64).notNullable();
    // The version of the event the data came from: differs from event_* on a tombstone (see apply-event.ts).
    t.bigInteger('data_timestamp').nullable();
    t.string('data_action', 16).nullable();
    t.string('data_uuid', 255).nullable();
    t.boolean('deleted').notNullable().defaultTo(false);
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    // Entity first: the records API lists one entity ordered by source and key, straight off this index.
    t.primary(['entity', 'source', 'record_key'], 'records_pkey');
    t.index(['entity', 'updated_at'], 'records_entity_updated_at_index');
  });

  await knex.schema.createTable('changes', (t) => {
    t.bigIncrements('seq');
    t.string('source', 64).notNullable();
    t.string('entity', 64).notNullable();
    t.string('record_key', 255).notNullable();
    t.string('kind', 16).notNullable();
    t.text('data').notNullable();
    t.bigInteger('inbox_event_id').nullable();
    t.string('event_uuid', 255).notNullable();
    t.bigInteger('event_timestamp').notNullable();
    t.string('mapping_version', 64).notNullable();
    t.string('cause', 16).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.unique(['inbox_event_id'], { indexName: 'changes_inbox_event_id_unique' });
    t.index(['entity', 'seq'], 'changes_entity_seq_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('changes');
  await knex.schema.dropTable('records');
  await knex.raw('drop index inbox_events_attention_index');
  await knex.schema.alterTable('inbox_events', (t) => {
    for (const c of ['attempts', 'claim_ticket', 'lease_until', 'next_attempt_at', 'processed_at', 'error_code', 'error_detail', 'mapping_version', 'payload_purged_at']) {
      t.dropColumn(c);
    }
  });
}
