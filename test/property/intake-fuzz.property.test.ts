import assert from 'node:assert/strict';
import { deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { newApiKey } from '../../src/auth/api-key-auth';
import { KnexApiKeyStore } from '../../src/auth/knex-api-key-store';
import { ERROR_CODES, type ErrorCode } from '../../src/core/error-codes';
import { forEachDatabase } from '../helpers/test-databases';
import { delivery, startTestServer, type TestServer } from '../helpers/test-runtime';
import { createInboxStore } from '../../src/inbox/create-inbox-stores';

const TOKEN = 'fuzz-token-0123456789abcdef';
const RUNS = 200;
const SEED = 20261204;
const BODY_LIMIT = 32 * 1024;

/** One generated request: a body (text or bytes), how it is encoded, and what its Content-Type says. */
interface FuzzRequest {
  body: string | Buffer;
  encoding: 'none' | 'gzip' | 'deflate' | 'gzip-corrupt' | 'br' | 'xyz';
  contentType: string | undefined;
}

const controlChar = fc
  .integer({ min: 0, max: 0x9f })
  .filter((c) => c < 0x20 || c >= 0x7f)
  .map((c) => String.fromCharCode(c));
const nastyString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.tuple(fc.string({ maxLength: 10 }), controlChar, fc.string({ maxLength: 10 })).map(([a, c, b]) => a + c + b),
  fc.constantFrom('\u0000', '\ud800', 'a\udc00b', ' ', '', '\u2028'),
  fc.integer({ min: 250, max: 300 }).map((n) => 'x'.repeat(n)),
);
const nastyValue = fc.oneof(
  nastyString,
  fc.integer(),
  fc.double(),
  fc.constant(null),
  fc.boolean(),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.object({ maxDepth: 2 }),
);
const FIELDS = ['uuid', 'timestamp', 'resourceAction', 'resource', 'resource.type', 'resource.uuid', 'resource.content'] as const;

/** Nesting as raw text, so depth is not limited by JSON.stringify's own stack. */
const deepText = (depth: number, kind: 'array' | 'object') =>
  kind === 'array' ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

const bodyArb: fc.Arbitrary<string | Buffer> = fc.oneof(
  // A valid envelope with one field replaced or removed.
  fc.tuple(fc.constantFrom(...FIELDS), fc.option(nastyValue, { nil: undefined })).map(([field, value]) => {
    const d = delivery() as Record<string, unknown>;
    const [head, tail] = field.split('.') as [string, string | undefined];
    const target = tail ? (d[head] as Record<string, unknown>) : d;
    const key = tail ?? head;
    if (value === undefined) delete target[key];
    else target[key] = value;
    return JSON.stringify(d);
  }),
  // Nesting from harmless to absurd inside resource.content.
  fc
    .tuple(fc.integer({ min: 1, max: 5000 }), fc.constantFrom('array' as const, 'object' as const))
    .map(([depth, kind]) => JSON.stringify(delivery()).replace('"status":"ACTIVE"', `"status":${deepText(depth, kind)}`)),
  // Control characters and NUL inside content, where they are data.
  fc
    .array(nastyString, { maxLength: 4 })
    .map((strings) => JSON.stringify(delivery({ resource: { type: 'ORDER', uuid: 'o-1', content: { strings } } }))),
  // Not an envelope at all.
  fc.json({ maxDepth: 3 }),
  fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)),
  fc.integer({ min: 1, max: 200 }).map((cut) => JSON.stringify(delivery()).slice(0, cut)),
  fc.integer({ min: BODY_LIMIT - 100, max: BODY_LIMIT + 2000 }).map((n) => JSON.stringify(delivery({ pad: 'p'.repeat(n) }))),
);

const requestArb: fc.Arbitrary<FuzzRequest> = fc.record({
  body: bodyArb,
  // Mostly plain, so that the bodies' own faults get their turn.
  encoding: fc.oneof(
    { arbitrary: fc.constant('none' as const), weight: 12 },
    { arbitrary: fc.constantFrom('gzip' as const, 'deflate' as const, 'gzip-corrupt' as const, 'br' as const, 'xyz' as const), weight: 4 },
  ),
  contentType: fc.oneof(
    { arbitrary: fc.constantFrom('application/json', 'application/json; charset=utf-8', undefined), weight: 12 },
    {
      arbitrary: fc.constantFrom(
        'application/json; charset=utf-16',
        'application/json; charset=latin1',
        'application/json; charset=x-bogus',
        'text/plain',
      ),
      weight: 3,
    },
  ),
});

function encode(r: FuzzRequest): { body: Buffer; headers: Record<string, string> } {
  const raw = Buffer.isBuffer(r.body) ? r.body : Buffer.from(r.body, 'utf8');
  const headers: Record<string, string> = {};
  if (r.contentType) headers['content-type'] = r.contentType;
  switch (r.encoding) {
    case 'none':
      return { body: raw, headers };
    case 'gzip':
      return { body: gzipSync(raw), headers: { ...headers, 'content-encoding': 'gzip' } };
    case 'deflate':
      return { body: deflateSync(raw), headers: { ...headers, 'content-encoding': 'deflate' } };
    case 'gzip-corrupt': {
      const zipped = gzipSync(raw);
      return {
        body: Buffer.concat([zipped.subarray(0, 12), Buffer.from([0xff, 0x00, 0xfe]), zipped.subarray(12)]),
        headers: { ...headers, 'content-encoding': 'gzip' },
      };
    }
    default:
      return { body: raw, headers: { ...headers, 'content-encoding': r.encoding } };
  }
}

