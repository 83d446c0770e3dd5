import type { Knex } from 'knex';

/** One row per periodic job: which instance runs it, until when, and the last tick that was run. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('job_locks', (t) => {
    t.string('name', 64).primary();
    t.string('owner', 128).nullable();
    t.timestamp('locked_until', { useTz: true }).nullable();
    t.string('last_tick', 32).nullable();
    t.timestamp('last_run_at', { useTz: true }).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('job_locks');
}
