import { randomBytes, randomUUID } from 'node:crypto';
import { link, mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode, WeicheError } from '@weiche/core';
import { fsyncDir } from './fsync-dir.js';
import { isMissing, storageUnavailable } from './storage-error.js';
import { assertTenantId } from './tenant-id.js';
import { decodeKeyFile, encodeKeyFile } from './tenant-key-file.js';

const KEY_BYTES = 32;

/**
 * Per-tenant data keys (AES-256), each wrapped with a master key (AES-256-GCM, AAD = tenant id, so a key
 * file copied to another tenant's name does not unwrap) and stored under <dir>/<tenantId>.key; created on
 * first use. destroy() erases the key = crypto-shredding of that tenant's outputs.
 * Keys are read from disk on every call (no cache), so a destroy() in one process holds in all others.
 */
export class TenantKeyring {
  private readonly dir: string;
  private readonly masterKey: Buffer;
  /** Master keys that still open key files during a master key rotation (the one before, or the next). */
  private readonly otherMasterKeys: readonly Buffer[];

  constructor(opts: { dir: string; masterKey: Buffer; otherMasterKeys?: readonly Buffer[] }) {
    for (const key of [opts.masterKey, ...(opts.otherMasterKeys ?? [])]) {
      if (key.length !== KEY_BYTES) throw new WeicheError(ErrorCode.CONFIG_INVALID, `master key must be ${KEY_BYTES} bytes`);
    }
    this.dir = opts.dir;
    this.masterKey = Buffer.from(opts.masterKey);
    this.otherMasterKeys = (opts.otherMasterKeys ?? []).map((k) => Buffer.from(k));
  }

  /** Returns the tenant's data key, creating (and durably storing) it on first use. */
  async dataKey(tenantId: string): Promise<Buffer> {
    const existing = await this.findDataKey(tenantId);
    if (existing) return existing;
    return this.create(tenantId);
  }

  /** Returns the tenant's data key, or undefined when none exists (never created, or destroyed). */
  async findDataKey(tenantId: string): Promise<Buffer | undefined> {
    assertTenantId(tenantId);
    let file: Buffer;
    try {
      file = await readFile(this.pathOf(tenantId));
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw storageUnavailable('read tenant key', error);
    }
    return this.unwrap(tenantId, file);
  }

  /** Erases the tenant's key file (overwritten first, then removed); a missing key is not an error. */
  async destroy(tenantId: string): Promise<void> {
    assertTenantId(tenantId);
    const path = this.pathOf(tenantId);
    try {
      const { size } = await stat(path);
      // overwrite before unlinking: a cheap extra against undelete tools (no guarantee on SSDs / CoW filesystems)
      const handle = await open(path, 'r+');
      try {
        await handle.write(randomBytes(size), 0, size, 0);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rm(path, { force: true });
      await fsyncDir(this.dir);
    } catch (error) {
      if (isMissing(error)) return;
      throw storageUnavailable('destroy tenant key', error);
    }
  }

  private pathOf(tenantId: string): string {
    return join(this.dir, `${tenantId}.key`);
  }

  /** Creates a key file atomically: write + fsync a temp file, then link() it, which fails if another process won. */
  private async create(tenantId: string): Promise<Buffer> {
    const key = randomBytes(KEY_BYTES);
    // wrapped under every master key this process knows: made in the middle of a rotation, it opens for all
    const file = encodeKeyFile(tenantId, key, [this.masterKey, ...this.otherMasterKeys]);
    const tmp = join(this.dir, `.${tenantId}.${randomUUID()}.tmp`);
    try {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      const handle = await open(tmp, 'wx', 0o600);
      try {
        await handle.write(file);
        await handle.sync();
      } finally {
        await handle.close();
      }
      try {
        await link(tmp, this.pathOf(tenantId));
      } catch (error) {
        if (!(typeof error === 'object' && error !== null && 'code' in error && error.code === 'EEXIST')) throw error;
        // another process created the key first: use theirs
        const winner = await this.findDataKey(tenantId);
        if (winner) return winner;
        throw error;
      }
      await fsyncDir(this.dir);
      return key;
    } catch (error) {
      throw storageUnavailable('create tenant key', error);
    } finally {
      await rm(tmp, { force: true }).catch(() => undefined);
    }
  }

  private unwrap(tenantId: string, file: Buffer): Buffer {
    return decodeKeyFile(tenantId, file, [this.masterKey, ...this.otherMasterKeys]);
  }

  /**
   * Master key rotation: rewrites every tenant key file so that it holds the data key wrapped under exactly
   * `wrapUnder` (e.g. [old, new] to prepare, [new] to finish), opening it with any master key this keyring
   * knows. Each file is replaced atomically (temp file, fsync, rename); data keys themselves never change,
   * so nothing encrypted with them is touched. Returns the tenant ids rewritten.
   */
  async rewrapAll(wrapUnder: readonly Buffer[]): Promise<string[]> {
    const names = await readdir(this.dir).catch((error: unknown) => {
      if (isMissing(error)) return [] as string[];
      throw storageUnavailable('list tenant keys', error);
    });
    const done: string[] = [];
    for (const name of names.sort()) {
      if (!name.endsWith('.key') || name.startsWith('.')) continue;
      const tenantId = name.slice(0, -'.key'.length);
      const key = await this.findDataKey(tenantId);
      if (!key) continue;
      const tmp = join(this.dir, `.${tenantId}.${randomUUID()}.tmp`);
      try {
        const handle = await open(tmp, 'wx', 0o600);
        try {
          await handle.write(encodeKeyFile(tenantId, key, wrapUnder));
          await handle.sync();
        } finally {
          await handle.close();
        }
        await rename(tmp, this.pathOf(tenantId));
      } finally {
        await rm(tmp, { force: true }).catch(() => undefined);
      }
      done.push(tenantId);
    }
    await fsyncDir(this.dir);
    return done;
  }
}
