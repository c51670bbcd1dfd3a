import { mkdtemp, readdir, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FsBlobStore } from './fs-blob-store.js';
import type * as FsyncDir from './fsync-dir.js';

// What a deletion makes durable before it says 'deleted' (and retention records the data deleted). A directory entry
// removed without an fsync of its directory can come back after a power loss: a set-aside name in tmp/ would come
// back as a file recoverSetAside puts back when a row names it — a blob whose deletion retention had recorded.
const synced = vi.hoisted(() => [] as string[]);
vi.mock('./fsync-dir.js', async (importOriginal) => {
  const actual = await importOriginal<typeof FsyncDir>();
  return { fsyncDir: async (dir: string) => (synced.push(dir), actual.fsyncDir(dir)) };
});

let root: string;
let store: FsBlobStore;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'weiche-durable-'));
  store = new FsBlobStore({ root });
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('deleteStale: durable before it says deleted', () => {
  it('syncs the fan-out folder the blob left and tmp/, where its set-aside name was removed', async () => {
    const { key } = await store.put(Buffer.from('alte Anlage'));
    const old = new Date(Date.now() - 2 * 3600_000);
    await utimes(join(root, key.slice(0, 2), key), old, old);
    synced.length = 0;

    expect(await store.deleteStale(key, new Date(Date.now() - 3600_000))).toBe('deleted');
    expect(await readdir(join(root, 'tmp'))).toEqual([]);
    expect(synced).toEqual(expect.arrayContaining([join(root, key.slice(0, 2)), join(root, 'tmp')]));
  });
});
