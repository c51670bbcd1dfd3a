import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ErrorCode, Secret, WeicheError } from '@weiche/core';
import { assertTenantId } from './tenant-id.js';
import type { TenantKeyring } from './tenant-keyring.js';

/** Text form: `wsec1.<iv>.<ciphertext>.<tag>` (base64url), AES-256-GCM under the tenant's data key. */
const PREFIX = 'wsec1';
const IV_BYTES = 12;

// AAD binds the sealed value to its tenant and to what it belongs to (e.g. a submission id), so a value
// copied to another row or tenant does not open.
function aad(tenantId: string, context: string): Buffer {
  return Buffer.from(`${tenantId}\u0000${context}`, 'utf8');
}

/**
 * Seals a small secret (a callback secret) with the tenant's data key, for storage in the database:
 * what a database reader sees is ciphertext; shredding the tenant's key makes it unreadable.
 */
export async function sealSecret(keyring: Pick<TenantKeyring, 'dataKey'>, tenantId: string, context: string, secret: string): Promise<string> {
  assertTenantId(tenantId);
  const key = await keyring.dataKey(tenantId);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad(tenantId, context));
  const ciphertext = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return [PREFIX, iv.toString('base64url'), ciphertext.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
}

/** Opens what sealSecret made; ENCRYPTION when it does not open (other tenant or context, tampered), NOT_FOUND when the tenant's key is gone. */
export async function openSecret(keyring: Pick<TenantKeyring, 'findDataKey'>, tenantId: string, context: string, sealed: string): Promise<Secret> {
  assertTenantId(tenantId);
  const [prefix, iv, ciphertext, tag, ...rest] = sealed.split('.');
  if (prefix !== PREFIX || !iv || ciphertext === undefined || !tag || rest.length > 0) {
    throw new WeicheError(ErrorCode.ENCRYPTION, 'sealed secret is malformed');
  }
  const key = await keyring.findDataKey(tenantId);
  if (!key) throw new WeicheError(ErrorCode.NOT_FOUND, `the data key of tenant ${tenantId} is gone (shredded): the secret cannot be opened`, { status: 410 });
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(aad(tenantId, context));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return new Secret(Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8'));
  } catch (error) {
    throw new WeicheError(ErrorCode.ENCRYPTION, 'sealed secret does not open (other tenant or context, or changed)', { cause: error });
  }
}
