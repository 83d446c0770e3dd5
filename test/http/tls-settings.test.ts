import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { connect as connectTcp } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { connect, type ConnectionOptions } from 'node:tls';
import selfsigned from 'selfsigned';
import { configSchema } from '../../src/config/config-schema';
import { createLogger } from '../../src/core/logger';
import { startTestServer, type TestServer } from '../helpers/test-runtime';

function certificate(name: string): { cert: string; private: string } {
  return selfsigned.generate([{ name: 'commonName', value: name }], { days: 2, keySize: 2048 });
}

/** Completes a TLS handshake with the options given; resolves with what was negotiated, or the error. */
function handshake(
  port: number,
  options: ConnectionOptions,
): Promise<{ ok: true; cipher: string; version: string; subject: string } | { ok: false; error: string }> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...options }, () => {
      const cert = socket.getPeerCertificate();
      resolve({ ok: true, cipher: socket.getCipher().name, version: socket.getProtocol() ?? '', subject: String(cert.subject?.CN) });
      socket.end();
    });
    socket.on('error', (err) => resolve({ ok: false, error: err.message }));
  });
}

describe('TLS settings: protocol floor, cipher list, handshake timeout, certificate reload', () => {
  let server: TestServer;
  let port: number;
  let dir: string;
  let logged = '';

  before(async () => {
    const first = certificate('first.test');
    const sink = new Writable({ write: (chunk: Buffer, _enc, done) => ((logged += chunk.toString()), done()) });
    server = await startTestServer(
      (d) => {
        dir = d;
        writeFileSync(join(d, 'cert.pem'), first.cert);
        writeFileSync(join(d, 'key.pem'), first.private);
        return {
          server: { tls: { certFile: join(d, 'cert.pem'), keyFile: join(d, 'key.pem'), handshakeTimeoutMs: 500, reloadCheckMs: 100 } },
        };
      },
      undefined,
      createLogger({ level: 'info', destination: sink }),
    );
    port = Number(new URL(server.url).port);
  });
  after(() => server.close());

  it('negotiates TLS 1.3, and TLS 1.2 with an ECDHE + AEAD suite', async () => {
    const modern = await handshake(port, {});
    assert.ok(modern.ok && modern.version === 'TLSv1.3', JSON.stringify(modern));
    const tls12 = await handshake(port, { maxVersion: 'TLSv1.2' });
    assert.ok(tls12.ok && tls12.version === 'TLSv1.2', JSON.stringify(tls12));
    assert.match(tls12.cipher, /^ECDHE-RSA-(AES\d+-GCM|CHACHA20-POLY1305)/);
  });

  it('refuses static-RSA key exchange and CBC suites', async () => {
    for (const cipher of ['AES128-SHA', 'AES256-SHA256', 'AES128-GCM-SHA256', 'ECDHE-RSA-AES128-SHA']) {
      const r = await handshake(port, { maxVersion: 'TLSv1.2', ciphers: cipher });
      assert.equal(r.ok, false, `${cipher} was accepted`);
    }
  });

  it('refuses TLS 1.1', async () => {
    const r = await handshake(port, { minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' });
    assert.equal(r.ok, false);
  });

  it('closes a connection that never starts its handshake after handshakeTimeoutMs', async () => {
    const started = performance.now();
    const closedAfter = await new Promise<number>((resolve, reject) => {
      const socket = connectTcp(port, '127.0.0.1');
      socket.on('error', () => undefined);
      socket.on('close', () => resolve(performance.now() - started));
      setTimeout(() => {
        socket.destroy();
        reject(new Error('a silent connection was still open after 5 s'));
      }, 5000);
    });
    assert.ok(closedAfter >= 400 && closedAfter < 2000, `closed after ${Math.round(closedAfter)} ms`);
  });

  it('serves a renewed certificate to the next connection, without a restart; a half-written pair waits', async () => {
    assert.equal(((await handshake(port, {})) as { subject: string }).subject, 'first.test');
    const second = certificate('second.test');
    // The certificate first, its key later (as a renewal tool may write them): the mismatched pair is not served.
    writeFileSync(join(dir, 'cert.pem'), second.cert);
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(((await handshake(port, {})) as { subject: string }).subject, 'first.test');
    assert.match(logged, /tls certificate not reloaded/);
    writeFileSync(join(dir, 'key.pem'), second.private);
    let subject = '';
    for (let i = 0; i < 30 && subject !== 'second.test'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      subject = ((await handshake(port, {})) as { subject: string }).subject;
    }
    assert.equal(subject, 'second.test');
    assert.match(logged, /tls certificate reloaded/);
  });
});

describe('TLS settings: minVersion', () => {
  let server: TestServer;

  before(async () => {
    const pems = certificate('localhost');
    server = await startTestServer((d) => {
      writeFileSync(join(d, 'cert.pem'), pems.cert);
      writeFileSync(join(d, 'key.pem'), pems.private);
      return { server: { tls: { certFile: join(d, 'cert.pem'), keyFile: join(d, 'key.pem'), minVersion: 'TLSv1.3' } } };
    });
  });
  after(() => server.close());

  it('with minVersion TLSv1.3, refuses a TLS 1.2 client', async () => {
    const port = Number(new URL(server.url).port);
    assert.equal((await handshake(port, { maxVersion: 'TLSv1.2' })).ok, false);
    assert.equal(((await handshake(port, {})) as { version: string }).version, 'TLSv1.3');
  });
});

describe('TLS settings: configuration', () => {
  it('refuses a protocol floor below TLS 1.2 and a cipher list OpenSSL does not know, naming the key', () => {
    const parse = (tls: Record<string, unknown>) =>
      configSchema.safeParse({ server: { tls: { certFile: 'c.pem', keyFile: 'k.pem', ...tls } } });
    const old = parse({ minVersion: 'TLSv1.1' });
    assert.equal(old.success, false);
    assert.deepEqual(old.error?.issues[0]?.path, ['server', 'tls', 'minVersion']);
    const unknown = parse({ ciphers: 'NO-SUCH-CIPHER' });
    assert.equal(unknown.success, false);
    assert.deepEqual(unknown.error?.issues[0]?.path, ['server', 'tls', 'ciphers']);
    assert.equal(parse({}).success, true);
  });
});
