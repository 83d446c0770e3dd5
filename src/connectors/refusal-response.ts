/** The most of a refusal's answer kept with a parked change: enough to read the downstream's reason. */
export const RESPONSE_LIMIT_BYTES = 4096;

/** JSON keys (any case, `-`/`_` ignored) whose values are credentials; their values are replaced wherever they appear. */
const SECRET_KEY = /^(password|passwd|secret|clientsecret|token|accesstoken|refreshtoken|idtoken|authorization|apikey|cookie|setcookie)$/;

/** What a redacted value becomes. */
export const REDACTED = '[redacted]';

/**
 * Reads at most `limit` bytes of an answer's body and stops reading (the rest is not needed and may be large).
 * Text is decoded as UTF-8; a cut multi-byte character at the end is dropped.
 */
export async function readLimited(res: Response, limit = RESPONSE_LIMIT_BYTES): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  const bytes = Buffer.concat(chunks).subarray(0, limit);
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes).replace(/\uFFFD$/, '');
  return size > limit ? `${text}…` : text;
}

/**
 * Removes credentials from a downstream's answer before it is stored or shown: every known secret of the connector
 * (its static token, OAuth2 client secret, the access token it sent) wherever it appears, and the values of JSON keys
 * that name a credential (`"access_token": "…"`, `"password": "…"`), in JSON and in text that merely looks like it.
 * @example redactResponse('{"token":"abc","error":"bad"}', []) // '{"token":"[redacted]","error":"bad"}'
 */
export function redactResponse(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join(REDACTED);
  // "key": "value" and "key": value pairs, whether or not the whole text parses as JSON (it may be cut).
  out = out.replace(/("([^"\\]{1,64})"\s*:\s*)("(?:[^"\\]|\\.)*"?|[^,}\]\s]+)/g, (whole, head: string, key: string) =>
    SECRET_KEY.test(key.toLowerCase().replace(/[-_]/g, '')) ? `${head}"${REDACTED}"` : whole,
  );
  // Bearer and Basic credentials echoed in text.
  return out.replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, `$1 ${REDACTED}`);
}
