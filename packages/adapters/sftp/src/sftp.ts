import { createHash, randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import { pipeline } from 'node:stream/promises';
import {
  PermanentDeliveryError,
  TransientDeliveryError,
  type Adapter,
  type AdapterFactory,
  type AdapterHealth,
  type DeliveryOptions,
  type DeliveryPackage,
  type DeliveryReceipt,
} from '@weiche/adapter-sdk';
import { errorMessage } from '@weiche/core';
import { classifySftpError } from './classify-error.js';
import { SftpConfig } from './config.js';
import { openSftp, type SftpSession } from './session.js';
import { examineRemoteTarget } from './examine-target.js';
import { ensureDir, readTextOrUndefined, renameNoReplace, statOrUndefined, unlink, writeText } from './sftp-ops.js';

export const SFTP_KIND = 'sftp';

// Same layout as the dms-folder adapter: one receipt per idempotency key in a hidden folder, so a
// redelivery never uploads twice, even when the package name changed.
const RECEIPT_DIR = '.weiche-receipts';
/** After an abort, how long cleanup (removing the part file) may use the connection before it is torn down. */
const ABORT_GRACE_MS = 2_000;

/**
 * The hidden name a package is uploaded under before the rename makes it visible to the DMS importer; one per
 * delivery (idempotency key), so the retry after a dropped connection replaces the part file left on the server.
 */
export function partFileName(name: string, idempotencyKey: string): string {
  return `.${name}.${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 12)}.part`;
}

function safeName(name: string): string {
  const base = posix.basename(name.replace(/\\/g, '/'));
  if (base === '' || base === '.' || base === '..' || base.startsWith('.')) {
    throw new PermanentDeliveryError('package name is not a plain visible file name');
  }
  return base;
}

class SftpAdapter implements Adapter {
  readonly kind = SFTP_KIND;

  constructor(
    readonly instanceId: string,
    private readonly config: SftpConfig,
  ) {}

  async deliver(pkg: DeliveryPackage, options: DeliveryOptions): Promise<DeliveryReceipt> {
    const { signal } = options;
    const fileName = safeName(pkg.name);
    const dir = this.config.remoteDir;
    const target = posix.join(dir, fileName);
    const receiptFile = posix.join(dir, RECEIPT_DIR, `${createHash('sha256').update(options.idempotencyKey).digest('hex')}.json`);

    const session = await openSftp(this.config, signal);
    // A hung server must not hold an aborted delivery: give cleanup a moment, then cut the connection
    // (which fails every pending request).
    let graceTimer: NodeJS.Timeout | undefined;
    const onAbort = (): void => {
      graceTimer = setTimeout(() => session.destroy(), ABORT_GRACE_MS);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    let part: string | undefined;
    let source: NodeJS.ReadableStream | undefined;
    const upload = async (): Promise<DeliveryReceipt> => {
      const existing = await this.readReceipt(session, receiptFile);
      if (existing) return { ...existing, duplicate: true };
      await ensureDir(session, posix.join(dir, RECEIPT_DIR));

      // A crash or a lost answer after the rename but before the receipt leaves our file in place: the retry finds
      // it (same size and SHA-256) and only writes the receipt. Any other file of that name is refused, untouched.
      if ((await examineRemoteTarget(session, target, pkg, signal)) === 'absent') {
        part = posix.join(dir, partFileName(fileName, options.idempotencyKey));
        // left by an earlier attempt of this delivery whose connection dropped (its cleanup could not reach the server)
        await unlink(session, part).catch(() => undefined);
        source = await pkg.open();
        await pipeline(source, session.sftp.createWriteStream(part, { flags: 'wx' }), { signal });
        const uploaded = await statOrUndefined(session, part);
        if (uploaded?.size !== pkg.size) {
          throw new TransientDeliveryError(`uploaded ${uploaded?.size ?? 0} bytes of ${pkg.size} for ${fileName}`);
        }
        try {
          await renameNoReplace(session, part, target);
        } catch (error) {
          // v3 has no "exists" status (OpenSSH answers FAILURE): a file that appeared since the check above is judged
          // like one found there (refused, or ours from another attempt of this delivery); nothing there means the
          // rename failed for another reason.
          if ((await examineRemoteTarget(session, target, pkg, signal)) === 'absent') throw error;
          await unlink(session, part);
        }
        part = undefined;
      }
      const receipt: DeliveryReceipt = {
        fileName,
        path: target,
        host: this.config.host,
        size: pkg.size,
        sha256: pkg.sha256,
      };
      await writeText(session, receiptFile, JSON.stringify(receipt));
      options.log.info({ submissionId: pkg.submissionId, fileName, size: pkg.size, instanceId: this.instanceId }, 'package uploaded via SFTP');
      return receipt;
    };
    try {
      return await Promise.race([upload(), session.closed]);
    } catch (error) {
      // a dropped connection leaves the upload pending for good: let go of the package stream
      (source as { destroy?: () => void } | undefined)?.destroy?.();
      if (part !== undefined) await this.removeQuietly(session, part);
      if (signal.aborted) throw new TransientDeliveryError('delivery aborted', { cause: error });
      throw classifySftpError(error, `uploading ${fileName} to ${this.config.host}`);
    } finally {
      signal.removeEventListener('abort', onAbort);
      clearTimeout(graceTimer);
      if (signal.aborted) session.destroy();
      else session.close();
    }
  }

  async health(): Promise<AdapterHealth> {
    // Connect timeout plus a little for the checks, so a hung server reports "not ok" rather than hanging:
    // on timeout the connection is torn down, which fails every pending request.
    const signal = AbortSignal.timeout(this.config.connectTimeoutMs + 5_000);
    let session: SftpSession | undefined;
    const onTimeout = (): void => session?.destroy();
    signal.addEventListener('abort', onTimeout, { once: true });
    try {
      session = await openSftp(this.config, signal);
      const stats = await statOrUndefined(session, this.config.remoteDir);
      if (!stats) return { ok: false, detail: `remoteDir ${this.config.remoteDir} does not exist` };
      if (!stats.isDirectory()) return { ok: false, detail: `remoteDir ${this.config.remoteDir} is not a folder` };
      // stat alone cannot tell whether this user may write there (SFTP shows no effective rights):
      // create and remove a hidden probe beside the receipts.
      const receipts = posix.join(this.config.remoteDir, RECEIPT_DIR);
      await ensureDir(session, receipts);
      const probe = posix.join(receipts, `.health-${randomBytes(6).toString('hex')}`);
      await writeText(session, probe, 'ok');
      await unlink(session, probe);
      return { ok: true, detail: `${this.config.host}:${this.config.port}${this.config.remoteDir}` };
    } catch (error) {
      if (signal.aborted) return { ok: false, detail: `health check of ${this.config.host} timed out` };
      return { ok: false, detail: errorMessage(classifySftpError(error, `checking ${this.config.host}`)) };
    } finally {
      signal.removeEventListener('abort', onTimeout);
      session?.destroy();
    }
  }

  private async readReceipt(session: SftpSession, file: string): Promise<DeliveryReceipt | undefined> {
    const text = await readTextOrUndefined(session, file);
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text) as DeliveryReceipt;
    } catch {
      // A receipt cut short by a crash: the size check on the final file decides instead.
      return undefined;
    }
  }

  private async removeQuietly(session: SftpSession, path: string): Promise<void> {
    await Promise.race([
      unlink(session, path).catch(() => undefined),
      new Promise((resolve) => setTimeout(resolve, ABORT_GRACE_MS).unref()),
    ]);
  }
}

/** Uploads each package to an SFTP server under a hidden part name, then renames it into place (never over another file); host key pinned. */
export const sftpAdapter: AdapterFactory<SftpConfig> = {
  kind: SFTP_KIND,
  configSchema: SftpConfig,
  create: ({ instanceId, config }) => new SftpAdapter(instanceId, config),
};
