import { AppError } from '../core/app-error';

/**
 * Reads a response body up to `maxBytes`, refusing a larger one as soon as it is known to be larger (by its
 * Content-Length, or while streaming), so a hostile or broken marketplace cannot fill the memory.
 * @throws AppError APPDIRECT_API_RESPONSE_TOO_LARGE
 */
export async function readBounded(res: Response, maxBytes: number, what: string): Promise<Buffer> {
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body?.cancel();
    throw tooLarge(what, maxBytes);
  }
  if (!res.body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let size = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw tooLarge(what, maxBytes);
    }
    chunks.push(Buffer.from(value));
  }
  return Buffer.concat(chunks, size);
}

function tooLarge(what: string, maxBytes: number): AppError {
  return new AppError('APPDIRECT_API_RESPONSE_TOO_LARGE', `${what}: the response is larger than ${maxBytes} bytes`);
}
