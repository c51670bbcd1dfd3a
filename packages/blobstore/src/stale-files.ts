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
/** Files FsBlobStore itself leaves in <root>/tmp: a put's temp file (<uuid>.part) and a readiness probe (ping-<uuid>). */
const TEMP_FILE = /^(?:[0-9a-f-]{36}\.part|ping-[0-9a-f-]{36})$/;

/**
 * The blobs below `root` last written before `before`, in pages of at most `pageSize`, one fan-out folder after the
 * other (opendir: a folder is streamed, never read whole). Only files named as blobs in the folder of their prefix
 * count; a file that disappears while listed (deleted by retention meanwhile) is skipped.
 */
export async function* staleBlobs(root: string, before: Date, pageSize: number): AsyncGenerator<StoredBlob[]> {
  let page: StoredBlob[] = [];
  for (const prefix of (await namesIn(root)).filter((n) => PREFIX.test(n)).sort()) {
    const dir = join(root, prefix);
    for await (const entry of await opendir(dir)) {
      if (!entry.isFile() || !isBlobKey(entry.name) || !entry.name.startsWith(prefix)) continue;
      const stats = await lstat(join(dir, entry.name)).catch((error: unknown) => {
        if (isMissing(error)) return undefined;
        throw error;
      });
      if (!stats || stats.mtime >= before) continue;
      page.push({ key: entry.name, size: stats.size, modifiedAt: stats.mtime });
      if (page.length >= pageSize) {
        yield page;
        page = [];
      }
    }
  }
  if (page.length > 0) yield page;
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
async function namesIn(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if (isMissing(error)) return [];
    throw error;
  }
}
