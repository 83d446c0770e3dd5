import { createSecureContext } from 'node:tls';
import { z } from 'zod';

/**
 * TLS 1.3's suites, then TLS 1.2's with forward secrecy (ECDHE) and authenticated encryption (GCM, ChaCha20) only:
 * no static-RSA key exchange, no CBC, which Node's default list still offers for old clients.
 */
export const MODERN_CIPHERS = [
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

/** True when OpenSSL knows at least one suite of the list (it ignores the names it does not know). */
function knownCiphers(list: string): boolean {
  try {
    createSecureContext({ ciphers: list });
    return true;
  } catch {
    return false;
  }
}

/** `server.tls`: the service speaks HTTPS itself. `docs/configuration.md` describes each key. */
export const tlsSchema = z
  .object({
    certFile: z.string().min(1),
    keyFile: z.string().min(1),
    /** Oldest protocol version accepted; TLS 1.0 and 1.1 never are. */
    minVersion: z.enum(['TLSv1.2', 'TLSv1.3']).default('TLSv1.2'),
    /** OpenSSL cipher list, TLS 1.2 suites and TLS 1.3 `TLS_*` suites together. */
    ciphers: z.string().min(1).default(MODERN_CIPHERS).refine(knownCiphers, 'no cipher suite OpenSSL knows (see `openssl ciphers -v`)'),
    /** A connection whose handshake has not finished by then is closed, silent ones included (Node's default: 120 s). */
    handshakeTimeoutMs: z.number().int().min(100).default(10_000),
    /** How often the certificate and key files are checked; a changed pair is served to the next connections. */
    reloadCheckMs: z.number().int().min(100).default(60_000),
  })
  .strict();

/** `server.tls` after validation, defaults filled in. */
export type TlsConfig = z.infer<typeof tlsSchema>;
