import { strict as assert } from 'node:assert';
import { followableUrl } from '../../../src/appdirect-api/resource-url-policy';

describe('followableUrl (no SSRF through resource.url)', () => {
  const base = new URL('https://acme.byappdirect.com');

  it('follows an HTTPS url on the marketplace host, case and default port normalised', () => {
    assert.equal(followableUrl('https://ACME.byappdirect.com:443/api/billing/v1/orders/1', base)?.pathname, '/api/billing/v1/orders/1');
  });

  for (const [why, url] of [
    ['plain http on the marketplace host', 'http://acme.byappdirect.com/api/billing/v1/orders/1'],
    ['another host', 'https://evil.example.com/api/billing/v1/orders/1'],
    ['a sibling subdomain', 'https://other.byappdirect.com/api/billing/v1/orders/1'],
    ['a host that only starts with the marketplace name', 'https://acme.byappdirect.com.evil.example/api'],
    ['another port', 'https://acme.byappdirect.com:8443/api'],
    ['credentials in the url', 'https://x:y@acme.byappdirect.com/api'],
    ['the metadata address', 'https://169.254.169.254/latest/meta-data'],
    ['not a string', 42],
    ['not a url', 'acme.byappdirect.com/api'],
  ] as const) {
    it(`refuses ${why}`, () => assert.equal(followableUrl(url, base), undefined));
  }

  it('allows plain http only when the base url is plain http on a loopback address (the fake marketplace)', () => {
    const local = new URL('http://127.0.0.1:8443');
    assert.ok(followableUrl('http://127.0.0.1:8443/api/x', local));
    assert.equal(followableUrl('https://127.0.0.1:8443/api/x', local), undefined);
    assert.equal(followableUrl('http://127.0.0.1:9000/api/x', local), undefined);
  });
});
