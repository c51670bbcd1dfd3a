import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { link, rename, rm, stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { examineTarget, type DeliveryPackage } from '@weiche/adapter-sdk';

const isMissing = (error: unknown): boolean => (error as NodeJS.ErrnoException).code === 'ENOENT';

/** The SDK's `examineTarget` in the import folder: 'absent', 'ours', or it throws (another file has the name). */
export function examineFolderTarget(target: string, pkg: DeliveryPackage, signal: AbortSignal): Promise<'absent' | 'ours'> {
  return examineTarget(
    {
      stat: () =>
        stat(target).then(
          (found) => ({ size: found.size, isFile: found.isFile() }),
          (error: unknown) => {
            if (isMissing(error)) return undefined;
            throw error;
          },
        ),
      sha256: async () => {
        const hash = createHash('sha256');
        try {
          await pipeline(createReadStream(target), hash, { signal });
        } catch (error) {
          if (isMissing(error)) return undefined;
          throw error;
        }
        return hash.digest('hex');
      },
    },
    pkg,
  );
}

// link(2) answers these when the filesystem has no hard links (an SMB share without unix extensions, FAT)
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS']);

/**
 * Moves the finished temp file to its final name unless that name exists: rename(2) would replace a file the back
 * office placed or is consuming, link(2) refuses it atomically (EEXIST), and the temp name is removed afterwards.
 * Where the filesystem has no hard links, it checks and then renames, as OpenSSH's sftp-server does there: a file
 * placed between the two would still be replaced.
 */
export async function moveNoReplace(tmp: string, target: string): Promise<'moved' | 'exists'> {
  try {
    await link(tmp, target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    if (code === 'EEXIST') return 'exists';
    if (!NO_HARD_LINKS.has(code)) throw error;
    const taken = await stat(target).then(() => true, (statError: unknown) => (isMissing(statError) ? false : Promise.reject(statError)));
    if (taken) return 'exists';
    await rename(tmp, target);
    return 'moved';
  }
  // delivered already; a temp name that cannot be removed now is swept later (sweepLeftovers)
  await rm(tmp, { force: true }).catch(() => undefined);
  return 'moved';
}
