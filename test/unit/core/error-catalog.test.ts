import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CODES } from '../../../src/core/error-codes';

describe('error code catalog', () => {
  const doc = readFileSync(join(__dirname, '..', '..', '..', 'docs', 'errors.md'), 'utf8');

  it('documents every code with its status in docs/errors.md', () => {
    const missing = Object.entries(ERROR_CODES)
      .filter(([code, { status }]) => !new RegExp(`^\\| \`${code}\` \\| ${status} \\|`, 'm').test(doc))
      .map(([code]) => code);
    assert.deepEqual(missing, [], 'codes missing from docs/errors.md (or with another status there)');
  });

  it('names codes AREA_REASON in upper snake case', () => {
    for (const code of Object.keys(ERROR_CODES)) assert.match(code, /^[A-Z]+(_[A-Z0-9]+)+$/);
  });
});
