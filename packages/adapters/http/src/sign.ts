import { createHmac } from 'node:crypto';
import { constantTimeEqual } from '@weiche/core';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** Header carrying the signature: `sha256=<hex HMAC-SHA256 over "<timestamp>." + body>`. */
export const SIGNATURE_HEADER = 'x-weiche-signature';
/** Header carrying the signing time in epoch seconds (the endpoint rejects stale ones against replay). */
export const TIMESTAMP_HEADER = 'x-weiche-timestamp';

/** Computes `sha256=<hex>` over `"<timestamp>." + body`, streaming the body through the HMAC (bounded memory). */
export async function signBody(
  secret: string,
  timestamp: number,
  body: NodeJS.ReadableStream,
  signal: AbortSignal,
): Promise<string> {
  const hmac = createHmac('sha256', secret);
  hmac.update(`${timestamp}.`);
  await pipeline(
    body,
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        hmac.update(chunk);
        callback();
      },
    }),
    { signal },
  );
  return `sha256=${hmac.digest('hex')}`;
}

/** Checks a signature header the way an endpoint should (constant time); exported for endpoint tests and examples. */
export function signatureMatches(secret: string, timestamp: string, body: Buffer | string, header: string | undefined): boolean {
  if (header === undefined) return false;
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')}`);
  return constantTimeEqual(header, expected);
}
