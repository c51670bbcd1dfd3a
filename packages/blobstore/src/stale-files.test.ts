import { mkdir, mkdtemp, readdir, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsBlobStore } from './fs-blob-store.js';
import type { StoredBlob } from './stale-files.js';

const HOUR = 3600_000;
let root: string;
let store: FsBlobStore;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'weiche-stale-'));
  store = new FsBlobStore({ root });
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Sets a file's last write back in time, as if it had been written that long ago. */
async function age(path: string, ms: number): Promise<void> {
  const then = new Date(Date.now() - ms);
  await utimes(path, then, then);
}

const pathOf = (key: string): string => join(root, key.slice(0, 2), key);

async function listAll(before: Date, pageSize = 100): Promise<StoredBlob[][]> {
  const pages: StoredBlob[][] = [];
  for await (const page of store.listStale(before, pageSize)) pages.push(page);
  return pages;
}

describe('FsBlobStore: what the orphan sweep sees', () => {
  it('lists only blobs written before the cut-off, in pages, and nothing else below the root', async () => {
    const old = await Promise.all(['eins', 'zwei', 'drei'].map((t) => store.put(Buffer.from(t))));
    const young = await store.put(Buffer.from('vier'));
    for (const ref of old) await age(pathOf(ref.key), 2 * HOUR);
    // what else lives below the root: the audit checkpoints, a stray file, a misplaced key
    await mkdir(join(root, 'audit-checkpoints'), { recursive: true });
    await writeFile(join(root, 'audit-checkpoints', 'a'.repeat(64)), 'checkpoint');
    await writeFile(join(root, old[0]!.key.slice(0, 2), 'notes.txt'), 'x');
    const misplaced = 'f'.repeat(64);
    await mkdir(join(root, '00'), { recursive: true });
    await writeFile(join(root, '00', misplaced), 'x');
    for (const p of [join(root, 'audit-checkpoints', 'a'.repeat(64)), join(root, '00', misplaced)]) await age(p, 2 * HOUR);

    const pages = await listAll(new Date(Date.now() - HOUR), 2);
    expect(pages.map((p) => p.length)).toEqual([2, 1]);
    const listed = pages.flat();
    expect(listed.map((b) => b.key).sort()).toEqual(old.map((r) => r.key).sort());
    expect(listed.find((b) => b.key === old[0]!.key)?.size).toBe(4);
    expect(listed.map((b) => b.key)).not.toContain(young.key);
  });

  it('an empty store lists nothing', async () => {
    expect(await listAll(new Date())).toEqual([]);
  });

  it('storing the same bytes again makes an old blob young, so it is not taken while its new row is being written', async () => {
    const first = await store.put(Buffer.from('dieselben Bytes'));
    await age(pathOf(first.key), 48 * HOUR);
    const cutOff = new Date(Date.now() - HOUR);
    expect((await listAll(cutOff)).flat().map((b) => b.key)).toEqual([first.key]);

    const again = await store.put(Buffer.from('dieselben Bytes'));
    expect(again.key).toBe(first.key);
    expect((await stat(pathOf(first.key))).mtime.getTime()).toBeGreaterThan(cutOff.getTime());
    expect(await listAll(cutOff)).toEqual([]);
    // listed before the second put: deleteStale looks again and keeps it
    expect(await store.deleteStale(first.key, cutOff)).toBe('recent');
    expect(await store.exists(first.key)).toBe(true);
  });

  it('deleteStale deletes an old blob once; a missing one is no error', async () => {
    const ref = await store.put(Buffer.from('alt'));
    await age(pathOf(ref.key), 2 * HOUR);
    const cutOff = new Date(Date.now() - HOUR);
    expect(await store.deleteStale(ref.key, cutOff)).toBe('deleted');
    expect(await store.exists(ref.key)).toBe(false);
    expect(await store.deleteStale(ref.key, cutOff)).toBe('gone');
  });

  it('sweepTemp removes temp files of puts that died long ago, keeps fresh ones and foreign files, and counts in a dry run', async () => {
    const tmp = join(root, 'tmp');
    await mkdir(tmp, { recursive: true });
    const dead = join(tmp, '3f2504e0-4f89-41d3-9a0c-0305e82c3301.part');
    const running = join(tmp, '6fa459ea-ee8a-4ca4-894e-db77e160355e.part');
    const foreign = join(tmp, 'operator-notes.txt');
    await writeFile(dead, Buffer.alloc(1000));
    await writeFile(running, Buffer.alloc(10));
    await writeFile(foreign, 'x');
    await age(dead, 2 * HOUR);
    await age(foreign, 2 * HOUR);
    const cutOff = new Date(Date.now() - HOUR);

    expect(await store.sweepTemp(cutOff, { dryRun: true })).toEqual({ files: 1, bytes: 1000 });
    expect((await readdir(tmp)).sort()).toHaveLength(3);
    expect(await store.sweepTemp(cutOff, { dryRun: false })).toEqual({ files: 1, bytes: 1000 });
    expect((await readdir(tmp)).sort()).toEqual(['6fa459ea-ee8a-4ca4-894e-db77e160355e.part', 'operator-notes.txt']);
  });

  it('recoverSetAside: a blob a crash left set aside goes back when it is recent or named; an old unnamed one is deleted (a dry run only counts it)', async () => {
    const tmp = join(root, 'tmp');
    await mkdir(tmp, { recursive: true });
    const [recent, named, orphan, again] = await Promise.all(['neu', 'benannt', 'verwaist', 'doppelt'].map((t) => store.put(Buffer.from(t))));
    // the state a crash between deleteStale's rename and its decision leaves: the file in tmp/ under its aside name
    const aside = async (key: string, ms: number): Promise<string> => {
      const path = join(tmp, `${key}.3f2504e0-4f89-41d3-9a0c-0305e82c3301.aside`);
      await rename(pathOf(key), path);
      await age(path, ms);
      return path;
    };
    await aside(recent!.key, 0);
    await aside(named!.key, 2 * HOUR);
    const orphanAside = await aside(orphan!.key, 2 * HOUR);
    await aside(again!.key, 2 * HOUR);
    // a put of the same bytes found the place empty and linked its own, young file
    await store.put(Buffer.from('doppelt'));
    const cutOff = new Date(Date.now() - HOUR);
    const asked: string[][] = [];
    const journal = (keys: string[]): Promise<Set<string>> => {
      asked.push([...keys].sort());
      return Promise.resolve(new Set([named!.key, again!.key]));
    };

    expect(await store.recoverSetAside(cutOff, journal, { dryRun: true })).toEqual({ restored: 3, deleted: 1, deletedBytes: 8 });
    expect(asked).toEqual([[named!.key, orphan!.key, again!.key].sort()]);
    expect(await readdir(tmp)).toEqual([basename(orphanAside)]);
    expect(await Promise.all([recent, named, again].map(async (ref) => (await store.read(ref!.key)).toString()))).toEqual(['neu', 'benannt', 'doppelt']);
    expect(await store.exists(orphan!.key)).toBe(false);
    // the place the put had filled keeps its young time: an old file put back over it would look stale to the sweep
    expect((await stat(pathOf(again!.key))).mtime.getTime()).toBeGreaterThan(cutOff.getTime());
    expect((await stat(pathOf(named!.key))).mtime.getTime()).toBeLessThan(cutOff.getTime());

    expect(await store.recoverSetAside(cutOff, journal, { dryRun: false })).toEqual({ restored: 0, deleted: 1, deletedBytes: 8 });
    expect(await readdir(tmp)).toEqual([]);
    expect(await store.exists(orphan!.key)).toBe(false);
    expect(await store.recoverSetAside(cutOff, journal, { dryRun: false })).toEqual({ restored: 0, deleted: 0, deletedBytes: 0 });
  });
});
