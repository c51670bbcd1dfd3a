import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { sha512Hex, sha512Tap } from './hash.js';

describe('sha512Hex', () => {
  it('matches the known digest of "abc"', () => {
    expect(sha512Hex('abc')).toBe(
      'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
    );
    expect(sha512Hex(Buffer.from('abc'))).toBe(sha512Hex('abc'));
  });
});

describe('sha512Tap', () => {
  it('passes data through unchanged and hashes it', async () => {
    const parts = [Buffer.from('hello '), Buffer.from('streaming '), Buffer.from('world')];
    const tap = sha512Tap();
    const seen: Buffer[] = [];
    await pipeline(
      Readable.from(parts),
      tap,
      new Writable({
        write(chunk: Buffer, _e, cb) {
          seen.push(chunk);
          cb();
        },
      }),
    );
    expect(Buffer.concat(seen).toString()).toBe('hello streaming world');
    expect(tap.digestHex()).toBe(createHash('sha512').update('hello streaming world').digest('hex'));
  });

  it('refuses to give a digest before the end', () => {
    expect(() => sha512Tap().digestHex()).toThrow(/before the stream ended/);
  });
});
