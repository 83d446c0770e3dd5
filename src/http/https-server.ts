import { readFile, stat } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { RequestListener } from 'node:http';
import type { TlsConfig } from '../config/tls-schema';
import type { Logger } from '../core/logger';

/** The HTTPS server and the watch on its certificate files. */
export interface HttpsServer {
  server: Server;
  /** Reads the certificate and key again if either file changed; resolves true when a new pair is served. */
  reloadIfChanged(): Promise<boolean>;
  /** Stops checking the files (the server itself is closed by its owner). */
  stopWatching(): void;
}

/**
 * An HTTPS server with the configured protocol floor, cipher list and handshake timeout, whose certificate and key
 * are re-read when their files change (checked every `reloadCheckMs`), without a restart.
 *
 * @remarks A changed pair that cannot be used (the key does not match the certificate, as happens between writing
 * the two files, or a file is unreadable) is logged and the previous pair stays; the next change is tried again.
 * Connections already open keep the certificate they were made with.
 * @example const { server } = createHttpsServer(config.server.tls, app, logger); server.listen(8443)
 */
export function createHttpsServer(tls: Readonly<TlsConfig>, app: RequestListener, logger: Logger): HttpsServer {
  const settings = { minVersion: tls.minVersion, ciphers: tls.ciphers, honorCipherOrder: true } as const;
  const server = createServer(
    { ...settings, cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile), handshakeTimeout: tls.handshakeTimeoutMs },
    app,
  );
  // handshakeTimeout covers a client that connects and sends nothing too: its timer starts with the connection.
  server.on('tlsClientError', (err: NodeJS.ErrnoException) => {
    logger.debug({ err: { code: err.code, message: err.message } }, 'tls handshake failed');
  });

  let served = '';
  let tried = '';
  const stampOf = async (): Promise<string> => {
    const [cert, key] = await Promise.all([stat(tls.certFile), stat(tls.keyFile)]);
    return `${cert.mtimeMs}:${cert.size}:${cert.ino}/${key.mtimeMs}:${key.size}:${key.ino}`;
  };
  const ready = stampOf().then(
    (s) => ((served = tried = s), undefined),
    () => undefined,
  );

  const reloadIfChanged = async (): Promise<boolean> => {
    await ready;
    let stamp: string;
    try {
      stamp = await stampOf();
    } catch (err) {
      logger.warn({ err: { code: (err as NodeJS.ErrnoException).code } }, 'tls certificate files unreadable, keeping the current ones');
      return false;
    }
    if (stamp === served || stamp === tried) return false;
    tried = stamp;
    try {
      const [cert, key] = await Promise.all([readFile(tls.certFile), readFile(tls.keyFile)]);
      server.setSecureContext({ ...settings, cert, key });
    } catch (err) {
      logger.warn({ err: { message: (err as Error).message } }, 'tls certificate not reloaded, keeping the current one');
      return false;
    }
    served = stamp;
    logger.info({ certFile: tls.certFile }, 'tls certificate reloaded');
    return true;
  };

  const timer = setInterval(() => void reloadIfChanged(), tls.reloadCheckMs);
  timer.unref();
  return { server, reloadIfChanged, stopWatching: () => clearInterval(timer) };
}
