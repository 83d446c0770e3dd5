// ESLint flat config: typescript-eslint's recommended rules without type information (3.5 s here against 17 s with
// type information; `npm run typecheck` already runs the compiler). Formatting is Prettier's, so
// eslint-config-prettier turns off every stylistic rule. Import boundaries are checked by dependency-cruiser
// (.dependency-cruiser.cjs), except the one gap noted below. See docs/architecture.md and docs/adr/0020-lint-format-boundaries.md.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['dist/', 'coverage/', 'data/', 'node_modules/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: 'module' },
    rules: {
      // `_`-prefixed names are deliberately unused (a parameter kept for its position, a rest sibling).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Intake and the feed API refuse control characters on purpose, so their regexes name them.
      'no-control-regex': 'off',
      // pino-pretty is loaded lazily inside a synchronous function (src/core/logger.ts), so a JSON-logging command
      // does not pay for it at start; every other module is imported.
      '@typescript-eslint/no-require-imports': ['error', { allow: ['^pino-pretty$'] }],
    },
  },
  {
    // dependency-cruiser's db-drivers-only-in-db-and-stores rule (docs/architecture.md) sees `import knex, { type Knex }`
    // as a type-only import; this closes that gap. `import type { Knex }` (a transaction handle) stays allowed.
    files: ['src/**/*.ts'],
    ignores: ['src/db/**', 'src/*/knex-*.ts', 'src/*/sqlite-*.ts', 'src/*/pg-*.ts', 'src/*/*-store.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        ...['knex', 'better-sqlite3', 'pg'].map((name) => ({
          name,
          allowTypeImports: true,
          message: 'Only src/db and the store files use the database drivers (docs/architecture.md).',
        })),
      ],
    },
  },
  {
    // Tests read HTTP answers as untyped JSON and check their shape with assertions, which is the type check here.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', process: 'readonly', __dirname: 'readonly', console: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The console's one browser script (served as is, no build step): the browser's globals, not Node's.
    files: ['assets/console/**/*.js'],
    languageOptions: { sourceType: 'script', globals: { document: 'readonly', window: 'readonly' } },
  },
  prettier,
);
