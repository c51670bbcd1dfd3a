import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode, WeicheError } from '@weiche/core';
import { FsBlobStore } from './fs-blob-store.js';

let root: string;
let store: FsBlobStore;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'weiche-blob-'));
  store = new FsBlobStore({ root });
});
afterEach(async () => {
  await chmod(root, 0o700).catch(() => undefined);
  await rm(root, { recursive: true, force: true });
});

async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) parts.push(chunk);
  return Buffer.concat(parts);
}

async function rejection(promise: Promise<unknown>): Promise<WeicheError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WeicheError);
  return error as WeicheError;
}

describe('FsBlobStore', () => {
  it('round-trips a buffer, a Node stream and an async iterable', async () => {
    const data = Buffer.from('Antrag auf Wohngeld — Anlage 1');
    const sha = createHash('sha256').update(data).digest('hex');

    const fromBuffer = await store.put(data);
    expect(fromBuffer).toEqual({ key: sha, size: data.length, sha256: sha });
    expect(await store.read(sha)).toEqual(data);
    expect(await collect(store.get(sha))).toEqual(data);
    expect(await store.size(sha)).toBe(data.length);
    expect(await store.exists(sha)).toBe(true);

    const fromStream = await store.put(Readable.from([data.subarray(0, 5), data.subarray(5)]));
    expect(fromStream.key).toBe(sha);
    async function* pieces(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array(data.subarray(0, 3));
      yield new Uint8Array(data.subarray(3));
    }
    expect((await store.put(pieces())).key).toBe(sha);
  });

  it('stores the file at <root>/<k[0..2]>/<key>, once for the same content', async () => {
    const a = await store.put(Buffer.from('same'));
    const b = await store.put(Readable.from([Buffer.from('sa'), Buffer.from('me')]));
    expect(b.key).toBe(a.key);
    expect(await readdir(join(root, a.key.slice(0, 2)))).toEqual([a.key]);
    expect(await readdir(join(root, 'tmp'))).toEqual([]);
  });

  it('keeps one file when the same content is stored concurrently', async () => {
    const data = Buffer.alloc(256 * 1024, 42);
    const refs = await Promise.all(Array.from({ length: 6 }, () => store.put(Readable.from([data]))));
    expect(new Set(refs.map((r) => r.key)).size).toBe(1);
    const key = refs[0]!.key;
    expect(await readdir(join(root, key.slice(0, 2)))).toEqual([key]);
    expect(await readdir(join(root, 'tmp'))).toEqual([]);
    expect(await store.read(key)).toEqual(data);
  });

  it('reads a byte range', async () => {
    const { key } = await store.put(Buffer.from('0123456789'));
    expect((await collect(store.get(key, { start: 2, end: 4 }))).toString()).toBe('234');
  });

  it('rejects a blob above maxBytes with 413, stops reading and leaves no temp file', async () => {
    let produced = 0;
    async function* endless(): AsyncGenerator<Uint8Array> {
      for (;;) {
        produced += 1024;
        yield Buffer.alloc(1024, 1);
      }
    }
    const error = await rejection(store.put(endless(), { maxBytes: 10_000 }));
    expect(error.code).toBe(ErrorCode.PAYLOAD_TOO_LARGE);
    expect(error.status).toBe(413);
    expect(produced).toBeLessThanOrEqual(11 * 1024);
    expect(await readdir(join(root, 'tmp'))).toEqual([]);
    // exactly at the limit is fine
    expect((await store.put(Buffer.alloc(10_000), { maxBytes: 10_000 })).size).toBe(10_000);
  });

  it('destroys a Node readable that exceeds maxBytes', async () => {
    const source = Readable.from((function* () {
      for (let i = 0; i < 1000; i++) yield Buffer.alloc(1024);
    })());
    await rejection(store.put(source, { maxBytes: 4096 }));
    expect(source.destroyed).toBe(true);
  });

  it('removes the temp file and rethrows when the source fails', async () => {
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield Buffer.alloc(2048, 7);
      throw new Error('client went away');
    }
    await expect(store.put(failing())).rejects.toThrow('client went away');
    expect(await readdir(join(root, 'tmp'))).toEqual([]);
  });

  it('reports I/O failures as STORAGE_UNAVAILABLE (503, retryable)', async () => {
    // root is a file, so nothing can be created below it
    const fileRoot = join(root, 'not-a-dir');
    await writeFile(fileRoot, 'x');
    const broken = new FsBlobStore({ root: fileRoot });
    const error = await rejection(broken.put(Buffer.from('x')));
    expect(error.code).toBe(ErrorCode.STORAGE_UNAVAILABLE);
    expect(error.status).toBe(503);
    expect(error.retryable).toBe(true);
    expect((await rejection(broken.ping())).code).toBe(ErrorCode.STORAGE_UNAVAILABLE);
  });

  it('throws NOT_FOUND for missing or malformed keys; get checks synchronously', async () => {
    const missing = 'a'.repeat(64);
    expect(() => store.get(missing)).toThrow(WeicheError);
    expect(() => store.get('../../etc/passwd')).toThrow(/not found/);
    expect((await rejection(store.read(missing))).code).toBe(ErrorCode.NOT_FOUND);
    expect((await rejection(store.size(missing))).status).toBe(404);
    expect(await store.exists(missing)).toBe(false);
  });

  it('deletes idempotently', async () => {
    const { key } = await store.put(Buffer.from('gone soon'));
    await store.delete(key);
    expect(await store.exists(key)).toBe(false);
    await store.delete(key);
  });

  it('pings by writing and removing a probe file', async () => {
    await store.ping();
    expect(await readdir(join(root, 'tmp'))).toEqual([]);
  });
});
