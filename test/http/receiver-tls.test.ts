import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import selfsigned from 'selfsigned';
import { createLogger } from '../../src/core/logger';
import { delivery, startTestServer, type TestServer } from '../helpers/test-runtime';

const TOKEN = 'tls-test-token-0123456789abcdef';

function postHttps(port: number, ca: string, body: string, token: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/webhooks/shop',
        method: 'POST',
        ca,
        servername: 'localhost',
        headers: { 'x-appdirect-webhook-token': token },
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('receiver over TLS, and what it logs', () => {
  let server: TestServer;
  let port: number;
  let ca: string;
  let logged = '';

  before(async () => {
    const pems = selfsigned.generate([{ name: 'commonName', value: 'localhost' }], {
      days: 2,
      keySize: 2048,
      extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }] }],
    });
    ca = pems.cert;
    const sink = new Writable({ write: (chunk: Buffer, _enc, done) => ((logged += chunk.toString()), done()) });
    const config = (dir: string) => {
      writeFileSync(join(dir, 'cert.pem'), pems.cert);
      writeFileSync(join(dir, 'key.pem'), pems.private);
      return {
        server: { tls: { certFile: join(dir, 'cert.pem'), keyFile: join(dir, 'key.pem') } },
        db: { client: 'sqlite', filename: join(dir, 'tls.db') },
        log: { level: 'debug' },
        sources: { shop: { auth: { mode: 'token', tokens: [{ name: 'k', value: TOKEN }] } } },
      };
    };
    server = await startTestServer(config, undefined, createLogger({ level: 'debug', destination: sink }));
    // The server speaks HTTPS; only its port is taken from the (http://) url.
    port = Number(new URL(server.url).port);
  });
  after(() => server.close());

  it('serves HTTPS when a certificate and key are configured', async () => {
    const ok = await postHttps(port, ca, JSON.stringify(delivery()), TOKEN);
    assert.equal(ok.status, 200);
    assert.equal(JSON.parse(ok.body).status, 'accepted');
  });

  it('never writes a presented token to the log, right or wrong', async () => {
    const wrong = 'wrong-secret-token-value-987654321';
    assert.equal((await postHttps(port, ca, JSON.stringify(delivery()), wrong)).status, 401);
    assert.match(logged, /webhook authentication failed/);
    assert.match(logged, /webhook received/);
    assert.doesNotMatch(logged, new RegExp(TOKEN));
    assert.doesNotMatch(logged, new RegExp(wrong));
  });
});
