import { ErrorCode, WeicheError } from '@weiche/core';
import { SHRED_STAGE } from '@weiche/journal';
import type { HubDeps } from '../context.js';

export type ShredDeps = Pick<HubDeps, 'keyring' | 'journal'>;

/**
 * Crypto-shredding (docs/adr/0006-data-lifecycle.md): destroys the tenant's data key, so everything the hub
 * stored encrypted with it — output packages, message box packages, plain XTA containers at rest — can no
 * longer be read by anyone, the hub included, while the audit chains (hashes, no content) still verify.
 * Key first, record second: a crash in between leaves the key gone and no record; running it again records it
 * (`keyExisted: false`). A tenant that keeps receiving submissions gets a new key for new data.
 */
export async function shredTenant(deps: ShredDeps, tenantId: string, actor: string): Promise<{ keyExisted: boolean }> {
  let keyExisted: boolean;
  try {
    keyExisted = (await deps.keyring.findDataKey(tenantId)) !== undefined;
  } catch (error) {
    // a key that no longer unwraps (another master key) is still a key file to destroy
    if (!(error instanceof WeicheError) || error.code !== ErrorCode.ENCRYPTION) throw error;
    keyExisted = true;
  }
  await deps.keyring.destroy(tenantId);
  await deps.journal.audit({ actor, stage: SHRED_STAGE, tenantId, details: { action: 'shred-tenant', tenantId, keyExisted, outcome: 'shredded' } });
  return { keyExisted };
}
