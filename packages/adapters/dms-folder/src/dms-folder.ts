import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import {
  PermanentDeliveryError,
  TransientDeliveryError,
  type Adapter,
  type AdapterFactory,
  type AdapterLogger,
  type ConfirmationInbox,
  type DeliveryOptions,
  type DeliveryPackage,
  type DeliveryReceipt,
  type InboundMessage,
  type InboundVerdict,
} from '@weiche/adapter-sdk';
import { collectInbox } from './dms-inbox.js';
import { examineFolderTarget, moveNoReplace } from './place-file.js';

const WRITE_BUFFER_BYTES = 2 * 1024 * 1024;

export const DMS_FOLDER_KIND = 'dms-folder';

export const DmsFolderConfig = z.strictObject({
  /** The DMS import folder of one tenant; created when missing. */
  path: z.string().min(1),
  /** Optional: where the DMS drops its answers (xdomea 0402/0403); the hub files them into processed/ or failed/ there. */
  inboxPath: z.string().min(1).optional(),
  /** How often the hub looks into inboxPath (default 5000 ms). */
  inboxPollMs: z.number().int().min(100).optional(),
});
export type DmsFolderConfig = z.infer<typeof DmsFolderConfig>;

// Work files live beside the import folder's content but in hidden sub-folders on the same
// filesystem, so the final rename is atomic and the DMS importer never sees a half-written file.
const TMP_DIR = '.weiche-tmp';
const RECEIPT_DIR = '.weiche-receipts';

const PERMANENT_CODES = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOTDIR', 'EISDIR', 'ENAMETOOLONG']);

function classify(error: unknown, what: string): Error {
  if (error instanceof TransientDeliveryError || error instanceof PermanentDeliveryError) return error;
  const code = (error as NodeJS.ErrnoException).code ?? 'UNKNOWN';
  const reason = `${what} failed (${code})`;
  // Disk full or quota may clear up; a permission or path problem needs an operator.
  return PERMANENT_CODES.has(code)
    ? new PermanentDeliveryError(reason, { cause: error })
    : new TransientDeliveryError(reason, { cause: error });
}

