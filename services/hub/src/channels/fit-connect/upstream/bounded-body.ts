import { ErrorCode, WeicheError } from '@weiche/core';

/** The refusal of an answer over `maxBytes` (never retried: it is as large on every try). */
export function payloadTooLarge(what: string, maxBytes: number): WeicheError {
  return new WeicheError(ErrorCode.PAYLOAD_TOO_LARGE, `${what}: the answer exceeds ${maxBytes} bytes`, { status: 413 });
}

/**
 * Reads a response body of at most `maxBytes`, whether or not it declares its length (chunked transfer, or a
 * Content-Length that is absent): the first byte past the limit stops the read and cancels the body, so the
 * connection is dropped instead of drained — an oversized answer is never held whole in memory.
 */
export async function readBounded(response: Response, maxBytes: number, what: string): Promise<Buffer> {
  // a declared length over the limit is refused before a byte is read
  if (Number(response.headers.get('content-length') ?? 0) > maxBytes) {
    await response.body?.cancel();
    throw payloadTooLarge(what, maxBytes);
  }
  if (!response.body) return Buffer.alloc(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return Buffer.concat(chunks, size);
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw payloadTooLarge(what, maxBytes);
    }
    chunks.push(value);
  }
}
