import assert from 'node:assert/strict';
import { FolderMigrationSource, migrateLatest, migrationsAreCurrent } from '../../src/db/migration-source';
import { forEachDatabase } from '../helpers/test-databases';

forEachDatabase('migrations', (ctx) => {
  it('are all applied, roll back to nothing and apply again', async () => {
    const all = await new FolderMigrationSource().getMigrations();
    assert.equal(await migrationsAreCurrent(ctx.db), true);
    await ctx.db.migrate.rollback({ migrationSource: new FolderMigrationSource() }, true);
    assert.equal(await ctx.db.schema.hasTable('inbox_events'), false);
    assert.equal(await migrationsAreCurrent(ctx.db), false);
    assert.deepEqual(await migrateLatest(ctx.db), all);
    assert.equal(await ctx.db.schema.hasTable('inbox_events'), true);
    assert.equal(await migrationsAreCurrent(ctx.db), true);
  });
});

forEachDatabase('database location', (ctx) => {
  it('puts every table, knex_migrations included, where the config db block says', async () => {
    const names = ['inbox_events', 'knex_migrations'];
    let found: string[];
    if (ctx.engine === 'pg') {
      // db.schema: the tables are in the run's own schema, not in public.
      assert.ok(ctx.config.schema);
      const { rows } = (await ctx.db.raw(
        'select table_name from information_schema.tables where table_schema = ? and table_name in (?, ?)',
        [ctx.config.schema, ...names],
      )) as { rows: { table_name: string }[] };
      found = rows.map((r) => r.table_name);
    } else {
      const [main] = (await ctx.db.raw("select file from pragma_database_list where name = 'main'")) as { file: string }[];
      assert.equal(main?.file, ctx.config.filename);
      const rows = (await ctx.db.raw('select name from sqlite_master where name in (?, ?)', names)) as { name: string }[];
      found = rows.map((r) => r.name);
    }
    assert.deepEqual(found.sort(), names);
  });
});
