import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WriteOnceFiles } from '@weiche/blobstore';
import type { WeicheConfig } from '@weiche/config';
import { ErrorCode, WeicheError } from '@weiche/core';
import { EvidenceKey, EvidenceKeyring, generateEvidenceKeyPem } from '@weiche/crypto';
import { bindAuditKeys, ensureAuditPartitions } from '@weiche/journal';
import type { Pool } from 'pg';

const KEY_SUFFIX = '.key.pem';

/** Where the hub keeps its evidence keys when the config names none: `<kid>.key.pem`, `<kid>.pub.pem` and `current`. */
export function evidenceKeyDir(dataDir: string): string {
  return join(dataDir, 'keys', 'evidence');
}

/** The append-only checkpoint log: the blob store's own prefix `audit-checkpoints/`. */
export function auditCheckpointLog(config: WeicheConfig): WriteOnceFiles {
  return new WriteOnceFiles({ dir: join(config.dataDir, 'blobs', 'audit-checkpoints') });
}

async function readKey(file: string): Promise<EvidenceKey> {
  let pem: string;
  try {
    pem = await readFile(file, 'utf8');
  } catch (error) {
    throw new WeicheError(ErrorCode.CONFIG_INVALID, `evidence key ${file} cannot be read`, { cause: error });
  }
  return EvidenceKey.fromPrivatePem(pem);
}

/**
 * The evidence key ring. With `audit.evidenceKeyFile` in the config: that key is current and
 * `audit.retiredEvidenceKeyFiles` are the older ones. Otherwise the folder <dataDir>/keys/evidence: `current`
 * names the kid of the current key and every other `<kid>.key.pem` there is retired (a rotation adds a key
 * and rewrites `current`). With `create`, the first start makes the first key; several processes starting at
 * once agree on one (the `current` file is created exclusively).
 */
export async function loadEvidenceKeys(config: WeicheConfig, opts: { create: boolean }): Promise<EvidenceKeyring> {
  const retired = await Promise.all(config.audit.retiredEvidenceKeyFiles.map(readKey));
  if (config.audit.evidenceKeyFile !== undefined) return new EvidenceKeyring(await readKey(config.audit.evidenceKeyFile), retired);

  const dir = evidenceKeyDir(config.dataDir);
  let current = await readFile(join(dir, 'current'), 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (current === undefined) {
    if (!opts.create) throw new WeicheError(ErrorCode.CONFIG_INVALID, `no evidence key in ${dir} (the hub creates one on first start; or set audit.evidenceKeyFile)`);
    current = await createFirstKey(dir);
  }
  const kid = current.trim();
  const keys = await Promise.all((await readdir(dir)).filter((f) => f.endsWith(KEY_SUFFIX)).map((f) => readKey(join(dir, f))));
  const currentKey = keys.find((k) => k.kid === kid);
  if (!currentKey) throw new WeicheError(ErrorCode.CONFIG_INVALID, `${join(dir, 'current')} names key ${kid}, but ${kid}${KEY_SUFFIX} is not there`);
  return new EvidenceKeyring(currentKey, [...retired, ...keys.filter((k) => k.kid !== kid)]);
}

async function createFirstKey(dir: string): Promise<string> {
  const pem = generateEvidenceKeyPem();
  const key = EvidenceKey.fromPrivatePem(pem);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // key files first: a `current` on disk always names a key that is there
  await writeFile(join(dir, `${key.kid}${KEY_SUFFIX}`), pem, { mode: 0o600, flag: 'wx' });
  await writeFile(join(dir, `${key.kid}.pub.pem`), key.publicPem(), { flag: 'wx' });
  try {
    await writeFile(join(dir, 'current'), `${key.kid}\n`, { flag: 'wx' });
    return key.kid;
  } catch (error) {
    // another process created the first key at the same moment: use theirs (ours stays as a harmless spare)
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return readFile(join(dir, 'current'), 'utf8');
  }
}

/**
 * Everything the audit chain needs in a hub process: the evidence keys (created on first start), bound to
 * the journal's schema so every append MACs with them, this month's and the next partitions, and the log.
 */
export async function prepareAuditEvidence(config: WeicheConfig, pool: Pool): Promise<{ evidence: EvidenceKeyring; auditLog: WriteOnceFiles }> {
  const evidence = await loadEvidenceKeys(config, { create: true });
  bindAuditKeys(config.database.schema, evidence);
  await ensureAuditPartitions(pool, config.database.schema);
  return { evidence, auditLog: auditCheckpointLog(config) };
}
