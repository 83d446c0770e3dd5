import type { Knex } from 'knex';

/**
 * Retention of every growing table (src/jobs/retention-job.ts): where the change feed was purged up to, and an
 * index for the conflicts purge.
 *
 * @remarks `feed_horizon` is one row: `purged_through` is the highest seq retention may have deleted. A feed read
 * after a cursor below it answers FEED_CURSOR_EXPIRED instead of silently skipping what is gone, and the feed's
 * head never goes below it (docs/adr/0016-retention.md). The other purges use indexes that already exist:
 * changes_created_at_index, rejected_deliveries_received_at_index, oauth_tokens_expires_at_index, and the inbox
 * primary key (a keyset walk; an index on processed_at would cost the worker a write on every completion).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('feed_horizon', (t) => {
    t.integer('id').primary();
    t.bigInteger('purged_through').notNullable().defaultTo(0);
    t.timestamp('purged_at', { useTz: true }).nullable();
  });
  await knex('feed_horizon').insert({ id: 1, purged_through: 0 });
  await knex.schema.alterTable('inbox_conflicts', (t) => {
    t.index(['received_at'], 'inbox_conflicts_received_at_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('inbox_conflicts', (t) => t.dropIndex([], 'inbox_conflicts_received_at_index'));
  await knex.schema.dropTable('feed_horizon');
}
