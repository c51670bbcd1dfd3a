import { randomBytes } from 'node:crypto';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { WeicheConfig } from '@weiche/config';
import { ErrorCode, WeicheError } from '@weiche/core';
import { EvidenceKey, generateEvidenceKeyPem } from '@weiche/crypto';
import { evidenceKeyDir, loadEvidenceKeys } from './audit-evidence.js';

/**
 * Evidence key rotation (folder keys only; with audit.evidenceKeyFile the operator names the new file and
 * moves the old one to retiredEvidenceKeyFiles): a new key is added to <dataDir>/keys/evidence and `current`
 * is replaced atomically. Records and checkpoints name their kid and every key stays in the folder, so what
 * the old key made still verifies; each replica MACs with the new key from its next (rolling) restart.
 */
export async function rotateEvidenceKey(config: WeicheConfig): Promise<{ kid: string; previous: string }> {
  if (config.audit.evidenceKeyFile !== undefined) {
    throw new WeicheError(ErrorCode.BAD_REQUEST, 'audit.evidenceKeyFile is set: put the new key there and the old one into audit.retiredEvidenceKeyFiles');
  }
  const previous = (await loadEvidenceKeys(config, { create: false })).currentKid;
  const dir = evidenceKeyDir(config.dataDir);
  const pem = generateEvidenceKeyPem();
  const key = EvidenceKey.fromPrivatePem(pem);
  // key files first: `current` always names a key that is there
  await writeFile(join(dir, `${key.kid}.key.pem`), pem, { mode: 0o600, flag: 'wx' });
  await writeFile(join(dir, `${key.kid}.pub.pem`), key.publicPem(), { flag: 'wx' });
  const tmp = join(dir, `.current.${randomBytes(6).toString('hex')}`);
  await writeFile(tmp, `${key.kid}\n`);
  await rename(tmp, join(dir, 'current'));
  return { kid: key.kid, previous };
}
