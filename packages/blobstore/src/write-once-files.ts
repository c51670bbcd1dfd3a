import { randomUUID } from 'node:crypto';
import { link, mkdir, open, readdir, readFile, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fsyncDir } from './fsync-dir.js';
import { isMissing, storageUnavailable } from './storage-error.js';

const NAME = /^[a-z0-9][a-z0-9._-]{0,127}$/;

/**
 * Named files that are written once and never replaced, under their own prefix of the blob store
 * (e.g. `<blobs>/audit-checkpoints/`): the append-only place outside the database where the hub anchors
 * its audit checkpoints. A write is durable (file and directory fsynced) before it resolves; files are
 * made read-only. Giving the hub's user no delete right on the folder (or an S3 bucket with object lock)
 * makes the place truly append-only; see docs/adr/0005-audit-chain.md.
 */
export class WriteOnceFiles {
  readonly dir: string;

  constructor(opts: { dir: string }) {
    this.dir = opts.dir;
  }

  /** The write-once files of the sub-folder `name` (e.g. the audit log's markers of one chain), created on its first write. */
  folder(name: string): WriteOnceFiles {
    checkName(name);
    return new WriteOnceFiles({ dir: join(this.dir, name) });
  }

  /** Writes `name` once; resolves false (and changes nothing) when it exists already. */
  async put(name: string, content: string | Uint8Array): Promise<boolean> {
    checkName(name);
    const tmp = join(this.dir, `.${randomUUID()}.part`);
    try {
      const made = await mkdir(this.dir, { recursive: true });
      // folders made here: their entries in their parents must be durable too, or a crash can lose the file with its folder
      for (let dir = this.dir; made !== undefined && dir !== dirname(made); dir = dirname(dir)) await fsyncDir(dirname(dir));
      const file = await open(tmp, 'wx', 0o444);
      try {
        await file.writeFile(content);
        await file.sync();
      } finally {
        await file.close();
      }
      // link() fails on an existing name, so a written file is never replaced, and no reader sees half a file
      try {
        await link(tmp, join(this.dir, name));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
        throw error;
      }
      return true;
    } catch (error) {
      throw storageUnavailable(`write ${name}`, error);
    } finally {
      await unlink(tmp).catch(() => undefined);
      await fsyncDir(this.dir).catch(() => undefined);
    }
  }

  /** Content of `name`, or undefined when there is no such file. */
  async get(name: string): Promise<string | undefined> {
    checkName(name);
    try {
      return await readFile(join(this.dir, name), 'utf8');
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw storageUnavailable(`read ${name}`, error);
    }
  }

  /** Names of the stored files, sorted. */
  async list(): Promise<string[]> {
    try {
      return (await readdir(this.dir)).filter((n) => NAME.test(n)).sort();
    } catch (error) {
      if (isMissing(error)) return [];
      throw storageUnavailable('list', error);
    }
  }
}

function checkName(name: string): void {
  if (!NAME.test(name)) throw new Error(`invalid write-once file name "${name.slice(0, 40)}"`);
}
