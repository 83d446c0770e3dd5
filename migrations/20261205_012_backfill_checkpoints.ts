import type { Knex } from 'knex';

/**
 * Backfill and reconcile positions (issue 14): one row per (source, entity). `next_index` is where an unfinished
 * listing continues (a page number or a first index), `parent_index` the companies already done for the lists read
 * per company (memberships); both null once a listing completes. `watermark` is the snapshot time of the last
 * complete listing (epoch ms), from which an incremental reconcile asks for `lastModified`; `runs` counts reconcile
 * runs, for the full-listing cadence.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('backfill_checkpoints', (t) => {
    t.string('source', 64).notNullable();
    t.string('entity', 64).notNullable();
    t.bigInteger('next_index').nullable();
    t.bigInteger('parent_index').nullable();
    t.bigInteger('listed').notNullable().defaultTo(0);
    t.bigInteger('accepted').notNullable().defaultTo(0);
    t.bigInteger('watermark').nullable();
    t.integer('runs').notNullable().defaultTo(0);
    t.timestamp('started_at', { useTz: true }).nullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.timestamp('completed_at', { useTz: true }).nullable();
    t.primary(['source', 'entity'], 'backfill_checkpoints_pkey');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('backfill_checkpoints');
}
