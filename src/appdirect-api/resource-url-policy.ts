import { isLoopbackHost } from '../config/appdirect-api-schema';

/**
 * The `resource.url` of a delivery, if it may be followed with the source's API token: HTTPS, on exactly the
 * marketplace host (and port) of `appdirectApi.baseUrl`, without credentials in it. Anything else is refused, so a
 * delivery can never make the service send its bearer token to, or read from, an address of the sender's choosing
 * (SSRF). Plain HTTP only when the base URL itself is plain HTTP on a loopback address (the fake marketplace).
 * @example followableUrl('https://acme.byappdirect.com/api/billing/v1/orders/1', new URL('https://acme.byappdirect.com')) // a URL
 * @example followableUrl('https://169.254.169.254/latest/meta-data', base) // undefined
 */
export function followableUrl(raw: unknown, base: URL): URL | undefined {
  if (typeof raw !== 'string' || raw.length > 2048) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  const plainHttpAllowed = base.protocol === 'http:' && isLoopbackHost(base.hostname);
  const schemeOk = url.protocol === 'https:' || (plainHttpAllowed && url.protocol === 'http:');
  if (!schemeOk || url.protocol !== base.protocol) return undefined;
  if (url.username !== '' || url.password !== '') return undefined;
  // `host` is hostname and port, normalised by URL (default ports dropped, IDNs punycoded, case folded).
  return url.host === base.host ? url : undefined;
}
