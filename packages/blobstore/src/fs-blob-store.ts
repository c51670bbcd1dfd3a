import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { link, lstat, mkdir, open, readFile, rename, rm, stat, unlink, utimes, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ErrorCode, WeicheError } from '@weiche/core';
import { blobPath } from './blob-key.js';
import { chunksOf, type ByteSource } from './byte-source.js';
import { fsyncDir } from './fsync-dir.js';
import { recoverSetAsideFiles, setAsideName, type SetAsideRecovery } from './set-aside.js';
import { staleBlobs, sweepTempFiles, type StoredBlob } from './stale-files.js';
import { blobNotFound, isMissing, storageUnavailable } from './storage-error.js';

const READ_CHUNK_BYTES = 1024 * 1024;

/** What deleteStale did: deleted the blob, kept it (written since the cut-off, or stored again or put back meanwhile), or found no file. */
export type StaleDeletion = 'deleted' | 'recent' | 'gone';

export interface BlobRef {
  key: string;
  size: number;
  sha256: string;
}

/** Marks an error thrown by the byte source (not by the disk), so it is not reported as a storage failure. */
class SourceError {
  constructor(readonly error: unknown) {}
}

/** Writes the whole chunk at `position` (pwrite may write less than asked, e.g. when interrupted). */
async function writeAll(file: FileHandle, chunk: Uint8Array, position: number): Promise<void> {
  for (let done = 0; done < chunk.byteLength; ) {
    const { bytesWritten } = await file.write(chunk, done, chunk.byteLength - done, position + done);
    if (bytesWritten === 0) throw new Error('the file system accepted no bytes');
    done += bytesWritten;
  }
}

/** Content-addressed filesystem store: key = sha256 hex, file at <root>/<k[0..2]>/<key>. */
export class FsBlobStore {
  readonly root: string;
  private readonly tmpDir: string;

  constructor(opts: { root: string }) {
    this.root = opts.root;
    this.tmpDir = join(opts.root, 'tmp');
  }

  /**
   * Streams into a temp file in <root>/tmp, hashing on the way; fsyncs the file, renames it into place
   * and fsyncs the directory, so it resolves only once the blob is durable.
   * maxBytes exceeded → stops reading, deletes the temp file, throws PAYLOAD_TOO_LARGE (413).
   * I/O failure → STORAGE_UNAVAILABLE (503, retryable). An error of the source itself is rethrown unchanged.
   */
  async put(source: ByteSource, opts: { maxBytes?: number } = {}): Promise<BlobRef> {
    const maxBytes = opts.maxBytes ?? Number.POSITIVE_INFINITY;
    try {
      await mkdir(this.tmpDir, { recursive: true });
    } catch (error) {
      throw storageUnavailable('create temp directory', error);
    }
    const tmp = join(this.tmpDir, `${randomUUID()}.part`);
    const hash = createHash('sha256');
    let size = 0;
    try {
      const file = await open(tmp, 'wx', 0o600);
      // One write in flight while the next chunk is produced (read, decrypted, hashed): the copy into the page
      // cache runs on libuv's pool beside the main thread instead of after it. The write's outcome is caught at
      // once (an unobserved rejection would end the process) and checked before the next write and at the end.
      let writing: Promise<unknown> = Promise.resolve(undefined);
      try {
        const iterator = chunksOf(source)[Symbol.asyncIterator]();
        for (;;) {
          let next: IteratorResult<Uint8Array>;
          try {
            next = await iterator.next();
          } catch (error) {
            throw new SourceError(error);
          }
          if (next.done) break;
          const chunk = next.value;
          size += chunk.byteLength;
          if (size > maxBytes) {
            // return() ends the iteration early: a Node readable is destroyed, nothing more is read
            await iterator.return?.(undefined);
            throw new WeicheError(ErrorCode.PAYLOAD_TOO_LARGE, `blob exceeds the limit of ${maxBytes} bytes`, {
              status: 413,
            });
          }
          hash.update(chunk);
          const failed = await writing;
          if (failed) throw failed;
          writing = writeAll(file, chunk, size - chunk.byteLength).then(() => undefined, (error: unknown) => error ?? new Error('write failed'));
        }
        const failed = await writing;
        if (failed) throw failed;
        await file.sync();
      } finally {
        // never close the file under a write still in flight (a source error or the size limit ends the loop early)
        await writing;
        await file.close();
      }
      const key = hash.digest('hex');
      await this.place(tmp, key);
      return { key, size, sha256: key };
    } catch (error) {
      await rm(tmp, { force: true }).catch(() => undefined);
      if (error instanceof SourceError) throw error.error;
      throw storageUnavailable('write', error);
    }
  }

