import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '@weiche/core';
import { getDecrypted, putEncrypted } from './encrypted-blob.js';
import { FsBlobStore } from './fs-blob-store.js';
import { TenantKeyring } from './tenant-keyring.js';

let root: string;
let store: FsBlobStore;
let keyring: TenantKeyring;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'weiche-enc-'));
  store = new FsBlobStore({ root: join(root, 'blobs') });
  keyring = new TenantKeyring({ dir: join(root, 'keys'), masterKey: randomBytes(32) });
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) parts.push(chunk);
  return Buffer.concat(parts);
}

function blobFile(key: string): string {
  return join(root, 'blobs', key.slice(0, 2), key);
}

// a handle on the garbage collector, so the memory test measures live memory, not garbage awaiting collection
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const plaintext = Buffer.from('<xdomea:Vorgang><Name>Erika Mustermann</Name><Anschrift>Musterweg 1</Anschrift></xdomea:Vorgang>');

describe('putEncrypted / getDecrypted', () => {
  it('round-trips and reports both hashes; the file is WCH1 | IV | ciphertext | tag without the plaintext', async () => {
    const ref = await putEncrypted(store, keyring, 'stadt-a', plaintext);
    expect(ref.plaintextSha256).toBe(createHash('sha256').update(plaintext).digest('hex'));
    const onDisk = await readFile(blobFile(ref.key));
    expect(ref.sha256).toBe(createHash('sha256').update(onDisk).digest('hex'));
    expect(onDisk.length).toBe(4 + 12 + plaintext.length + 16);
    expect(onDisk.subarray(0, 4).toString('ascii')).toBe('WCH1');
    expect(onDisk.includes(plaintext)).toBe(false);
    expect(onDisk.includes(Buffer.from('Mustermann'))).toBe(false);
    expect(await collect(await getDecrypted(store, keyring, 'stadt-a', ref.key))).toEqual(plaintext);
  });

  it('round-trips an empty plaintext', async () => {
    const ref = await putEncrypted(store, keyring, 'stadt-a', Buffer.alloc(0));
    expect(await collect(await getDecrypted(store, keyring, 'stadt-a', ref.key))).toEqual(Buffer.alloc(0));
  });

  it('encrypts and decrypts 30 MB as streams with bounded memory', async () => {
    const chunk = randomBytes(64 * 1024);
    const chunks = (30 * 1024 * 1024) / chunk.length;
    const expected = createHash('sha256');
    for (let i = 0; i < chunks; i++) expected.update(chunk);
    const expectedSha = expected.digest('hex');

    // after one gc() the dead ArrayBuffers are not yet freed (V8 releases their backing stores in a later
    // sweep; under load 16 MiB of garbage was counted as live): a second gc() completes that sweep first
    const collect = (): void => {
      gc();
      gc();
    };
    collect();
    let baseline = process.memoryUsage();
    let peak = 0;
    let samples = 0;
    let bytesSinceSample = 0;
    // every 4 MiB passed: several samples in each direction whatever the chunk sizes (the store reads 1 MiB at a time)
    const sample = (bytes: number): void => {
      bytesSinceSample += bytes;
      if (bytesSinceSample < 4 * 1024 * 1024) return;
      bytesSinceSample = 0;
      samples++;
      collect();
      const m = process.memoryUsage();
      peak = Math.max(peak, m.heapUsed + m.arrayBuffers - (baseline.heapUsed + baseline.arrayBuffers));
    };
    async function* source(): AsyncGenerator<Uint8Array> {
      // the same buffer again and again, so the source itself allocates nothing
      for (let i = 0; i < chunks; i++) {
        sample(chunk.length);
        yield chunk;
      }
    }
    const ref = await putEncrypted(store, keyring, 'stadt-a', source());
    expect(ref.plaintextSha256).toBe(expectedSha);
    expect(ref.size).toBe(30 * 1024 * 1024 + 32);

    collect();
    baseline = process.memoryUsage();
    const writePeak = peak;
    const writeSamples = samples;
    peak = 0;
    samples = 0;
    bytesSinceSample = 0;
    const hash = createHash('sha256');
    let bytes = 0;
    for await (const part of (await getDecrypted(store, keyring, 'stadt-a', ref.key)) as AsyncIterable<Buffer>) {
      sample(part.length);
      hash.update(part);
      bytes += part.length;
    }
    expect(bytes).toBe(30 * 1024 * 1024);
    expect(hash.digest('hex')).toBe(expectedSha);
    // holding the blob in memory would need ≥ 30 MB (plus the ciphertext); streaming stays far below
    expect(writeSamples).toBeGreaterThan(2);
    expect(samples).toBeGreaterThan(2);
    expect(writePeak).toBeLessThan(10 * 1024 * 1024);
    expect(peak).toBeLessThan(10 * 1024 * 1024);
  });

  it('errors the stream when one byte of the ciphertext is changed', async () => {
    const ref = await putEncrypted(store, keyring, 'stadt-a', plaintext);
    const handle = await open(blobFile(ref.key), 'r+');
    const at = 4 + 12 + 10;
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, at);
    await handle.write(Buffer.from([byte[0]! ^ 0x01]), 0, 1, at);
    await handle.close();
    await expect(collect(await getDecrypted(store, keyring, 'stadt-a', ref.key))).rejects.toThrow(
      /unable to authenticate|auth/i,
    );
  });

  it('cannot decrypt with another tenant id (AAD) or after the tenant key is destroyed', async () => {
    const ref = await putEncrypted(store, keyring, 'stadt-a', plaintext);
    await keyring.dataKey('stadt-b');
    await expect(collect(await getDecrypted(store, keyring, 'stadt-b', ref.key))).rejects.toThrow();
    await keyring.destroy('stadt-a');
    await expect(getDecrypted(store, keyring, 'stadt-a', ref.key)).rejects.toMatchObject({
      code: ErrorCode.NOT_FOUND,
      status: 410,
    });
    // a new key for the tenant does not open the old outputs either
    await keyring.dataKey('stadt-a');
    await expect(collect(await getDecrypted(store, keyring, 'stadt-a', ref.key))).rejects.toThrow();
  });

  it('refuses blobs that are not in the WCH1 format', async () => {
    const { key } = await store.put(Buffer.alloc(64, 1));
    await expect(getDecrypted(store, keyring, 'stadt-a', key)).rejects.toMatchObject({ code: ErrorCode.ENCRYPTION });
  });
});
