/**
 * Whether JSON text nests arrays and objects deeper than `limit`, read from the raw bytes in one pass.
 *
 * @remarks No recursion and no parse: a body 200,000 levels deep costs one loop, not a stack overflow, and the
 * receiver refuses it before JSON.parse builds it. Brackets inside strings do not count (escapes are skipped);
 * UTF-8 continuation bytes are all >= 0x80, so they never look like a bracket or a quote. Invalid JSON may
 * pass or fail this check: JSON.parse judges it right after.
 * @example exceedsJsonDepth(Buffer.from('{"a":[[1]]}'), 2) === true
 */
export function exceedsJsonDepth(body: Buffer, limit: number): boolean {
  // Deeper than `limit` needs more than `limit` opening brackets: a short body cannot be.
  if (body.length <= limit) return false;
  const n = body.length;
  let depth = 0;
  for (let i = 0; i < n; i++) {
    const c = body[i];
    if (c === QUOTE) {
      // Skip the string; an escape skips the character after the backslash, so \" does not end it.
      for (i++; i < n; i++) {
        const d = body[i];
        if (d === BACKSLASH) i++;
        else if (d === QUOTE) break;
      }
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > limit) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
  }
  return false;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
