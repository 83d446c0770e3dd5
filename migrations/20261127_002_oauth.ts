import type { Knex } from 'knex';

/** Credentials this service issues to AppDirect for the oauth2 source mode, and the tokens it mints. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('oauth_clients', (t) => {
    t.string('client_id', 64).primary();
    t.string('source', 64).notNullable();
    t.string('secret_hash', 255).notNullable();
    t.string('description', 255).nullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('revoked_at', { useTz: true }).nullable();
    t.index(['source'], 'oauth_clients_source_index');
  });

  await knex.schema.createTable('oauth_users', (t) => {
    t.bigIncrements('id');
    t.string('source', 64).notNullable();
    t.string('username', 255).notNullable();
    t.string('password_hash', 255).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('revoked_at', { useTz: true }).nullable();
    t.unique(['source', 'username'], { indexName: 'oauth_users_source_username_unique' });
  });

  await knex.schema.createTable('oauth_tokens', (t) => {
    t.string('token_sha256', 64).primary();
    t.string('client_id', 64).notNullable();
    t.string('source', 64).notNullable();
    t.string('username', 255).nullable();
    t.string('scope', 255).nullable();
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('revoked_at', { useTz: true }).nullable();
    t.index(['client_id'], 'oauth_tokens_client_id_index');
    t.index(['expires_at'], 'oauth_tokens_expires_at_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('oauth_tokens');
  await knex.schema.dropTable('oauth_users');
  await knex.schema.dropTable('oauth_clients');
}
