import { z } from 'zod/v4';

/**
 * An absolute URL kept exactly as written. zod/v4's own `.url()` replaces the value with the parsed `href`, which
 * percent-encodes the `{key}` placeholders of a connector's URL template; this one only checks.
 * @example const schema = z.object({ url: urlString() });
 */
export function urlString(): z.ZodString {
  return z.string().refine((value) => URL.canParse(value), 'Invalid url');
}
