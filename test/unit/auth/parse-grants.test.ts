import assert from 'node:assert/strict';
import { parseGrants } from '../../../src/cli/clients-command';
import { isAppError } from '../../../src/core/app-error';

describe('clients add --grants', () => {
  it('takes client_credentials and/or password, comma- or space-separated, each once', () => {
    assert.deepEqual(parseGrants('client_credentials'), ['client_credentials']);
    assert.deepEqual(parseGrants('password, client_credentials,password'), ['password', 'client_credentials']);
  });

  it('refuses an empty list or another grant with AUTH_BAD_GRANTS', () => {
    for (const text of ['', ' , ', 'implicit', 'password,authorization_code']) {
      assert.throws(
        () => parseGrants(text),
        (err) => isAppError(err) && err.code === 'AUTH_BAD_GRANTS',
        text,
      );
    }
  });
});
