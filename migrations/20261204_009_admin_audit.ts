import type { Knex } from 'knex';

/**
 * The admin API's audit trail (issue 13): one row per mutation made through `/api/v1/admin/`: who (the API key's id
 * and name, copied so a revoked or renamed key still explains its rows), when, the route, the filter or body it was
 * given (JSON) and the ids it affected (JSON), written in the mutation's own transaction.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('admin_audit', (t) => {
    t.bigIncrements('id');
    t.timestamp('at', { useTz: true }).notNullable();
    t.string('key_id', 32).notNullable();
    t.string('key_name', 128).notNullable();
    t.string('route', 128).notNullable();
    t.text('request').notNullable();
    t.text('affected').notNullable();
    t.index(['at'], 'admin_audit_at_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('admin_audit');
}
