import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Base64UrlDecoder } from './base64url-decoder.js';

describe('Base64UrlDecoder', () => {
  it('decodes correctly whatever the chunk boundaries', () => {
    const data = randomBytes(1000);
    const text = data.toString('base64url');
    for (const size of [1, 2, 3, 5, 7, 13, 999]) {
      const d = new Base64UrlDecoder();
      const out: Buffer[] = [];
      for (let i = 0; i < text.length; i += size) out.push(...d.write(text.slice(i, i + size)));
      out.push(d.end());
      expect(Buffer.concat(out).equals(data)).toBe(true);
    }
  });
});
