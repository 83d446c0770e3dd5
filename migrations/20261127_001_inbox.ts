import type { Knex } from 'knex';

/** The receiver's durable intake: accepted deliveries, same-uuid conflicts and rejected deliveries. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('inbox_events', (t) => {
    t.bigIncrements('id');
    t.string('source', 64).notNullable();
    t.string('delivery_uuid', 255).notNullable();
    t.string('resource_type', 64).notNullable();
    t.string('resource_uuid', 255).notNullable();
    t.string('resource_action', 16).notNullable();
    t.bigInteger('event_timestamp').notNullable();
    t.binary('body').notNullable();
    t.string('body_sha256', 64).notNullable();
    t.text('envelope').notNullable();
    t.string('principal', 255).notNullable();
    t.string('status', 16).notNullable().defaultTo('accepted');
    t.timestamp('received_at', { useTz: true }).notNullable();
    t.unique(['source', 'delivery_uuid'], { indexName: 'inbox_events_source_delivery_uuid_unique' });
  });
  // Partial: only waiting events are in it, so the worker's claim stays cheap however large the inbox grows, and
  // each delivery costs the receiver one small index entry instead of a full (status, id) one.
  await knex.raw(`create index inbox_events_accepted_index on inbox_events (id) where status = 'accepted'`);

  await knex.schema.createTable('inbox_conflicts', (t) => {
    t.bigIncrements('id');
    t.bigInteger('inbox_event_id').notNullable();
    t.string('source', 64).notNullable();
    t.string('delivery_uuid', 255).notNullable();
    t.binary('body').notNullable();
    t.string('body_sha256', 64).notNullable();
    t.string('principal', 255).notNullable();
    t.timestamp('received_at', { useTz: true }).notNullable();
    // The same differing body re-sent is one conflict, not many.
    t.unique(['source', 'delivery_uuid', 'body_sha256'], { indexName: 'inbox_conflicts_source_uuid_sha_unique' });
  });

  await knex.schema.createTable('rejected_deliveries', (t) => {
    t.bigIncrements('id');
    t.string('source', 64).notNullable();
    t.string('principal', 255).notNullable();
    t.integer('status_code').notNullable();
    t.string('error_code', 64).notNullable();
    t.text('message').notNullable();
    t.string('request_id', 64).notNullable();
    t.string('remote_address', 64).nullable();
    t.integer('body_bytes').nullable();
    // The first 4 KiB, enough to see what was wrong without keeping megabytes of junk.
    t.binary('body_excerpt').nullable();
    t.timestamp('received_at', { useTz: true }).notNullable();
    t.index(['received_at'], 'rejected_deliveries_received_at_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('rejected_deliveries');
  await knex.schema.dropTable('inbox_conflicts');
  await knex.schema.dropTable('inbox_events');
}
