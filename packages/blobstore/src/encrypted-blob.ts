import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { pipeline } from 'node:stream';
import { ErrorCode, WeicheError } from '@weiche/core';
import { chunksOf, type ByteSource } from './byte-source.js';
import type { BlobRef, FsBlobStore } from './fs-blob-store.js';
import { assertTenantId } from './tenant-id.js';
import type { TenantKeyring } from './tenant-keyring.js';

/** Format: 'WCH1' magic | 12-byte IV | AES-256-GCM ciphertext | 16-byte tag; AAD = tenant id. */
const MAGIC = Buffer.from('WCH1', 'ascii');
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = MAGIC.length + IV_BYTES;

function tenantAad(tenantId: string): Buffer {
  return Buffer.from(tenantId, 'utf8');
}

/** Encrypts a plaintext stream with the tenant's data key into the store (bounded memory); returns both hashes. */
export async function putEncrypted(
  store: FsBlobStore,
  keyring: TenantKeyring,
  tenantId: string,
  plaintext: ByteSource,
): Promise<BlobRef & { plaintextSha256: string }> {
  assertTenantId(tenantId);
  const key = await keyring.dataKey(tenantId);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(tenantAad(tenantId));
  const plainHash = createHash('sha256');
  async function* ciphertext(): AsyncGenerator<Uint8Array> {
    yield Buffer.concat([MAGIC, iv]);
    for await (const chunk of chunksOf(plaintext)) {
      plainHash.update(chunk);
      const out = cipher.update(chunk);
      if (out.length > 0) yield out;
    }
    const last = cipher.final();
    if (last.length > 0) yield last;
    yield cipher.getAuthTag();
  }
  const ref = await store.put(ciphertext());
  return { ...ref, plaintextSha256: plainHash.digest('hex') };
}

async function readRange(store: FsBlobStore, key: string, start: number, end: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of store.get(key, { start, end }) as AsyncIterable<Buffer>) parts.push(chunk);
  return Buffer.concat(parts);
}

/**
 * Decrypts as a stream (the file size separates the trailing tag). GCM releases plaintext before the
 * tag is checked, so the stream errors at its end if the tag does not verify: consumers must treat the
 * data as untrusted until 'end'. NOT_FOUND when the blob is missing; NOT_FOUND (410) when the tenant's key is destroyed.
 */
export async function getDecrypted(
  store: FsBlobStore,
  keyring: TenantKeyring,
  tenantId: string,
  key: string,
): Promise<NodeJS.ReadableStream> {
  assertTenantId(tenantId);
  const size = await store.size(key);
  if (size < HEADER_BYTES + TAG_BYTES) {
    throw new WeicheError(ErrorCode.ENCRYPTION, `blob ${key} is too short to be encrypted`);
  }
  const header = await readRange(store, key, 0, HEADER_BYTES - 1);
  if (!header.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new WeicheError(ErrorCode.ENCRYPTION, `blob ${key} is not in the WCH1 format`);
  }
  const tag = await readRange(store, key, size - TAG_BYTES, size - 1);
  // findDataKey, not dataKey: reading must not recreate a destroyed (crypto-shredded) key
  const dataKey = await keyring.findDataKey(tenantId);
  if (!dataKey) {
    throw new WeicheError(ErrorCode.NOT_FOUND, `no data key for tenant ${tenantId} (destroyed or never created)`, {
      status: 410,
    });
  }
  const decipher = createDecipheriv('aes-256-gcm', dataKey, header.subarray(MAGIC.length));
  decipher.setAAD(tenantAad(tenantId));
  decipher.setAuthTag(tag);
  if (size === HEADER_BYTES + TAG_BYTES) {
    // empty plaintext: createReadStream cannot express an empty range, so only the tag is checked
    decipher.end();
    return decipher;
  }
  const body = store.get(key, { start: HEADER_BYTES, end: size - TAG_BYTES - 1 });
  // pipeline destroys every stream with the first error, so a read failure also errors the returned stream
  pipeline(body, decipher, () => undefined);
  return decipher;
}
