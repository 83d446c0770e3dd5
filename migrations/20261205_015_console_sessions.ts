import type { Knex } from 'knex';

/**
 * Sign-ins to the operations console (issue 16, ADR 0034): one row per browser session, opened with an API key.
 * Only the SHA-256 of the session token is kept (the token is 32 random bytes, in the browser's cookie only), with
 * the key it was opened with (its scopes are read from api_keys on every request, so revoking the key ends its
 * sessions), when it expires and when it was last used.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('console_sessions', (t) => {
    t.string('token_sha256', 64).primary();
    t.string('key_id', 32).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('last_seen_at', { useTz: true }).notNullable();
    t.index(['expires_at'], 'console_sessions_expires_at_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('console_sessions');
}
