import type { SFTPWrapper, Stats } from 'ssh2';
import { errorCode, SftpStatus } from './classify-error.js';
import type { SftpSession } from './session.js';

// Small promise wrappers over ssh2's callback API; each names the one SFTP request it sends.

type Callback<T> = (error: Error | null | undefined, value: T) => void;

/**
 * Sends one SFTP request and waits for its answer or the connection's close, whichever comes first:
 * ssh2 never answers a request sent on a connection that has already dropped, so without the race
 * every caller (delivery, health check) would hang there for good.
 */
function request<T>(session: SftpSession, send: (sftp: SFTPWrapper, done: Callback<T>) => void): Promise<T> {
  const answer = new Promise<T>((resolve, reject) => {
    send(session.sftp, (error, value) => (error ? reject(error) : resolve(value)));
  });
  return Promise.race([answer, session.closed]);
}

/** Maps "no such file" to undefined, the way a caller asking "is it there?" wants it. */
function orUndefinedIfMissing<T>(pending: Promise<T>): Promise<T | undefined> {
  return pending.catch((error: unknown) => {
    if (errorCode(error) === SftpStatus.NO_SUCH_FILE) return undefined;
    throw error;
  });
}

/** Stats a remote path; undefined when it does not exist. */
export function statOrUndefined(session: SftpSession, path: string): Promise<Stats | undefined> {
  return orUndefinedIfMissing(request<Stats>(session, (sftp, done) => sftp.stat(path, done)));
}

/** Creates a remote folder unless it exists already (OpenSSH answers a plain FAILURE for "exists"). */
export async function ensureDir(session: SftpSession, path: string): Promise<void> {
  if ((await statOrUndefined(session, path))?.isDirectory()) return;
  await request<void>(session, (sftp, done) => sftp.mkdir(path, (error) => done(error, undefined))).catch(async (error: unknown) => {
    // Another delivery may have created it between our stat and mkdir.
    if (!(await statOrUndefined(session, path))?.isDirectory()) throw error;
  });
}

/** Reads a small remote file as UTF-8; undefined when it does not exist. */
export async function readTextOrUndefined(session: SftpSession, path: string): Promise<string | undefined> {
  const data = await orUndefinedIfMissing(request<Buffer>(session, (sftp, done) => sftp.readFile(path, done)));
  return data?.toString('utf8');
}

/** Writes a small remote file (truncating it). */
export function writeText(session: SftpSession, path: string, text: string): Promise<void> {
  return request(session, (sftp, done) => sftp.writeFile(path, text, (error) => done(error, undefined)));
}

/** Removes a remote file. */
export function unlink(session: SftpSession, path: string): Promise<void> {
  return request(session, (sftp, done) => sftp.unlink(path, (error) => done(error, undefined)));
}

/**
 * Renames over an existing target where the server allows it: OpenSSH's plain SFTP v3 RENAME refuses an
 * existing target, its `posix-rename@openssh.com` extension (PROTOCOL, section 4.3) replaces it atomically.
 */
export function renameReplacing(session: SftpSession, from: string, to: string): Promise<void> {
  return request(session, (sftp, done) => {
    const renamed = (error: Error | null | undefined): void => done(error, undefined);
    try {
      sftp.ext_openssh_rename(from, to, renamed);
    } catch {
      // ssh2 throws synchronously when the server did not announce the extension.
      sftp.rename(from, to, renamed);
    }
  });
}
