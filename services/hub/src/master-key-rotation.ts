import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TenantKeyring } from '@weiche/blobstore';
import type { WeicheConfig } from '@weiche/config';
import { ErrorCode, WeicheError } from '@weiche/core';
import { decodeMasterKey, loadMasterKey } from './hub-keys.js';

/** The master key that wraps tenant data keys, and the other one that still opens them during a rotation. */
export interface MasterKeys {
  readonly current: Buffer;
  readonly others: readonly Buffer[];
}

const previousFile = (dataDir: string): string => join(dataDir, 'keys', 'master.previous.key');

async function readKeyFile(file: string): Promise<Buffer | undefined> {
  try {
    return decodeMasterKey(await readFile(file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * The master keys of this hub: `masterKey` from the config (with `previousMasterKey` during a rotation), else
 * <dataDir>/keys/master.key (created on first start) with master.previous.key during a rotation.
 */
export async function loadMasterKeys(config: Pick<WeicheConfig, 'dataDir' | 'masterKey' | 'previousMasterKey'>): Promise<MasterKeys> {
  const current = await loadMasterKey(config.dataDir, config.masterKey);
  const previous = config.masterKey ? (config.previousMasterKey ? decodeMasterKey(config.previousMasterKey.reveal()) : undefined) : await readKeyFile(previousFile(config.dataDir));
  return { current, others: previous && !previous.equals(current) ? [previous] : [] };
}

/** The tenant keyring of a hub: the current master key wraps new keys, the other one still opens. */
export function tenantKeyring(dataDir: string, keys: MasterKeys): TenantKeyring {
  return new TenantKeyring({ dir: join(dataDir, 'keys', 'tenants'), masterKey: keys.current, otherMasterKeys: keys.others });
}

export type MasterRotationResult = { step: 'started' | 'finished'; tenants: string[]; next: string };

/**
 * Master key rotation without downtime, in two steps (docs/key-rotation.md). Data keys never change; only
 * their wraps do, so no stored blob is touched.
 *
 * start: every tenant key file gets a second wrap under the new key, so processes with either key open
 *   every file. With a file master key the new key then replaces master.key (the old one kept as
 *   master.previous.key); with a configured key the operator sets masterKey = new, previousMasterKey = old.
 *   Then the replicas are restarted one by one.
 * finish (after every replica runs with the new key): each file keeps only the wrap under the new key, and
 *   the previous key is removed (file) or may be removed from the config.
 */
export async function rotateMasterKey(
  config: Pick<WeicheConfig, 'dataDir' | 'masterKey' | 'previousMasterKey'>,
  step: { start: { newKey?: Buffer } } | { finish: true },
): Promise<MasterRotationResult> {
  const keys = await loadMasterKeys(config);
  const keyring = tenantKeyring(config.dataDir, keys);
  const configured = config.masterKey !== undefined;
  if ('finish' in step) {
    const tenants = await keyring.rewrapAll([keys.current]);
    if (!configured) await rm(previousFile(config.dataDir), { force: true });
    return { step: 'finished', tenants, next: configured ? 'remove previousMasterKey from the configuration' : 'done' };
  }
  if (keys.others.length > 0) throw new WeicheError(ErrorCode.CONFLICT, 'a master key rotation is in progress: finish it first (weiche keys rotate master --finish)');
  if (configured && !step.start.newKey) throw new WeicheError(ErrorCode.BAD_REQUEST, 'the master key comes from the configuration: give the new one in WEICHE_NEW_MASTER_KEY (32 bytes, base64)');
  const next = step.start.newKey ?? randomBytes(32);
  if (next.length !== 32) throw new WeicheError(ErrorCode.BAD_REQUEST, 'the new master key must be 32 bytes');
  const tenants = await keyring.rewrapAll([keys.current, next]);
  if (configured) {
    return { step: 'started', tenants, next: 'set masterKey to the new key and previousMasterKey to the old one, restart every replica, then run weiche keys rotate master --finish' };
  }
  // the old key stays beside the new one; master.key is replaced atomically, so it always exists
  const dir = join(config.dataDir, 'keys');
  await writeFile(previousFile(config.dataDir), keys.current.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  const tmp = join(dir, `.master.${randomBytes(6).toString('hex')}.tmp`);
  await writeFile(tmp, next.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  await rename(tmp, join(dir, 'master.key'));
  return { step: 'started', tenants, next: 'restart every replica (one by one), then run weiche keys rotate master --finish' };
}
