import { randomUUID } from 'node:crypto';
import { link, lstat, mkdir, rm, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { blobPath } from './blob-key.js';
import { fsyncDir } from './fsync-dir.js';
import { namesIn } from './stale-files.js';
import { isMissing } from './storage-error.js';

/** A blob deleteStale renamed aside into <root>/tmp: <key>.<uuid>.aside (the uuid keeps two sweepers apart). */
const SET_ASIDE = /^([0-9a-f]{64})\.[0-9a-f-]{36}\.aside$/;

/** The name under which deleteStale sets the blob `key` aside in <root>/tmp before it decides. */
export function setAsideName(key: string): string {
  return `${key}.${randomUUID()}.aside`;
}

/** What recoverSetAside found: blobs put back in place, and blobs deleted (or, in a dry run, to be deleted), with their bytes. */
export interface SetAsideRecovery {
  restored: number;
  deleted: number;
  deletedBytes: number;
}

interface SetAside {
  readonly path: string;
  readonly key: string;
  readonly size: number;
  readonly modifiedAt: Date;
}

/**
 * Puts back the set-aside blobs written since `before` or named by a journal row (`named`), and deletes the others
 * unless `dryRun`. Why both: a put that refreshed the file just before deleteStale moved it has returned, and the row
 * naming it commits later (within the grace, or it is named by now); an old one nothing names was an orphan.
 * Putting back links (never renames over) the place: a put that found it empty has linked a file with the same bytes
 * and a fresh time, which an old file renamed over it would make look stale again.
 */
export async function recoverSetAsideFiles(
  dirs: { root: string; tmpDir: string },
  before: Date,
  named: (keys: string[]) => Promise<Set<string>>,
  dryRun: boolean,
): Promise<SetAsideRecovery> {
  const found = await setAsideFiles(dirs.tmpDir);
  const old = found.filter((f) => f.modifiedAt < before);
  const inUse = old.length > 0 ? await named([...new Set(old.map((f) => f.key))]) : new Set<string>();
  const report: SetAsideRecovery = { restored: 0, deleted: 0, deletedBytes: 0 };
  for (const file of found) {
    if (file.modifiedAt >= before || inUse.has(file.key)) {
      if (await putBack(dirs.root, file)) report.restored += 1;
      continue;
    }
    if (!dryRun) await rm(file.path, { force: true });
    report.deleted += 1;
    report.deletedBytes += file.size;
  }
  return report;
}

async function setAsideFiles(tmpDir: string): Promise<SetAside[]> {
  const files: SetAside[] = [];
  for (const name of await namesIn(tmpDir)) {
    const key = SET_ASIDE.exec(name)?.[1];
    if (key === undefined) continue;
    const path = join(tmpDir, name);
    const stats = await lstat(path).catch((error: unknown) => {
      if (isMissing(error)) return undefined; // another sweeper finished it meanwhile
      throw error;
    });
    if (stats?.isFile()) files.push({ path, key, size: stats.size, modifiedAt: stats.mtime });
  }
  return files;
}

/** Links the file back to its place (or finds the same bytes there already) and removes it from tmp/; false when it vanished meanwhile. */
async function putBack(root: string, file: SetAside): Promise<boolean> {
  const target = blobPath(root, file.key);
  await mkdir(dirname(target), { recursive: true });
  try {
    await link(file.path, target);
  } catch (error) {
    if (isMissing(error)) return false;
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  await unlink(file.path).catch((error: unknown) => {
    if (!isMissing(error)) throw error;
  });
  await fsyncDir(dirname(target));
  return true;
}
