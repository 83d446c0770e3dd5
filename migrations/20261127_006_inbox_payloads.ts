import type { Knex } from 'knex';

/**
 * Delivery bodies move out of inbox_events into inbox_payloads (one row per event, same id).
 *
 * @remarks The worker rewrites an inbox row twice per event (claim, then completion). With the body inline, each of
 * those writes copies about 1.5 KB, and on SQLite it dirties a page per two events. Now it copies about 200 bytes,
 * a page per twenty events. Retention deletes payload rows instead of emptying a column. Also dropped:
 * records_entity_updated_at_index. The worker moved one of its entries on every applied event, and nothing reads
 * records by update time in bulk: incremental readers follow the change feed. See docs/adr/0009-mapping-thread.md.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('inbox_payloads', (t) => {
    t.bigInteger('event_id').primary();
    t.binary('body').notNullable();
  });
  await knex.raw('insert into inbox_payloads (event_id, body) select id, body from inbox_events where payload_purged_at is null');
  await knex.raw('alter table inbox_events drop column body');
  await knex.raw('drop index records_entity_updated_at_index');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('records', (t) => t.index(['entity', 'updated_at'], 'records_entity_updated_at_index'));
  await knex.schema.alterTable('inbox_events', (t) => t.binary('body').notNullable().defaultTo(''));
  await knex.raw('update inbox_events set body = (select p.body from inbox_payloads p where p.event_id = inbox_events.id) where id in (select event_id from inbox_payloads)');
  await knex.schema.dropTable('inbox_payloads');
}