/**
 * Issue 11 "Done when": a few hundred hostile deliveries (fixed seed) against the real service on each engine. Never
 * a 5xx; every 4xx carries a catalogued code with the catalog's status; every rejection of an authenticated sender
 * is in rejected_deliveries; the service still takes a good delivery at the end. Every fourth body also goes to the
 * token endpoint and the feed API, which must answer in their own codes.
 */
forEachDatabase('intake fuzz', (ctx) => {
  let server: TestServer;
  let apiKey: string;
  before(async () => {
    server = await startTestServer({
      db: ctx.config,
      server: { bodyLimitBytes: BODY_LIMIT },
      sources: { shop: { auth: { mode: 'token', tokens: [{ name: 't', value: TOKEN }] } }, sso: { auth: { mode: 'oauth2' } } },
    });
    const k = newApiKey();
    await new KnexApiKeyStore(server.runtime.db).create(
      { id: k.id, name: 'fuzz', keySha256: k.keySha256, scopes: ['feed:read'] },
      new Date(),
    );
    apiKey = k.key;
  });

  /** The same hostile body sent to the token endpoint and the feed API: 4xx in their own codes, never 5xx. */
  async function postElsewhere(i: number, body: Buffer, headers: Record<string, string>): Promise<void> {
    const targets = [
      { path: '/oauth/token', headers },
      { path: '/api/v1/consumers/fuzz/ack', headers: { ...headers, authorization: `Bearer ${apiKey}` } },
    ];
    for (const t of targets) {
      const res = await fetch(`${server.url}${t.path}`, { method: 'POST', headers: t.headers, body });
      const text = await res.text();
      const what = `request ${i} to ${t.path}: ${res.status} ${text.slice(0, 200)}`;
      assert.ok(res.status < 500, what);
      if (res.status < 400) continue;
      const json = JSON.parse(text) as { error?: { code: string } | string };
      if (t.path === '/oauth/token') {
        // RFC 6749 section 5.2 bodies: the error is a string.
        assert.equal(typeof json.error, 'string', what);
        continue;
      }
      const code = (json.error as { code: string }).code as ErrorCode;
      assert.ok(code in ERROR_CODES && ERROR_CODES[code].status === res.status, what);
      assert.doesNotMatch(code, /^RECEIVER_/, what);
    }
  }
  after(async () => {
    await server?.close();
  });

  it(`answers ${RUNS} hostile deliveries with catalogued 4xx or 200, and records every rejection`, async function () {
    this.timeout(60_000);
    const requests = fc.sample(requestArb, { numRuns: RUNS, seed: SEED });
    const rejected = new Map<string, ErrorCode>();
    const accepted: string[] = [];
    // Eight at a time: bad and good deliveries share group commits.
    for (let start = 0; start < requests.length; start += 8) {
      await Promise.all(
        requests.slice(start, start + 8).map(async (r, offset) => {
          const i = start + offset;
          const requestId = `fuzz-${ctx.engine}-${i}`;
          // A few wrong tokens, deterministic, well under the failed-authentication limit.
          const token = i % 40 === 39 ? 'wrong-token' : TOKEN;
          const { body, headers } = encode(r);
          const res = await fetch(`${server.url}/webhooks/shop`, {
            method: 'POST',
            headers: { ...headers, 'x-appdirect-webhook-token': token, 'x-request-id': requestId },
            body,
          });
          if (i % 4 === 0) await postElsewhere(i, body, headers);
          const text = await res.text();
          const what = `request ${i} (${r.encoding}, ${r.contentType}, ${body.length} bytes): ${res.status} ${text.slice(0, 200)}`;
          assert.ok(res.status < 500, what);
          const json = JSON.parse(text) as { error?: { code: string }; status?: string };
          if (res.status === 200) {
            accepted.push(requestId);
            return;
          }
          const code = json.error?.code as ErrorCode;
          assert.ok(code in ERROR_CODES, what);
          assert.equal(ERROR_CODES[code].status, res.status, what);
          assert.match(code, /^(RECEIVER|AUTH)_/, what);
          if (token === TOKEN) rejected.set(requestId, code);
          else assert.equal(res.status, 401, what);
        }),
      );
    }
    const recorded = new Map((await createInboxStore(ctx.db).listRejections(10_000)).map((r) => [r.requestId, r.errorCode]));
    for (const [requestId, code] of rejected) assert.equal(recorded.get(requestId), code, `rejection ${requestId} recorded`);
    assert.ok(rejected.size > RUNS / 4 && accepted.length > 5, `a useful mix: ${rejected.size} rejected, ${accepted.length} accepted`);

    const good = await fetch(`${server.url}/webhooks/shop`, {
      method: 'POST',
      headers: { 'x-appdirect-webhook-token': TOKEN },
      body: JSON.stringify(delivery()),
    });
    assert.equal(good.status, 200);
  });
});
