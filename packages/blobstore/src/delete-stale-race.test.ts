import type * as FsPromises from 'node:fs/promises';
import { mkdtemp, readdir, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FsBlobStore } from './fs-blob-store.js';

// The orphan sweep's deleteStale and a put of the same bytes (a sender's retry of a day-old orphan) race on one file.
// To try every interleaving, each file system call one of them makes can be preceded by the whole other one: the
// calls themselves are the real ones on a real folder, only their order is forced.
const interleave = vi.hoisted(() => ({ armed: false, calls: 0, at: -1, before: undefined as undefined | (() => Promise<unknown>) }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof FsPromises>();
  const step =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      if (interleave.armed && interleave.calls++ === interleave.at && interleave.before) {
        interleave.armed = false; // the put's own calls run as they come
        await interleave.before();
        interleave.armed = true;
      }
      return fn(...args);
    };
  return { ...actual, lstat: step(actual.lstat), rm: step(actual.rm), rename: step(actual.rename), unlink: step(actual.unlink), link: step(actual.link), utimes: step(actual.utimes) };
});

const DAY = 24 * 3600_000;
let root: string;
let store: FsBlobStore;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'weiche-race-'));
  store = new FsBlobStore({ root });
});
afterEach(async () => {
  interleave.armed = false;
  await rm(root, { recursive: true, force: true });
});

describe('deleteStale against a put of the same bytes', () => {
  const bytes = Buffer.from('an orphan sent again');
  const cutOff = new Date(Date.now() - DAY);

  /** Runs `first` with `other` before its step `at`; how `other` ended, or undefined when `first` made fewer steps. */
  async function race<T>(at: number, first: () => Promise<T>, other: () => Promise<unknown>): Promise<{ result: T; other: 'ok' | 'failed' | undefined }> {
    let outcome: 'ok' | 'failed' | undefined;
    Object.assign(interleave, { armed: true, calls: 0, at, before: () => other().then(() => (outcome = 'ok'), () => (outcome = 'failed')) });
    try {
      return { result: await first(), other: outcome };
    } finally {
      interleave.armed = false;
    }
  }

  async function oldOrphan(): Promise<string> {
    const { key } = await store.put(bytes);
    const old = new Date(Date.now() - 2 * DAY);
    await utimes(join(root, key.slice(0, 2), key), old, old);
    return key;
  }

  async function expectStored(key: string, when: string): Promise<void> {
    expect(await store.exists(key), when).toBe(true);
    expect(await store.read(key)).toEqual(bytes);
    await rm(join(root, key.slice(0, 2), key));
  }

  it('a put landing before any step of deleteStale succeeds and its blob stays', async () => {
    let at = 0;
    for (; ; at++) {
      const key = await oldOrphan();
      const { result: deleted, other: put } = await race(at, () => store.deleteStale(key, cutOff), () => store.put(bytes));
      if (put === undefined) break;
      expect(put, `put before step ${at}`).toBe('ok');
      await expectStored(key, `put before step ${at} of deleteStale (deleted: ${deleted})`);
    }
    expect(at).toBeGreaterThanOrEqual(3); // moved aside, looked at, deleted
    expect((await readdir(join(root, 'tmp'))).filter((n) => n.endsWith('.part') || n.endsWith('.aside'))).toEqual([]);
  });

  it('deleteStale landing before any step of a put: the put succeeds and its blob stays', async () => {
    let at = 0;
    for (; ; at++) {
      const key = await oldOrphan();
      let put: 'ok' | 'failed' = 'failed';
      const { other } = await race(at, () => store.put(bytes).then(() => (put = 'ok'), () => undefined), () => store.deleteStale(key, cutOff));
      if (other === undefined) break;
      expect(put, `deleteStale before step ${at} of put`).toBe('ok');
      await expectStored(key, `deleteStale before step ${at} of put`);
    }
    expect(at).toBeGreaterThanOrEqual(3); // link (taken), utimes, unlink of the temp file
  });

  it('a second sweeper\'s recovery taking the file set aside (old and unnamed: an orphan as well) is no error', async () => {
    const key = await oldOrphan();
    // before step 1, the look at the file renamed aside into tmp/
    const { result: deleted, other } = await race(1, () => store.deleteStale(key, cutOff), () => store.recoverSetAside(cutOff, () => Promise.resolve(new Set()), { dryRun: false }));
    expect(other).toBe('ok');
    expect(deleted).toBe('gone');
    expect(await store.exists(key)).toBe(false);
  });

  it('another process\'s recovery putting back the named blob it finds set aside, before any step: deleteStale never says deleted while the blob is in place', async () => {
    let at = 0;
    for (; ; at++) {
      const key = await oldOrphan();
      // a row names it (the submission whose retention is deleting it): the recovery puts it back
      const recover = (): Promise<unknown> => store.recoverSetAside(cutOff, () => Promise.resolve(new Set([key])), { dryRun: false });
      const { result, other } = await race(at, () => store.deleteStale(key, cutOff), recover);
      if (other === undefined) break;
      expect(other, `recovery before step ${at}`).toBe('ok');
      // retention records the data deleted unless told 'recent': a blob still in place must be reported kept
      const stored = await store.exists(key);
      expect({ at, result, stored }).toEqual({ at, result: stored ? 'recent' : 'deleted', stored });
      if (stored) await rm(join(root, key.slice(0, 2), key));
    }
    expect(at).toBeGreaterThanOrEqual(3); // moved aside, looked at, deleted
    expect((await readdir(join(root, 'tmp'))).filter((n) => n.endsWith('.aside'))).toEqual([]);
  });
});
