import assert from 'node:assert/strict';
import { hashSecret, verifySecret } from '../../../src/auth/secret-hash';

describe('secret-hash (scrypt)', () => {
  it('verifies the secret it hashed and nothing else', async () => {
    const stored = await hashSecret('correct horse battery staple');
    assert.match(stored, /^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    assert.equal(await verifySecret('correct horse battery staple', stored), true);
    assert.equal(await verifySecret('correct horse battery stapl', stored), false);
    assert.equal(await verifySecret('', stored), false);
  });

  it('salts every hash', async () => {
    assert.notEqual(await hashSecret('same'), await hashSecret('same'));
  });

  it('refuses an unknown id (no hash) and a malformed hash', async () => {
    assert.equal(await verifySecret('anything', undefined), false);
    assert.equal(await verifySecret('anything', 'plain-text-secret'), false);
    assert.equal(await verifySecret('anything', 'scrypt$0$8$1$$'), false);
  });

  it('keeps verifying hashes made with other cost parameters', async () => {
    const stored = await hashSecret('rotate-me');
    const [, , , , salt] = stored.split('$');
    // A hash with lower cost, as an older version might have written: verification reads N from the hash.
    const { scryptSync } = await import('node:crypto');
    const key = scryptSync('rotate-me', Buffer.from(salt ?? '', 'base64url'), 32, { N: 1024, r: 8, p: 1 });
    assert.equal(await verifySecret('rotate-me', `scrypt$1024$8$1$${salt}$${key.toString('base64url')}`), true);
  });
});