  /**
   * Moves a finished temp file to its content address. link() (not rename) so an existing blob with the
   * same key is never replaced: same content → same key → one file.
   */
  private async place(tmp: string, key: string): Promise<void> {
    const target = blobPath(this.root, key);
    const dir = dirname(target);
    const created = await mkdir(dir, { recursive: true });
    if (created !== undefined) await fsyncDir(this.root);
    for (let attempt = 1; ; attempt++) {
      try {
        await link(tmp, target);
        break;
      } catch (error) {
        if (!(typeof error === 'object' && error !== null && 'code' in error && error.code === 'EEXIST')) throw error;
      }
      // the same bytes again (a sender's retry): the existing file may be an old orphan, so it counts as written
      // now, or the orphan sweep could take it in the moment before the new journal row names it
      const now = new Date();
      try {
        await utimes(target, now, now);
        break;
      } catch (error) {
        // deleteStale moved it aside between the link and now: link ours (it decides on the file it moved)
        if (!isMissing(error) || attempt >= 3) throw error;
      }
    }
    await unlink(tmp);
    await fsyncDir(dir);
  }

  /**
   * Opens a blob for reading. Existence is checked synchronously: a missing blob throws NOT_FOUND here,
   * not as a stream error (a blob deleted between the check and the first read still errors the stream).
   * `range` is inclusive at both ends, as in fs.createReadStream.
   */
  get(key: string, range: { start?: number; end?: number } = {}): NodeJS.ReadableStream {
    const path = blobPath(this.root, key);
    try {
      statSync(path);
    } catch (error) {
      if (isMissing(error)) throw blobNotFound(key);
      throw storageUnavailable('read', error);
    }
    return createReadStream(path, {
      // 1 MiB reads: a 500 MB attachment in 500 steps through decrypt and hash, not 8,000 (memory stays a few MiB)
      highWaterMark: READ_CHUNK_BYTES,
      ...(range.start === undefined ? {} : { start: range.start }),
      ...(range.end === undefined ? {} : { end: range.end }),
    });
  }

  /** Reads a whole blob into memory; for small blobs only (metadata, receipts). */
  async read(key: string): Promise<Buffer> {
    const path = blobPath(this.root, key);
    try {
      return await readFile(path);
    } catch (error) {
      if (isMissing(error)) throw blobNotFound(key);
      throw storageUnavailable('read', error);
    }
  }

  /** Size of a blob in bytes; NOT_FOUND when missing. */
  async size(key: string): Promise<number> {
    const path = blobPath(this.root, key);
    try {
      return (await stat(path)).size;
    } catch (error) {
      if (isMissing(error)) throw blobNotFound(key);
      throw storageUnavailable('stat', error);
    }
  }

  /** True when a blob with this key is stored. */
  async exists(key: string): Promise<boolean> {
    try {
      await this.size(key);
      return true;
    } catch (error) {
      if (error instanceof WeicheError && error.code === ErrorCode.NOT_FOUND) return false;
      throw error;
    }
  }

  /** Removes a blob; deleting a missing blob is not an error (idempotent). */
  async delete(key: string): Promise<void> {
    const path = blobPath(this.root, key);
    try {
      await rm(path, { force: true });
      await fsyncDir(dirname(path)).catch((error: unknown) => {
        if (!isMissing(error)) throw error;
      });
    } catch (error) {
      throw storageUnavailable('delete', error);
    }
  }

