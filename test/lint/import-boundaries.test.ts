import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const repo = resolve(__dirname, '..', '..');

/** Runs the project's boundary check (the `lint:boundaries` script's command) on a throwaway tree of files. */
function cruise(files: Record<string, string>): { status: number | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'boundaries-'));
  try {
    symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'), 'dir');
    const tsconfig = { compilerOptions: { module: 'node16', moduleResolution: 'node16', strict: true }, include: ['src', 'migrations'] };
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig));
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    const bin = join(repo, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
    const run = spawnSync(
      process.execPath,
      [bin, 'src', 'migrations', '--config', join(repo, '.dependency-cruiser.cjs'), '--output-type', 'err'],
      {
        cwd: dir,
        encoding: 'utf8',
      },
    );
    return { status: run.status, output: `${run.stdout}${run.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The text of a module that imports the given specifiers and exports one constant. */
const importing = (...imports: string[]): string => `${imports.map((i) => `import '${i}';`).join('\n')}\nexport const x = 1;\n`;

describe('import boundaries (.dependency-cruiser.cjs, docs/architecture.md)', function () {
  this.timeout(60_000);

  it('passes a tree that keeps every rule', () => {
    const { status, output } = cruise({
      'src/core/clock.ts': importing(),
      'src/db/create-knex.ts': importing('knex', 'better-sqlite3'),
      'src/mapping/compile-mapping.ts': importing('../core/clock'),
      'src/inbox/knex-inbox-store.ts': importing('knex', '../db/create-knex'),
      'src/inbox/inbox-store.ts': importing(),
      'src/receiver/receiver-service.ts': importing('../inbox/inbox-store', 'express'),
      'src/records/apply-event.ts': importing('../feed/change-feed', '../mapping/compile-mapping'),
      'src/feed/change-feed.ts': importing(),
      'src/connectors/connector.ts': importing('../feed/change-feed'),
      'src/worker/sync-worker.ts': importing('../inbox/inbox-store', '../mapping/compile-mapping', '../records/apply-event'),
      'src/simulate/webhook-simulator.ts': importing(),
      'src/cli/simulate-command.ts': importing('../simulate/webhook-simulator', '../main'),
      'src/main.ts': importing('./worker/sync-worker', './receiver/receiver-service', './connectors/connector'),
      'migrations/20270101_009_x.ts': importing('knex'),
    });
    assert.equal(status, 0, output);
  });

  it('fails, naming the rule and the import, when a file breaks a stage rule', () => {
    const { status, output } = cruise({
      'src/core/clock.ts': importing(),
      'src/db/create-knex.ts': importing('knex', '../inbox/inbox-store'),
      'src/inbox/inbox-store.ts': importing('../receiver/envelope'),
      'src/receiver/envelope.ts': importing(),
      'src/receiver/receiver-service.ts': importing('../records/apply-event'),
      'src/mapping/compile-mapping.ts': importing('../db/create-knex'),
      'src/mapping/path-reader.ts': importing('express'),
      'src/records/apply-event.ts': importing(),
      'src/records/entity-views.ts': importing('../../test/helpers/x'),
      'src/connectors/connector.ts': importing('../inbox/inbox-store'),
      'src/connectors/oauth2-client-token.ts': importing('../simulate/oauth2-token-source'),
      'src/simulate/oauth2-token-source.ts': importing(),
      'src/worker/sync-worker.ts': importing('knex'),
      'src/feed/a.ts': importing('./b'),
      'src/feed/b.ts': importing('./a'),
      'src/jobs/retention-job.ts': importing('../main'),
      'src/main.ts': importing(),
      'test/helpers/x.ts': importing(),
      'migrations/20270101_009_x.ts': importing('knex', '../src/core/clock'),
    });
    assert.notEqual(status, 0);
    // One line per rule: `error <rule>: <from> → <to>` (a pattern: the resolved path of a package varies).
    const expected = [
      'db-knows-no-stage: src/db/create-knex.ts → src/inbox/inbox-store.ts',
      'downstream-never-imports-receiver: src/inbox/inbox-store.ts → src/receiver/envelope.ts',
      'receiver-never-imports-downstream: src/receiver/receiver-service.ts → src/records/apply-event.ts',
      'mapping-imports-no-db-or-http: src/mapping/compile-mapping.ts → src/db/create-knex.ts',
      'mapping-imports-no-db-or-http: src/mapping/path-reader.ts → [^\\n]*node_modules/express/',
      'src-never-imports-tests: src/records/entity-views.ts → test/helpers/x.ts',
      'connectors-read-the-feed: src/connectors/connector.ts → src/inbox/inbox-store.ts',
      'only-the-cli-uses-the-simulator: src/connectors/oauth2-client-token.ts → src/simulate/oauth2-token-source.ts',
      'db-drivers-only-in-db-and-stores: src/worker/sync-worker.ts → [^\\n]*node_modules/knex/',
      'no-circular: src/feed/a.ts → \\s*src/feed/b.ts',
      'only-the-cli-imports-the-composition-root: src/jobs/retention-job.ts → src/main.ts',
      'migrations-import-no-src: migrations/20270101_009_x.ts → src/core/clock.ts',
    ];
    for (const line of expected) assert.match(output, new RegExp(`error ${line}`), output);
  });

  it('fails a value import of a database driver that also imports a type (ESLint closes that gap)', () => {
    // dependency-cruiser records `import knex, { type Knex }` as type-only; ESLint's no-restricted-imports sees it.
    const bin = join(repo, 'node_modules', 'eslint', 'bin', 'eslint.js');
    const lint = (text: string) =>
      spawnSync(process.execPath, [bin, '--stdin', '--stdin-filename', 'src/receiver/x.ts'], { cwd: repo, input: text, encoding: 'utf8' });
    const mixed = lint("import knex, { type Knex } from 'knex';\nexport const k: Knex = knex({});\n");
    assert.notEqual(mixed.status, 0);
    assert.match(mixed.stdout, /no-restricted-imports/);
    assert.equal(lint("import type { Knex } from 'knex';\nexport type K = Knex;\n").status, 0);
  });
});
