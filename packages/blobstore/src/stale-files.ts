import { lstat, opendir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { isBlobKey } from './blob-key.js';
import { isMissing } from './storage-error.js';

/** A stored blob as the filesystem shows it: its key, size and when its bytes were last written. */
export interface StoredBlob {
  readonly key: string;
  readonly size: number;
  readonly modifiedAt: Date;
}

/** Names of the 256 fan-out folders (<root>/<k[0..2]>); anything else below the root (tmp, audit-checkpoints) is not a blob. */
const PREFIX = /^[0-9a-f]{2}$/;
/**
 * Files FsBlobStore itself leaves in <root>/tmp: a put's temp file (<uuid>.part) and a readiness probe (ping-<uuid>).
 * Not a blob deleteStale set aside (<key>.<uuid>.aside): one may still be named, recoverSetAside decides about those.
 */
const TEMP_FILE = /^(?:[0-9a-f-]{36}\.part|ping-[0-9a-f-]{36})$/;

/** Files looked at together: a sequential await per file cost ~60 µs CPU each (1M blobs: a minute per sweep). */
const STAT_BATCH = 64;

/**
 * The blobs below `root` last written before `before`, in pages of at most `pageSize`, one fan-out folder after the
 * other (opendir: a folder is streamed, never read whole). Only files named as blobs in the folder of their prefix
 * count; a file that disappears while listed (deleted by retention meanwhile) is skipped.
 */
export async function* staleBlobs(root: string, before: Date, pageSize: number): AsyncGenerator<StoredBlob[]> {
  let page: StoredBlob[] = [];
  for (const prefix of (await namesIn(root)).filter((n) => PREFIX.test(n)).sort()) {
    for await (const batch of blobNamesIn(join(root, prefix), prefix)) {
      for (const blob of await statBlobs(join(root, prefix), batch)) {
        if (blob.modifiedAt >= before) continue;
        page.push(blob);
        if (page.length >= pageSize) {
          yield page;
          page = [];
        }
      }
    }
  }
  if (page.length > 0) yield page;
}

/** The blob file names of one fan-out folder, STAT_BATCH at a time. */
async function* blobNamesIn(dir: string, prefix: string): AsyncGenerator<string[]> {
  let batch: string[] = [];
  for await (const entry of await opendir(dir)) {
    if (!entry.isFile() || !isBlobKey(entry.name) || !entry.name.startsWith(prefix)) continue;
    batch.push(entry.name);
    if (batch.length >= STAT_BATCH) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/** Size and last write of each named file, all at once (libuv's pool runs them side by side); a vanished one is left out. */
async function statBlobs(dir: string, names: readonly string[]): Promise<StoredBlob[]> {
  const stats = await Promise.all(
    names.map((name) =>
      lstat(join(dir, name)).catch((error: unknown) => {
        if (isMissing(error)) return undefined;
        throw error;
      }),
    ),
  );
  return names.flatMap((key, i) => {
    const s = stats[i];
    return s ? [{ key, size: s.size, modifiedAt: s.mtime }] : [];
  });
}

/**
 * Removes (or with `dryRun` only counts) the temp files of puts that never finished (a crash mid-upload) last
 * written before `before`: a running put writes its file continuously, so an old one belongs to no one.
 */
export async function sweepTempFiles(tmpDir: string, before: Date, dryRun: boolean): Promise<{ files: number; bytes: number }> {
  const found = { files: 0, bytes: 0 };
  for (const name of await namesIn(tmpDir)) {
    if (!TEMP_FILE.test(name)) continue;
    const path = join(tmpDir, name);
    const stats = await lstat(path).catch(() => undefined);
    if (!stats?.isFile() || stats.mtime >= before) continue;
    if (!dryRun) await rm(path, { force: true });
    found.files += 1;
    found.bytes += stats.size;
  }
  return found;
}

/** The names in a folder; none when it does not exist (an empty store). */
export async function namesIn(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if (isMissing(error)) return [];
    throw error;
  }
}