  /**
   * The blobs last written before `before`, in pages of at most `pageSize` (for the orphan sweep: whoever calls it
   * decides which of them nothing references). I/O failure → STORAGE_UNAVAILABLE.
   */
  async *listStale(before: Date, pageSize: number): AsyncGenerator<StoredBlob[]> {
    try {
      yield* staleBlobs(this.root, before, pageSize);
    } catch (error) {
      throw storageUnavailable('list', error);
    }
  }

  /**
   * Deletes a blob only if it was still last written before `before`: 'recent' (kept) when it was written, or put again
   * (see place), since — so a blob someone has just stored is never taken —, 'gone' when there is no such file.
   * The file is first renamed aside (atomic), and its time looked at there: a put of the same bytes either refreshed
   * it before (it goes back) or finds no file after (place links its own). Looking first and deleting after would
   * take a file a put refreshed in between, after that put had returned. The aside name carries the key, so a crash
   * in between leaves a file recoverSetAside can put back.
   */
  async deleteStale(key: string, before: Date): Promise<StaleDeletion> {
    const path = blobPath(this.root, key);
    const aside = join(this.tmpDir, setAsideName(key));
    try {
      await mkdir(this.tmpDir, { recursive: true });
      await rename(path, aside);
    } catch (error) {
      if (isMissing(error)) return 'gone';
      throw storageUnavailable('delete', error);
    }
    let outcome: StaleDeletion;
    try {
      if ((await lstat(aside)).mtime >= before) {
        // the same bytes as any file a put linked meanwhile: replacing that one changes nothing
        await rename(aside, path);
        return 'recent';
      }
      await rm(aside, { force: true });
      // both entries gone for good: an aside name a power loss brought back would be put back if a row names it
      await Promise.all([fsyncDir(dirname(path)), fsyncDir(this.tmpDir)]);
      outcome = 'deleted';
    } catch (error) {
      if (!isMissing(error)) throw storageUnavailable('delete', error);
      // another process's recoverSetAside took it first: deleted it (old, unnamed) or put it back (recent or named)
      outcome = 'gone';
    }
    // Another process's recoverSetAside cannot tell this deletion from a crashed one: one that found the file aside
    // before the rm above and a row naming it has linked it back (and a put finding no place links its own). The
    // blob is then stored, and the caller must not record it deleted (retention would, and keep it for ever).
    return (await this.exists(key)) ? 'recent' : outcome;
  }

  /**
   * Finishes what a crash inside deleteStale left in <root>/tmp (a blob renamed aside, neither deleted nor put back):
   * one written since `before`, or one `named` says a journal row names, goes back to its place; the others are
   * deleted unless `dryRun` (putting back loses nothing, so a dry run does it too).
   */
  async recoverSetAside(before: Date, named: (keys: string[]) => Promise<Set<string>>, opts: { dryRun: boolean }): Promise<SetAsideRecovery> {
    try {
      return await recoverSetAsideFiles({ root: this.root, tmpDir: this.tmpDir }, before, named, opts.dryRun);
    } catch (error) {
      throw storageUnavailable('recover set-aside blobs', error);
    }
  }

  /** Removes (with `dryRun` only counts) temp files of puts that died mid-write, last written before `before`. */
  async sweepTemp(before: Date, opts: { dryRun: boolean }): Promise<{ files: number; bytes: number }> {
    try {
      return await sweepTempFiles(this.tmpDir, before, opts.dryRun);
    } catch (error) {
      throw storageUnavailable('sweep temp files', error);
    }
  }

  /** Writes, fsyncs and removes a probe file; for readiness checks. */
  async ping(): Promise<void> {
    const probe = join(this.tmpDir, `ping-${randomUUID()}`);
    try {
      await mkdir(this.tmpDir, { recursive: true });
      const file = await open(probe, 'wx', 0o600);
      try {
        await file.write('ping');
        await file.sync();
      } finally {
        await file.close();
      }
      await unlink(probe);
    } catch (error) {
      await rm(probe, { force: true }).catch(() => undefined);
      throw storageUnavailable('ping', error);
    }
  }
}
