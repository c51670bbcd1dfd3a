import type { SFTPWrapper, Stats } from 'ssh2';
import { errorCode, SftpStatus } from './classify-error.js';

// Small promise wrappers over ssh2's callback API; each names the one SFTP request it sends.

/** Stats a remote path; undefined when it does not exist. */
export function statOrUndefined(sftp: SFTPWrapper, path: string): Promise<Stats | undefined> {
  return new Promise((resolve, reject) => {
    sftp.stat(path, (error, stats) => {
      if (!error) resolve(stats);
      else if (errorCode(error) === SftpStatus.NO_SUCH_FILE) resolve(undefined);
      else reject(error);
    });
  });
}

/** Creates a remote folder unless it exists already (OpenSSH answers a plain FAILURE for "exists"). */
export async function ensureDir(sftp: SFTPWrapper, path: string): Promise<void> {
  if ((await statOrUndefined(sftp, path))?.isDirectory()) return;
  await new Promise<void>((resolve, reject) => {
    sftp.mkdir(path, (error) => (error ? reject(error) : resolve()));
  }).catch(async (error: unknown) => {
    // Another delivery may have created it between our stat and mkdir.
    if (!(await statOrUndefined(sftp, path))?.isDirectory()) throw error;
  });
}

/** Reads a small remote file as UTF-8; undefined when it does not exist. */
export function readTextOrUndefined(sftp: SFTPWrapper, path: string): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    sftp.readFile(path, (error, data) => {
      if (!error) resolve(data.toString('utf8'));
      else if (errorCode(error) === SftpStatus.NO_SUCH_FILE) resolve(undefined);
      else reject(error);
    });
  });
}

/** Writes a small remote file (truncating it). */
export function writeText(sftp: SFTPWrapper, path: string, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    sftp.writeFile(path, text, (error) => (error ? reject(error) : resolve()));
  });
}

/** Removes a remote file. */
export function unlink(sftp: SFTPWrapper, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    sftp.unlink(path, (error) => (error ? reject(error) : resolve()));
  });
}

/**
 * Renames over an existing target where the server allows it: OpenSSH's plain SFTP v3 RENAME refuses an
 * existing target, its `posix-rename@openssh.com` extension (PROTOCOL, section 4.3) replaces it atomically.
 */
export function renameReplacing(sftp: SFTPWrapper, from: string, to: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (error: Error | null | undefined): void => (error ? reject(error) : resolve());
    try {
      sftp.ext_openssh_rename(from, to, done);
    } catch {
      // ssh2 throws synchronously when the server did not announce the extension.
      sftp.rename(from, to, done);
    }
  });
}
