import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { ErrorCode, WeicheError } from '@weiche/core';

/**
 * A tenant key file: the tenant's data key wrapped under one or more master keys (AES-256-GCM, AAD = tenant
 * id, so a file copied to another tenant's name does not unwrap). Several wraps exist only during a master
 * key rotation: every process, with the old master key or the new one, opens the same file.
 *
 *   WKK1 (first format, one wrap): 'WKK1' | 12-byte IV | 32-byte wrapped key | 16-byte tag
 *   WKK2: 'WKK2' | count (1 byte) | count × (8-byte master key id | 12-byte IV | 32-byte wrapped key | 16-byte tag)
 */
const V1 = Buffer.from('WKK1', 'ascii');
const V2 = Buffer.from('WKK2', 'ascii');
const ID_BYTES = 8;
const IV_BYTES = 12;
const KEY_BYTES = 32;
const TAG_BYTES = 16;
const WRAP_BYTES = IV_BYTES + KEY_BYTES + TAG_BYTES;
const V1_BYTES = V1.length + WRAP_BYTES;

interface Wrap {
  /** Id of the master key that made it; undefined for a WKK1 file (any master key is tried). */
  readonly masterId: Buffer | undefined;
  readonly wrap: Buffer;
}

/** The public id of a master key (a hash prefix: it names the key without revealing it). */
export function masterKeyId(masterKey: Buffer): Buffer {
  return createHash('sha256').update('weiche-master-key-id').update(masterKey).digest().subarray(0, ID_BYTES);
}

function malformed(tenantId: string): WeicheError {
  return new WeicheError(ErrorCode.ENCRYPTION, `key file of tenant ${tenantId} is malformed`);
}

function readWraps(tenantId: string, file: Buffer): Wrap[] {
  if (file.length === V1_BYTES && file.subarray(0, V1.length).equals(V1)) return [{ masterId: undefined, wrap: file.subarray(V1.length) }];
  if (file.length < V2.length + 1 || !file.subarray(0, V2.length).equals(V2)) throw malformed(tenantId);
  const count = file[V2.length] ?? 0;
  const entry = ID_BYTES + WRAP_BYTES;
  if (count === 0 || file.length !== V2.length + 1 + count * entry) throw malformed(tenantId);
  return Array.from({ length: count }, (_, i) => {
    const start = V2.length + 1 + i * entry;
    return { masterId: file.subarray(start, start + ID_BYTES), wrap: file.subarray(start + ID_BYTES, start + entry) };
  });
}

function wrapKey(tenantId: string, masterKey: Buffer, dataKey: Buffer): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', masterKey, iv);
  cipher.setAAD(Buffer.from(tenantId, 'utf8'));
  const wrapped = Buffer.concat([cipher.update(dataKey), cipher.final()]);
  return Buffer.concat([masterKeyId(masterKey), iv, wrapped, cipher.getAuthTag()]);
}

/** A key file holding `dataKey` wrapped under each of the master keys. */
export function encodeKeyFile(tenantId: string, dataKey: Buffer, masterKeys: readonly Buffer[]): Buffer {
  if (masterKeys.length === 0 || masterKeys.length > 255) throw new WeicheError(ErrorCode.INTERNAL, 'a key file needs 1 to 255 master keys');
  return Buffer.concat([V2, Buffer.from([masterKeys.length]), ...masterKeys.map((m) => wrapKey(tenantId, m, dataKey))]);
}

/** Unwraps the data key with whichever of the master keys the file has a wrap for; ENCRYPTION when none fits. */
export function decodeKeyFile(tenantId: string, file: Buffer, masterKeys: readonly Buffer[]): Buffer {
  const wraps = readWraps(tenantId, file);
  for (const masterKey of masterKeys) {
    const id = masterKeyId(masterKey);
    for (const { masterId, wrap } of wraps) {
      if (masterId && !masterId.equals(id)) continue;
      try {
        const decipher = createDecipheriv('aes-256-gcm', masterKey, wrap.subarray(0, IV_BYTES));
        decipher.setAAD(Buffer.from(tenantId, 'utf8'));
        decipher.setAuthTag(wrap.subarray(IV_BYTES + KEY_BYTES));
        return Buffer.concat([decipher.update(wrap.subarray(IV_BYTES, IV_BYTES + KEY_BYTES)), decipher.final()]);
      } catch {
        // a WKK1 wrap made by another master key, or a changed file: try the next
      }
    }
  }
  throw new WeicheError(ErrorCode.ENCRYPTION, `key of tenant ${tenantId} does not unwrap (wrong master key?)`);
}

/** Ids of the master keys a file has wraps for (undefined for a WKK1 file). */
export function wrappedFor(tenantId: string, file: Buffer): Array<string | undefined> {
  return readWraps(tenantId, file).map((w) => w.masterId?.toString('hex'));
}
