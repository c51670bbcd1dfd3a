import { ensureAuditPartitions, MAX_CHAINS_PER_CHECKPOINT, writeCheckpoint } from '@weiche/journal';
import type { HubDeps } from './context.js';
import { runPeriodically } from './periodic.js';

type CheckpointDeps = Pick<HubDeps, 'config' | 'log' | 'pool' | 'evidence' | 'auditLog'>;

const DAY_MS = 24 * 3600 * 1000;

/**
 * Seals every chain that changed since the last checkpoint; several checkpoints in a row when more chains
 * changed than one holds. Returns how many it wrote (0 when nothing changed or another process is writing).
 */
export async function checkpointNow(deps: CheckpointDeps): Promise<number> {
  let written = 0;
  for (;;) {
    const result = await writeCheckpoint({ pool: deps.pool, schema: deps.config.database.schema, keys: deps.evidence, log: deps.auditLog });
    if (!result) return written;
    written += 1;
    deps.log.info({ checkpoint: result.no, chains: result.chains, records: result.records, kid: result.kid }, 'audit checkpoint written');
    if (result.chains < MAX_CHAINS_PER_CHECKPOINT) return written;
  }
}

/**
 * Runs in every hub process: a checkpoint every `audit.checkpointIntervalMs` (the advisory lock lets one
 * process write at a time; the others find nothing left to seal), audit partitions created ahead once a day,
 * and a last checkpoint on stop, after the workers are closed, so a clean shutdown leaves nothing unanchored.
 */
export function startAuditCheckpointer(deps: CheckpointDeps): { stop(): Promise<void> } {
  let partitionsAt = Date.now();
  const pass = async (): Promise<void> => {
    try {
      if (Date.now() - partitionsAt > DAY_MS) {
        await ensureAuditPartitions(deps.pool, deps.config.database.schema);
        partitionsAt = Date.now();
      }
      await checkpointNow(deps);
    } catch (error) {
      deps.log.warn({ err: error }, 'audit checkpoint failed; retrying at the next interval');
    }
  };
  return runPeriodically(pass, deps.config.audit.checkpointIntervalMs, { passOnStop: true, unref: true });
}
