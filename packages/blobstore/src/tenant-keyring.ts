import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import { link, mkdir, open, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode, WeicheError } from '@weiche/core';
import { fsyncDir } from './fsync-dir.js';
import { isMissing, storageUnavailable } from './storage-error.js';
import { assertTenantId } from './tenant-id.js';

/** Key file layout: 'WKK1' | 12-byte IV | 32-byte wrapped data key | 16-byte GCM tag. */
const MAGIC = Buffer.from('WKK1', 'ascii');
const IV_BYTES = 12;
const KEY_BYTES = 32;
const TAG_BYTES = 16;
const FILE_BYTES = MAGIC.length + IV_BYTES + KEY_BYTES + TAG_BYTES;

/**
 * Per-tenant data keys (AES-256), each wrapped with a master key (AES-256-GCM, AAD = tenant id, so a key
 * file copied to another tenant's name does not unwrap) and stored under <dir>/<tenantId>.key; created on
 * first use. destroy() erases the key = crypto-shredding of that tenant's outputs.
 * Keys are read from disk on every call (no cache), so a destroy() in one process holds in all others.
 */
export class TenantKeyring {
  private readonly dir: string;
  private readonly masterKey: Buffer;

  constructor(opts: { dir: string; masterKey: Buffer }) {
    if (opts.masterKey.length !== KEY_BYTES) {
      throw new WeicheError(ErrorCode.CONFIG_INVALID, `master key must be ${KEY_BYTES} bytes`);
    }
    this.dir = opts.dir;
    this.masterKey = Buffer.from(opts.masterKey);
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
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.masterKey, iv);
    cipher.setAAD(Buffer.from(tenantId, 'utf8'));
    const wrapped = Buffer.concat([cipher.update(key), cipher.final()]);
    const file = Buffer.concat([MAGIC, iv, wrapped, cipher.getAuthTag()]);
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
    if (file.length !== FILE_BYTES || !file.subarray(0, MAGIC.length).equals(MAGIC)) {
      throw new WeicheError(ErrorCode.ENCRYPTION, `key file of tenant ${tenantId} is malformed`);
    }
    const iv = file.subarray(MAGIC.length, MAGIC.length + IV_BYTES);
    const wrapped = file.subarray(MAGIC.length + IV_BYTES, MAGIC.length + IV_BYTES + KEY_BYTES);
    const tag = file.subarray(FILE_BYTES - TAG_BYTES);
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.masterKey, iv);
      decipher.setAAD(Buffer.from(tenantId, 'utf8'));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(wrapped), decipher.final()]);
    } catch (error) {
      throw new WeicheError(ErrorCode.ENCRYPTION, `key of tenant ${tenantId} does not unwrap (wrong master key?)`, {
        cause: error,
      });
    }
  }
}
