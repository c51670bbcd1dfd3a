import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Base64UrlDecoder } from './base64url-decoder.js';

/** Feeds `text` in slices of `size`; the decoded bytes, or undefined once the decoder refuses. */
function decodeInSlices(text: string, size: number): Buffer | undefined {
  const d = new Base64UrlDecoder();
  const out: Buffer[] = [];
  for (let i = 0; i < text.length; i += size) {
    const views = d.write(text.slice(i, i + size));
    if (!views) return undefined;
    // views into the decoder's scratch space: copied before the next write
    for (const view of views) out.push(Buffer.from(view));
  }
  const last = d.end();
  return last ? Buffer.concat([...out, last]) : undefined;
}

describe('Base64UrlDecoder', () => {
  it('decodes correctly whatever the chunk boundaries', () => {
    for (const length of [0, 1, 2, 3, 1000, 200_000]) {
      const data = randomBytes(length);
      const text = data.toString('base64url');
      for (const size of [1, 2, 3, 5, 7, 13, 999, 65_536]) expect(decodeInSlices(text, size)?.equals(data)).toBe(true);
    }
  });

  it('refuses any character outside the base64url alphabet, wherever it falls', () => {
    const text = randomBytes(3000).toString('base64url');
    for (const bad of ['+', '/', '=', ' ', '\n', '.', '*', '\0', 'é', '\u00ff', '\u20ac']) {
      for (const at of [0, 1, 2, 3, 4, 1999, 2000, text.length - 1, text.length]) {
        const corrupted = text.slice(0, at) + bad + text.slice(at);
        for (const size of [4, 5, 1000, 65_536]) expect(decodeInSlices(corrupted, size), `${JSON.stringify(bad)} at ${at}, slices of ${size}`).toBeUndefined();
      }
    }
  });

  it('refuses a single character left over at the end (no valid base64url ends so)', () => {
    expect(decodeInSlices('AAAAB', 1000)).toBeUndefined();
    expect(decodeInSlices('AAAABB', 1000)?.length).toBe(4);
  });
});
