import type { Knex } from 'knex';

/**
 * Connector state (issue 15):
 * - `connector_failures`: changes a downstream refused for good (a 4xx other than 401, 408, 425, 429), or an output
 *   mapping could not shape. One row per connector and change (`seq`); a refusal of the same change again (after a
 *   rewind, or a retry that is refused) updates it. The change itself is kept (`change_json`), so a retry does not
 *   depend on the change still being in the feed after retention. `state`: parked, retried, skipped.
 *   `superseded_by`: the seq of a later change of the same record the connector delivered after this one was
 *   parked; a retry would put the older state back, so it is refused unless forced.
 * - `connector_csv_layouts`: the CSV columns a file connector last wrote per entity, so a mapping change that
 *   alters them is noticed (logged, new header) instead of silently changing the layout.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('connector_failures', (t) => {
    t.bigIncrements('id');
    t.string('connector', 64).notNullable();
    t.bigInteger('seq').notNullable();
    t.string('source', 128).notNullable();
    t.string('entity', 128).notNullable();
    t.string('record_key', 512).notNullable();
    t.string('kind', 16).notNullable();
    t.text('change_json').notNullable();
    t.string('state', 16).notNullable();
    t.string('code', 64).notNullable();
    t.integer('status').nullable();
    t.text('response').nullable();
    t.text('message').notNullable();
    t.integer('attempts').notNullable();
    t.timestamp('first_failed_at', { useTz: true }).notNullable();
    t.timestamp('last_failed_at', { useTz: true }).notNullable();
    t.timestamp('resolved_at', { useTz: true }).nullable();
    t.bigInteger('superseded_by').nullable();
    t.unique(['connector', 'seq'], { indexName: 'connector_failures_connector_seq_unique' });
    t.index(['connector', 'state'], 'connector_failures_connector_state_index');
  });
  await knex.schema.createTable('connector_csv_layouts', (t) => {
    t.string('connector', 64).notNullable();
    t.string('entity', 128).notNullable();
    t.text('columns').notNullable();
    t.timestamp('changed_at', { useTz: true }).notNullable();
    t.primary(['connector', 'entity'], 'connector_csv_layouts_pkey');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('connector_csv_layouts');
  await knex.schema.dropTable('connector_failures');
}
