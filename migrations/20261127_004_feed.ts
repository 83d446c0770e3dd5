import type { Knex } from 'knex';

/** Downstream consumption: named consumers with server-kept checkpoints, and API keys for the feed and records APIs. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('consumers', (t) => {
    t.string('name', 128).primary();
    /** The seq of the last change acknowledged; 0 before the first. */
    t.bigInteger('cursor').notNullable().defaultTo(0);
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('acked_at', { useTz: true }).nullable();
  });
  await knex.schema.createTable('api_keys', (t) => {
    t.string('id', 32).primary();
    t.string('name', 128).notNullable();
    t.string('key_sha256', 64).notNullable();
    t.text('scopes').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('revoked_at', { useTz: true }).nullable();
    t.timestamp('last_used_at', { useTz: true }).nullable();
    t.unique(['key_sha256'], { indexName: 'api_keys_key_sha256_unique' });
  });
  await knex.schema.alterTable('changes', (t) => {
    t.index(['created_at'], 'changes_created_at_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('changes', (t) => t.dropIndex([], 'changes_created_at_index'));
  await knex.schema.dropTable('api_keys');
  await knex.schema.dropTable('consumers');
}
