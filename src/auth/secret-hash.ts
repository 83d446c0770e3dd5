import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/** Cost parameters of new hashes. Stored with each hash, so they can be raised without breaking old ones. */
const DEFAULT_PARAMS = { N: 16384, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;
const SALT_LENGTH = 16;

/**
 * A hash to compare against when the client or user does not exist, so "unknown id" costs the same
 * scrypt run as "wrong secret" and timing does not tell which ids exist.
 */
let decoyHash: Promise<string> | undefined;

/**
 * Hashes a client secret or user password for storage: scrypt with a random salt, encoded with its
 * parameters as `scrypt$N$r$p$<salt b64url>$<key b64url>`.
 *
 * @remarks Secrets are never stored in any other form. scrypt is deliberately slow, so a stolen
 * database does not hand out the credentials AppDirect uses.
 * @example const stored = await hashSecret(secret); await verifySecret(secret, stored) // true
 */
export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  const key = await deriveKey(secret, salt, DEFAULT_PARAMS, KEY_LENGTH);
  const { N, r, p } = DEFAULT_PARAMS;
  return ['scrypt', N, r, p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/**
 * True when `secret` matches a hash made by hashSecret. Compared with timingSafeEqual.
 * Pass `undefined` as the hash for an unknown id: the same work is done against a decoy, then false.
 */
export async function verifySecret(secret: string, stored: string | undefined): Promise<boolean> {
  const hash = stored ?? (await (decoyHash ??= hashSecret(randomBytes(16).toString('hex'))));
  const parsed = parseHash(hash);
  if (!parsed) return false;
  const key = await deriveKey(secret, parsed.salt, parsed.params, parsed.key.length);
  const equal = timingSafeEqual(key, parsed.key);
  return equal && stored !== undefined;
}

interface ParsedHash {
  params: { N: number; r: number; p: number };
  salt: Buffer;
  key: Buffer;
}

function parseHash(stored: string): ParsedHash | undefined {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [N, r, p] = parts.slice(1, 4).map(Number);
  const salt = Buffer.from(parts[4] ?? '', 'base64url');
  const key = Buffer.from(parts[5] ?? '', 'base64url');
  if (!N || !r || !p || salt.length === 0 || key.length === 0) return undefined;
  return { params: { N, r, p }, salt, key };
}

function deriveKey(secret: string, salt: Buffer, params: { N: number; r: number; p: number }, length: number): Promise<Buffer> {
  const options: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: 128 * params.N * params.r * 2 };
  return new Promise((resolve, reject) => {
    scrypt(secret.normalize('NFC'), salt, length, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}
