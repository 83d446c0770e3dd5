import { strict as assert } from 'node:assert';
import pino from 'pino';
import { AppdirectApiClient } from '../../src/appdirect-api/appdirect-api-client';
import { appdirectApiSchema } from '../../src/config/appdirect-api-schema';
import { FakeMarketplace } from '../../src/simulate/fake-marketplace';
import { CLIENT } from '../helpers/backfill-fixtures';

describe('AppdirectApiClient against the fake marketplace', function () {
  this.timeout(30_000);
  let market: FakeMarketplace;
  const client = (settings: Record<string, unknown>) =>
    new AppdirectApiClient(appdirectApiSchema.parse({ baseUrl: market.url, ...CLIENT, ...settings }), pino({ level: 'silent' }));

  before(async () => {
    market = await FakeMarketplace.start({ ...CLIENT, seed: { companies: 30 } });
  });
  after(() => market.close());

  it('holds every call of a source to requestsPerSecond', async () => {
    const api = client({ requestsPerSecond: 4 });
    await api.get('/api/account/v2/companies', { size: '1' }); // the token, outside the timing
    const started = Date.now();
    for (let i = 0; i < 9; i++) await api.get('/api/account/v2/companies', { size: '1' });
    // 10 calls at 4 a second: the last ones wait for the third second's window.
    assert.ok(Date.now() - started >= 1500, `took ${Date.now() - started} ms`);
  });

  it('refuses a response larger than maxResponseBytes', async () => {
    const api = client({ requestsPerSecond: 0, maxResponseBytes: 2048 });
    await assert.rejects(api.get('/api/account/v2/companies', { size: '30' }), { code: 'APPDIRECT_API_RESPONSE_TOO_LARGE' });
    await api.get('/api/account/v2/companies', { size: '1' });
  });

  it('says which credentials failed without the secret', async () => {
    const api = new AppdirectApiClient(
      appdirectApiSchema.parse({ baseUrl: market.url, clientId: CLIENT.clientId, clientSecret: 'wrong-secret-value' }),
      pino({ level: 'silent' }),
    );
    await assert.rejects(api.get('/api/account/v2/companies'), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'APPDIRECT_API_AUTH_FAILED');
      assert.match(err.message, /401 invalid_client/);
      assert.doesNotMatch(err.message, /wrong-secret-value/);
      return true;
    });
  });

  it('reads clientSecretFile at load, and refuses plain http to a host other than a loopback one', () => {
    assert.throws(
      () => appdirectApiSchema.parse({ baseUrl: 'http://acme.byappdirect.com', clientId: 'c', clientSecret: 's' }),
      /must be https/,
    );
    assert.throws(
      () => appdirectApiSchema.parse({ baseUrl: 'https://acme.byappdirect.com', clientId: 'c' }),
      /exactly one of clientSecret or clientSecretFile/,
    );
    assert.throws(
      () => appdirectApiSchema.parse({ baseUrl: 'https://acme.byappdirect.com', clientId: 'c', clientSecretFile: '/nonexistent/secret' }),
      /cannot read file \/nonexistent\/secret/,
    );
  });
});
