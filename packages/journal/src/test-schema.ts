import { randomBytes, randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pool } from 'pg';
import { WriteOnceFiles } from '@weiche/blobstore';
import { EvidenceKey, EvidenceKeyring, generateEvidenceKeyPem } from '@weiche/crypto';
import { writeCheckpoint, type CheckpointSummary } from './audit-checkpoint.js';
import { bindAuditKeys } from './audit-keys.js';
import { verifyAudit, type AuditVerdict, type VerifyAuditOptions } from './audit-verify.js';
import { createPool } from './create-pool.js';
import type { Journal } from './journal.js';
import { migrate } from './migrate.js';

export interface TestDatabase {
  pool: Pool;
  schema: string;
  url: string;
  /** The evidence keys bound to the schema, as the hub binds its own at start. */
  keys: EvidenceKeyring;
  /** The checkpoint log: a real folder of write-once files, as under the hub's blob store. */
  log: WriteOnceFiles;
  checkpoint(opts?: { prunedBefore?: Date }): Promise<CheckpointSummary | undefined>;
  verify(opts?: Partial<VerifyAuditOptions>): Promise<AuditVerdict>;
  /** Applies the migrations to the schema (once; later calls share the first). */
  migrate(): Promise<void>;
  /** A store (Journal, JournalQueries, CallbackStore, …) on this pool and schema; constructing one runs no query. */
  store<T>(Store: new (opts: { pool: Pool; schema: string }) => T): T;
  drop(): Promise<void>;
}

/** For tests: a pool on DATABASE_URL (or the local default), a fresh schema `t_<random>` with its own evidence key and checkpoint folder. */
export function testDatabase(): TestDatabase {
  const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const pool = createPool(url, { max: 12 });
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const keys = new EvidenceKeyring(EvidenceKey.fromPrivatePem(generateEvidenceKeyPem()));
  const log = new WriteOnceFiles({ dir: join(tmpdir(), `weiche-${schema}`, 'audit-checkpoints') });
  bindAuditKeys(schema, keys);
  let migrated: Promise<void> | undefined;
  return {
    pool,
    schema,
    url,
    keys,
    log,
    checkpoint: (opts = {}) => writeCheckpoint({ pool, schema, keys, log, ...opts }),
    verify: (opts = {}) => verifyAudit({ pool, schema, keys, log, ...opts }),
    migrate: () => (migrated ??= migrate(pool, schema).then(() => undefined)),
    store: (Store) => new Store({ pool, schema }),
    drop: async () => {
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await pool.end();
      await rm(join(tmpdir(), `weiche-${schema}`), { recursive: true, force: true });
    },
  };
}

/** For tests: a submission of tenant `stadt-a` on a made-up channel with the given channel metadata; returns its id. */
export async function testSubmission(journal: Journal, channelMeta: unknown, state: 'CREATED' | 'RECEIVED' = 'RECEIVED'): Promise<string> {
  const submissionId = randomUUID();
  await journal.createSubmission({ submissionId, tenantId: 'stadt-a', channel: 'test-channel', channelRef: submissionId, channelMeta, serviceIdentifier: 'urn:test:service', state, actor: 'test' });
  return submissionId;
}
