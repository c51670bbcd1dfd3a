import { open } from 'node:fs/promises';

/** Makes a rename/link/unlink in `dir` durable (POSIX needs an fsync of the directory for that). */
export async function fsyncDir(dir: string): Promise<void> {
  // Windows cannot open a directory for fsync; NTFS journals metadata itself
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
