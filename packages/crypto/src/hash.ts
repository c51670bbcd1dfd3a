import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import type { TransformCallback } from 'node:stream';

/** Lowercase hex SHA-512, the hash form of FIT-Connect metadata (contentStructure.*.hash.content). */
export function sha512Hex(data: Buffer | string): string {
  return createHash('sha512').update(data).digest('hex');
}

/** A pass-through Transform that computes SHA-512 of what flows through; digestHex() after end. */
export function sha512Tap(): Transform & { digestHex(): string } {
  const hash = createHash('sha512');
  let digest: string | undefined;
  const tap = new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
      hash.update(chunk);
      cb(null, chunk);
    },
    flush(cb: TransformCallback) {
      digest = hash.digest('hex');
      cb();
    },
  });
  return Object.assign(tap, {
    digestHex(): string {
      if (digest === undefined) throw new Error('sha512Tap: digest requested before the stream ended');
      return digest;
    },
  });
}
