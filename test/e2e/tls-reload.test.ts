import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import selfsigned from 'selfsigned';
import { startServiceProcess } from '../../bench/lib/service-process';

function writePair(dir: string, name: string): void {
  const pems = selfsigned.generate([{ name: 'commonName', value: name }], { days: 2, keySize: 2048 });
  writeFileSync(join(dir, 'cert.pem'), pems.cert);
  writeFileSync(join(dir, 'key.pem'), pems.private);
}

/** The common name of the certificate the server presents to a new connection. */
function servedName(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      resolve(String(socket.getPeerCertificate().subject?.CN));
      socket.end();
    });
    socket.on('error', reject);
  });
}

describe('TLS certificate reload on SIGHUP (e2e)', function () {
  this.timeout(60_000);
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'appdirect-sync-e2e-tls-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('serves the renewed certificate after SIGHUP, without a restart', async () => {
    writePair(dir, 'before.test');
    const tls = { certFile: join(dir, 'cert.pem'), keyFile: join(dir, 'key.pem'), reloadCheckMs: 3_600_000 };
    const svc = await startServiceProcess(dir, {
      db: { client: 'sqlite', filename: join(dir, 'inbox.db') },
      server: { host: '127.0.0.1', port: 0, tls },
    });
    try {
      const port = Number(new URL(svc.url).port);
      assert.equal(await servedName(port), 'before.test');
      writePair(dir, 'after.test');
      svc.child.kill('SIGHUP');
      let name = '';
      for (let i = 0; i < 50 && name !== 'after.test'; i++) {
        await new Promise((r) => setTimeout(r, 100));
        name = await servedName(port);
      }
      assert.equal(name, 'after.test');
      assert.match(svc.output(), /tls certificate reloaded/);
    } finally {
      svc.child.kill('SIGTERM');
      await svc.exited;
    }
  });
});
