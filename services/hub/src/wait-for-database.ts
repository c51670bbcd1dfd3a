import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type pg from 'pg';
import { ErrorCode, isWeicheError } from '@weiche/core';
import { migrate } from '@weiche/journal';

const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 10_000;

/**
 * Migrates the journal schema, waiting for PostgreSQL as long as it is unreachable: a process started
 * while the database is down (a restart during an outage, a pod scheduled before the database) keeps
 * retrying with a clear log line instead of exiting into a crash loop. Any other failure (a migration
 * that cannot apply, bad credentials) ends start-up at once.
 */
export async function migrateWhenReachable(pool: pg.Pool, schema: string, log: Logger, where: string): Promise<void> {
  let delayMs = FIRST_DELAY_MS;
  for (let attempt = 1; ; attempt += 1) {
    try {
      await migrate(pool, schema);
      if (attempt > 1) log.info({ database: where, attempts: attempt }, 'PostgreSQL reachable again: starting');
      return;
    } catch (error) {
      if (!isWeicheError(error) || error.code !== ErrorCode.STORAGE_UNAVAILABLE) throw error;
      log.warn({ database: where, attempt, retryInMs: delayMs, err: error }, 'PostgreSQL unreachable at start: waiting for it (not exiting)');
      await sleep(delayMs);
      delayMs = Math.min(delayMs * 2, MAX_DELAY_MS);
    }
  }
}