// A share mounted behind a symlink that now points nowhere makes the recursive mkdir fail with ENOTDIR
// (libuv), which would read as a permanent misconfiguration; the share may come back, so it is transient.
async function folderUnreachable(path: string): Promise<boolean> {
  return stat(path).then(
    () => false,
    (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT',
  );
}

async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

class DmsFolderAdapter implements Adapter {
  readonly kind = DMS_FOLDER_KIND;

  constructor(
    readonly instanceId: string,
    protected readonly config: DmsFolderConfig,
  ) {}

  async deliver(pkg: DeliveryPackage, options: DeliveryOptions): Promise<DeliveryReceipt> {
    const dir = this.config.path;
    const fileName = basename(pkg.name);
    const receiptFile = join(dir, RECEIPT_DIR, `${createHash('sha256').update(options.idempotencyKey).digest('hex')}.json`);
    const existing = await this.readReceipt(receiptFile);
    if (existing) return { ...existing, duplicate: true };

    const target = join(dir, fileName);
    // named for its submission, so a leftover after a crash can be audited where it belongs (sweepLeftovers)
    const tmp = join(dir, TMP_DIR, `${pkg.submissionId}.${randomUUID()}.part`);
    try {
      await mkdir(join(dir, TMP_DIR), { recursive: true });
      await mkdir(join(dir, RECEIPT_DIR), { recursive: true });
      // A crash after the rename but before the receipt leaves our file in place: the retry finds it (same
      // deterministic name and content) and only writes the receipt. Any other file of that name is refused, untouched.
      if ((await examineFolderTarget(target, pkg, options.signal)) === 'absent') {
        // room for two 1 MiB chunks (the default is 16 KiB): a chunk is decrypted while the one before is written,
        // instead of the stream pausing after every chunk until the disk has it
        await pipeline(await pkg.open(), createWriteStream(tmp, { flags: 'wx', highWaterMark: WRITE_BUFFER_BYTES }), { signal: options.signal });
        await fsyncPath(tmp);
        if ((await moveNoReplace(tmp, target)) === 'exists') {
          // placed since the check above: judged like a file found there (refused, or ours from another attempt)
          await rm(tmp, { force: true });
          if ((await examineFolderTarget(target, pkg, options.signal)) === 'absent') {
            throw new TransientDeliveryError('a file came and went under the package name while it was moved into place');
          }
        }
        await fsyncPath(dir);
      }
      const receipt: DeliveryReceipt = { fileName, path: target, size: pkg.size, sha256: pkg.sha256 };
      await writeFile(receiptFile, JSON.stringify(receipt));
      options.log.info({ submissionId: pkg.submissionId, fileName, size: pkg.size }, 'package written to DMS folder');
      return receipt;
    } catch (error) {
      await rm(tmp, { force: true }).catch(() => undefined);
      if (options.signal.aborted) throw new TransientDeliveryError('delivery aborted', { cause: error });
      if (await folderUnreachable(dir)) {
        throw new TransientDeliveryError(`DMS folder not reachable (share not mounted?) writing ${fileName}`, { cause: error });
      }
      throw classify(error, `writing ${fileName}`);
    }
  }

  async health(): Promise<{ ok: boolean; detail?: string }> {
    try {
      await mkdir(join(this.config.path, TMP_DIR), { recursive: true });
      const probe = join(this.config.path, TMP_DIR, `health-${randomUUID()}`);
      await writeFile(probe, 'ok');
      await rm(probe);
      return { ok: true };
    } catch (error) {
      return { ok: false, detail: `folder not writable (${(error as NodeJS.ErrnoException).code ?? 'error'})` };
    }
  }

  async sweepLeftovers(olderThanMs: number): Promise<Array<{ file: string; submissionId?: string }>> {
    const tmpDir = join(this.config.path, TMP_DIR);
    const names = await readdir(tmpDir).catch(() => [] as string[]);
    const removed: Array<{ file: string; submissionId?: string }> = [];
    const cutoff = Date.now() - olderThanMs;
    for (const name of names.filter((n) => n.endsWith('.part'))) {
      const path = join(tmpDir, name);
      const modified = await stat(path).then((s) => s.mtimeMs, () => undefined);
      // a .part younger than the grace period may still be written by a delivery in progress
      if (modified === undefined || modified > cutoff) continue;
      await rm(path, { force: true });
      const submissionId = /^([0-9a-f-]{36})\./.exec(name)?.[1];
      removed.push({ file: name, ...(submissionId ? { submissionId } : {}) });
    }
    return removed;
  }

  private async readReceipt(file: string): Promise<DeliveryReceipt | undefined> {
    try {
      return JSON.parse(await readFile(file, 'utf8')) as DeliveryReceipt;
    } catch {
      return undefined;
    }
  }
}

/** With `inboxPath`: also reads the DMS's import confirmations (the ConfirmationInbox capability). */
class DmsFolderWithInbox extends DmsFolderAdapter implements ConfirmationInbox {
  readonly inboxPollMs: number;

  constructor(instanceId: string, config: DmsFolderConfig & { inboxPath: string }) {
    super(instanceId, config);
    this.inboxPollMs = config.inboxPollMs ?? 5000;
  }

  collectInbound(handle: (message: InboundMessage) => Promise<InboundVerdict>, signal: AbortSignal, log: AdapterLogger): Promise<number> {
    return collectInbox(this.config.inboxPath ?? '', { handle, signal, log, instanceId: this.instanceId });
  }
}

/** Writes each package atomically (temp file, fsync, rename that never replaces another file) into a DMS import folder; optionally reads its confirmations. */
export const dmsFolderAdapter: AdapterFactory<DmsFolderConfig> = {
  kind: DMS_FOLDER_KIND,
  configSchema: DmsFolderConfig,
  create: ({ instanceId, config }) =>
    config.inboxPath === undefined ? new DmsFolderAdapter(instanceId, config) : new DmsFolderWithInbox(instanceId, { ...config, inboxPath: config.inboxPath }),
};
