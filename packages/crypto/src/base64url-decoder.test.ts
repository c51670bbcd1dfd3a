import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Base64UrlDecoder } from './base64url-decoder.js';

/** Feeds `text` in slices of `size`; the decoded bytes, or undefined once the decoder refuses. */
function decodeInSlices(text: string, size: number): Buffer | undefined {
  const d = new Base64UrlDecoder();
  const out: Buffer[] = [];
  for (let i = 0; i < text.length; i += size) {
    if (!d.append(text.slice(i, i + size))) return undefined;
    // a view into the decoder's scratch space: copied before the next append
    out.push(Buffer.from(d.take()));
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

  it('appends many writes into one chunk, keeping what it decoded when its scratch space grows', () => {
    const data = randomBytes(300_000);
    const text = data.toString('base64url');
    const d = new Base64UrlDecoder();
    // odd slice sizes: quanta carried across appends land between bodies
    for (let i = 0; i < text.length; i += 4099) expect(d.append(text.slice(i, i + 4099))).toBe(true);
    const last = d.end();
    expect(last).toBeDefined();
    expect(d.pending).toBeGreaterThan(290_000);
    expect(Buffer.concat([d.take(), last ?? Buffer.alloc(0)]).equals(data)).toBe(true);
    expect(d.pending).toBe(0);
  });
});
