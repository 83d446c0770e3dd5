import assert from 'node:assert/strict';
import { KnexOauthClientStore } from '../../src/auth/knex-oauth-client-store';
import { KnexOauthTokenStore } from '../../src/auth/knex-oauth-token-store';
import { KnexOauthUserStore } from '../../src/auth/knex-oauth-user-store';
import { isUniqueViolation } from '../../src/db/db-errors';
import { forEachDatabase } from '../helpers/test-databases';

const T0 = new Date('2026-11-27T10:00:00.123Z');
const later = new Date('2026-11-28T09:30:00.456Z');

forEachDatabase('knex oauth stores', (ctx) => {
  beforeEach(() => ctx.clean());

  it('clients: insert, find with dates intact, list by source, revoke once', async () => {
    const store = new KnexOauthClientStore(ctx.db);
    await store.insert({
      clientId: 'c-2',
      source: 'b',
      secretHash: 'h2',
      description: null,
      createdAt: T0,
      revokedAt: null,
      grants: ['client_credentials'],
    });
    await store.insert({
      clientId: 'c-1',
      source: 'a',
      secretHash: 'h1',
      description: 'first',
      createdAt: T0,
      revokedAt: null,
      grants: ['client_credentials'],
    });
    assert.deepEqual(await store.find('c-1'), {
      clientId: 'c-1',
      source: 'a',
      secretHash: 'h1',
      description: 'first',
      createdAt: T0,
      revokedAt: null,
      grants: ['client_credentials'],
    });
    assert.equal(await store.find('nope'), undefined);
    assert.deepEqual(
      (await store.list()).map((c) => c.clientId),
      ['c-1', 'c-2'],
    );
    assert.deepEqual(
      (await store.list({ source: 'b' })).map((c) => c.clientId),
      ['c-2'],
    );
    assert.equal(await store.revoke('c-1', later), true);
    assert.equal(await store.revoke('c-1', later), false);
    assert.equal((await store.find('c-1'))?.revokedAt?.toISOString(), later.toISOString());
    await assert.rejects(
      store.insert({
        clientId: 'c-1',
        source: 'a',
        secretHash: 'h',
        description: null,
        createdAt: T0,
        revokedAt: null,
        grants: ['client_credentials'],
      }),
      (err) => isUniqueViolation(err),
    );
  });

  it('users: unique per source (a driver error the app recognizes), revoke, delete revoked', async () => {
    const store = new KnexOauthUserStore(ctx.db);
    const user = { source: 'a', username: 'appdirect', passwordHash: 'p', createdAt: T0, revokedAt: null };
    await store.insert(user);
    await store.insert({ ...user, source: 'b' });
    await assert.rejects(store.insert(user), (err) => isUniqueViolation(err));
    assert.deepEqual(await store.find('a', 'appdirect'), user);
    assert.deepEqual(
      (await store.list({ source: 'b' })).map((u) => u.source),
      ['b'],
    );
    await store.deleteRevoked('a', 'appdirect');
    assert.ok(await store.find('a', 'appdirect'), 'a live user is not deleted');
    assert.equal(await store.revoke('a', 'appdirect', later), true);
    assert.equal(await store.revoke('a', 'appdirect', later), false);
    await store.deleteRevoked('a', 'appdirect');
    assert.equal(await store.find('a', 'appdirect'), undefined);
    await store.insert(user);
  });

  it('tokens: insert, find, revoke by client and by user counting live tokens only', async () => {
    const store = new KnexOauthTokenStore(ctx.db);
    const token = (sha: string, clientId: string, username: string | null) => ({
      tokenSha256: sha.padEnd(64, '0'),
      clientId,
      source: 'a',
      username,
      scope: null,
      expiresAt: later,
      createdAt: T0,
      revokedAt: null,
    });
    await store.insert(token('1', 'c-1', null));
    await store.insert(token('2', 'c-1', 'u'));
    await store.insert(token('3', 'c-2', 'u'));
    assert.deepEqual(await store.find('1'.padEnd(64, '0')), token('1', 'c-1', null));
    assert.equal(await store.revokeByUser('a', 'u', later), 2);
    assert.equal(await store.revokeByClient('c-1', later), 1);
    assert.equal(await store.revokeByClient('c-1', later), 0);
    assert.equal((await store.find('3'.padEnd(64, '0')))?.revokedAt?.toISOString(), later.toISOString());
  });
});
