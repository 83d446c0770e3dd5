import assert from 'node:assert/strict';
import { KnexApiKeyStore } from '../../src/auth/knex-api-key-store';
import { KnexConsoleSessionStore } from '../../src/auth/knex-console-session-store';
import { forEachDatabase } from '../helpers/test-databases';

const T0 = new Date('2026-12-05T10:00:00.000Z');
const minutes = (n: number) => new Date(T0.getTime() + n * 60_000);

// Issue 16: console sessions are stored hashed, expire, end with sign-out and with their API key.
forEachDatabase('console sessions', (ctx) => {
  let sessions: KnexConsoleSessionStore;
  let keys: KnexApiKeyStore;

  beforeEach(async () => {
    await ctx.clean();
    sessions = new KnexConsoleSessionStore(ctx.db);
    keys = new KnexApiKeyStore(ctx.db);
    await keys.create({ id: 'k1', name: 'oncall', keySha256: 'a'.repeat(64), scopes: ['admin:read', 'admin:write'] }, T0);
  });

  it('finds a live session with its key name and current scopes, and not once it expired', async () => {
    await sessions.create({ tokenSha256: 'b'.repeat(64), keyId: 'k1', expiresAt: minutes(60) }, T0);
    const found = await sessions.findLive('b'.repeat(64), minutes(59));
    assert.deepEqual(found && { ...found, expiresAt: found.expiresAt.toISOString() }, {
      tokenSha256: 'b'.repeat(64),
      keyId: 'k1',
      keyName: 'oncall',
      scopes: ['admin:read', 'admin:write'],
      expiresAt: minutes(60).toISOString(),
    });
    assert.equal(await sessions.findLive('b'.repeat(64), minutes(60)), undefined, 'expired at its expiry');
    assert.equal(await sessions.findLive('c'.repeat(64), minutes(1)), undefined, 'an unknown digest');
  });

  it('touch moves the expiry (an idle timeout); delete ends it; deleteExpired removes only expired ones', async () => {
    await sessions.create({ tokenSha256: 'b'.repeat(64), keyId: 'k1', expiresAt: minutes(60) }, T0);
    await sessions.create({ tokenSha256: 'c'.repeat(64), keyId: 'k1', expiresAt: minutes(10) }, T0);
    await sessions.touch('b'.repeat(64), minutes(50), minutes(110));
    assert.ok(await sessions.findLive('b'.repeat(64), minutes(100)));
    assert.equal(await sessions.deleteExpired(minutes(20)), 1);
    assert.ok(await sessions.findLive('b'.repeat(64), minutes(20)), 'the live one stays');
    await sessions.delete('b'.repeat(64));
    assert.equal(await sessions.findLive('b'.repeat(64), minutes(20)), undefined);
    assert.equal(Number(((await ctx.db('console_sessions').count({ n: '*' })) as Array<{ n: number | string }>)[0]?.n), 0);
  });

  it('a revoked key ends its sessions at once', async () => {
    await sessions.create({ tokenSha256: 'b'.repeat(64), keyId: 'k1', expiresAt: minutes(60) }, T0);
    assert.equal(await keys.revoke('k1', minutes(1)), true);
    assert.equal(await sessions.findLive('b'.repeat(64), minutes(2)), undefined);
  });
});
