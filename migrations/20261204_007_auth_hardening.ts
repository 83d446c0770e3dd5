import type { Knex } from 'knex';

/**
 * Auth hardening (issue 11 items 6 and 7):
 * - `oauth_clients.grants`: the grant types a client may use, space-separated. Clients issued before this migration
 *   keep both grants so running AppDirect setups go on working; new clients get only what `clients add --grants` asks.
 * - `consumers.owner_key_id`: the API key a named consumer is bound to. Null until a key first uses the consumer
 *   (consumers of existing deployments are claimed by the first key that reads or acks them after the upgrade).
 * - `auth_failures`: failed-authentication counts shared by every instance on one PostgreSQL database, in the layout
 *   rate-limiter-flexible's RateLimiterPostgres expects (key, points, expire in epoch ms). Unused on SQLite, where
 *   there is one instance and the counts live in memory; created on both engines so the schema is the same.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('oauth_clients', (t) => {
    t.string('grants', 64).notNullable().defaultTo('client_credentials password');
  });
  await knex.schema.alterTable('consumers', (t) => {
    t.string('owner_key_id', 32).nullable();
  });
  await knex.schema.createTable('auth_failures', (t) => {
    t.string('key', 255).primary();
    t.integer('points').notNullable().defaultTo(0);
    t.bigInteger('expire').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('auth_failures');
  await knex.schema.alterTable('consumers', (t) => t.dropColumn('owner_key_id'));
  await knex.schema.alterTable('oauth_clients', (t) => t.dropColumn('grants'));
}
