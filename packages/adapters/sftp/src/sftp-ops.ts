import { createHash } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
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
 * Renames without ever replacing: SFTP v3's plain RENAME is an error when `to` exists (draft-ietf-secsh-filexfer-02,
 * section 6.5). OpenSSH's sftp-server does it race-free with link() + unlink() and answers FAILURE for an existing
 * target (it falls back to stat + rename only on filesystems without hard links). Not `posix-rename@openssh.com`,
 * which replaces the target: a file the back office placed or is consuming must never be swapped under it.
 */
export function renameNoReplace(session: SftpSession, from: string, to: string): Promise<void> {
  return request(session, (sftp, done) => sftp.rename(from, to, (error) => done(error, undefined)));
}

/** Hex SHA-256 of a remote file, streamed (a package can be hundreds of MiB). */
export async function sha256Of(session: SftpSession, path: string, signal: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  // raced like every request: a read stream on a dropped connection never ends
  await Promise.race([pipeline(session.sftp.createReadStream(path), hash, { signal }), session.closed]);
  return hash.digest('hex');
}
