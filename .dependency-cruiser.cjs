// Import boundaries between the stages of src/ (receiver → inbox → worker → mapping → records → feed → connectors).
// Each rule is written down, with its reason, in docs/architecture.md: change a rule there first, never silence
// it in code. `npm run lint:boundaries` runs this file on src/ and migrations/.

/** The stages and the parts of the service that wire or drive them (folders of src/). */
const STAGE_FOLDERS = ['receiver', 'auth', 'inbox', 'worker', 'mapping', 'records', 'feed', 'connectors', 'jobs', 'cli', 'simulate'];
/** Every stage but the ones named, and the composition root (main.ts, app.ts), as one path pattern. */
function stagesExcept(...own) {
  const others = STAGE_FOLDERS.filter((f) => !own.includes(f));
  return `^src/(${others.join('|')})/|^src/(main|app)[.]ts$`;
}
/** The database drivers; only src/db and the store files use them at run time. */
const DB_DRIVERS = '(^|/)node_modules/(knex|better-sqlite3|pg|pg-[^/]+)/';
/** Code that speaks HTTP: express, Node's servers and sockets. */
const HTTP_CODE = '(^|/)node_modules/express/|^(node:)?(http|https|http2|net|tls)$';
/** A store file: the engine-specific side of a stage (knex-*, sqlite-*, pg-*) or a store interface (*-store). */
const STORE_FILES = '^src/[^/]+/((knex|sqlite|pg)-[^/]+|[^/]+-store)[.]ts$';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle means two modules are one; split out what both need.',
      from: { path: '^src/' },
      // Type-only edges leave no trace in the JavaScript (docs/architecture.md): src/compose's builders type their container.
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'mapping-imports-no-db-or-http',
      severity: 'error',
      comment: 'Mappings are pure functions of the payload: run on a worker thread, in `mappings test`, with no database or network.',
      from: { path: '^src/mapping/' },
      to: { path: [stagesExcept('mapping'), '^src/(db|http)/', DB_DRIVERS, HTTP_CODE] },
    },
    {
      name: 'receiver-never-imports-downstream',
      severity: 'error',
      comment: 'The receiver only commits deliveries to the inbox; the worker, mapping and records run later, elsewhere.',
      from: { path: '^src/receiver/' },
      to: { path: '^src/(worker|mapping|records|feed|connectors|jobs)/' },
    },
    {
      name: 'downstream-never-imports-receiver',
      severity: 'error',
      comment: 'The receiver is the HTTP entrance; shared types live in a module every stage may import, not in receiver/.',
      from: { path: '^src/(inbox|worker|mapping|records|feed|connectors|jobs|db)/' },
      to: { path: '^src/receiver/' },
    },
    {
      name: 'connectors-read-the-feed',
      severity: 'error',
      comment: 'Connectors read the change feed from their checkpoint, never the records or the inbox behind it.',
      from: { path: '^src/connectors/' },
      to: { path: '^src/(records|inbox|worker|mapping|receiver)/' },
    },
    {
      name: 'db-knows-no-stage',
      severity: 'error',
      comment: 'src/db is the engine layer (connections, migrations, transactions, engine helpers) below every stage.',
      from: { path: '^src/db/' },
      to: { path: stagesExcept() },
    },
    {
      name: 'db-drivers-only-in-db-and-stores',
      severity: 'error',
      comment: 'SQL lives in src/db and the store files; a type-only import (a transaction handle) is allowed elsewhere.',
      from: { path: '^src/', pathNot: ['^src/db/', STORE_FILES] },
      to: { path: DB_DRIVERS, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'only-the-cli-uses-the-simulator',
      severity: 'error',
      comment: 'src/simulate is a test tool for operators (`simulate`); production code never runs it.',
      from: { path: '^src/', pathNot: '^src/(cli|simulate)/' },
      to: { path: '^src/simulate/' },
    },
    {
      name: 'only-the-cli-imports-the-composition-root',
      severity: 'error',
      comment: 'main.ts and the CLI wire the stages; a stage that imports them would depend on every other stage.',
      from: { path: '^src/', pathNot: '^src/(cli/|main[.]ts$)' },
      to: { path: '^src/(cli/|main[.]ts$)' },
    },
    {
      name: 'migrations-import-no-src',
      severity: 'error',
      comment: 'A landed migration never changes; importing src/ would change what it does whenever src/ changes.',
      from: { path: '^migrations/' },
      to: { path: '^src/' },
    },
    {
      name: 'src-never-imports-tests',
      severity: 'error',
      comment: 'Tests and benchmarks are not shipped: src/ must compile and run without them.',
      from: { path: '^src/' },
      to: { path: '^(test|bench)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports are imports too: a type cycle or a type reached across a boundary couples the stages.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
