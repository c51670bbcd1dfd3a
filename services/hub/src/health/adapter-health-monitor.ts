import { randomUUID } from 'node:crypto';
import { errorMessage } from '@weiche/core';
import { JournalQueries } from '@weiche/journal';
import type { HubDeps } from '../context.js';
import { withTimeout } from '../timeout.js';
import { AdapterHealthStore } from './adapter-health-store.js';

type AdapterInstance = HubDeps['config']['adapters'][number];

const ATTEMPT_BATCH = 5000;
const MAX_BATCHES_PER_PASS = 20;
/** On the very first pass the streaks are computed from this many of the newest attempts, not the whole history. */
const FIRST_PASS_ATTEMPTS = 10_000;
/** Longest a counting pass may hold its lock (a replica that died mid-pass frees it after this). */
const ATTEMPT_LOCK_MS = 60_000;

/** Calls the instance's health() (bounded by its timeout) and stores the result, unless another replica checks it this interval. */
export async function checkAdapter(deps: HubDeps, store: AdapterHealthStore, instance: AdapterInstance): Promise<boolean> {
  const adapter = deps.adapters.get(instance.id)?.adapter;
  if (!adapter) return false;
  // a little less than the interval, so the next tick of whichever replica may claim it again
  if (!(await store.claim(`check:${instance.id}`, Math.max(500, instance.health.intervalMs - 250)))) return false;
  let result: { ok: boolean; detail?: string | undefined };
  let thrown: unknown;
  try {
    result = await withTimeout(adapter.health(), instance.health.timeoutMs, 'health check');
  } catch (error) {
    thrown = error;
    result = { ok: false, detail: errorMessage(error) };
  }
  await store.recordCheck(instance.id, result);
  // the detail is the adapter's free text (a path, the far side's answer): the admin API shows it, the log names
  // the instance, its kind and, if the check threw, the error's facts
  if (!result.ok) deps.log.warn({ adapter: instance.id, adapterKind: instance.kind, ...(thrown === undefined ? {} : { err: thrown }) }, 'adapter health check failed');
  return true;
}

/**
 * Counts the delivery attempts the journal recorded since the last pass into per-instance streaks
 * (last success, last error, failed attempts in a row). Passes never overlap (a Redis lock, held at
 * most `lockMs`); the cursor moves in the same MULTI as the counts, so an attempt is counted once.
 */
export async function countDeliveryAttempts(store: AdapterHealthStore, queries: JournalQueries, lockMs: number): Promise<number> {
  const token = randomUUID();
  if (!(await store.claim('attempts', lockMs, token))) return 0;
  try {
    let cursor = await store.cursor();
    if (cursor === undefined) cursor = Math.max(0, (await queries.heads()).attemptId - FIRST_PASS_ATTEMPTS);
    let counted = 0;
    for (let i = 0; i < MAX_BATCHES_PER_PASS; i++) {
      const attempts = await queries.attemptsSince(cursor, ATTEMPT_BATCH);
      const last = attempts.at(-1);
      if (!last) break;
      cursor = last.id;
      await store.recordAttempts(attempts, cursor);
      counted += attempts.length;
      if (attempts.length < ATTEMPT_BATCH) break;
    }
    return counted;
  } finally {
    await store.release('attempts', token);
  }
}

/**
 * The dispatcher role's health watch: every adapter instance's health() on its own interval
 * (`adapters[].health.intervalMs`), and the journal's delivery attempts counted into streaks at the
 * shortest interval. Results live in Redis (AdapterHealthStore) for the admin API and metrics.
 */
export function startAdapterHealth(deps: HubDeps): { stop(): Promise<void> } {
  const store = new AdapterHealthStore(deps.redis, deps.config.redis.prefix);
  const queries = new JournalQueries({ pool: deps.pool, schema: deps.config.database.schema });
  const running = new Set<Promise<unknown>>();
  const run = (what: string, work: () => Promise<unknown>): void => {
    const p = work()
      .catch((error: unknown) => deps.log.warn({ err: error, what }, 'adapter health pass failed'))
      .finally(() => running.delete(p));
    running.add(p);
  };
  const timers: NodeJS.Timeout[] = [];
  for (const instance of deps.config.adapters) {
    run(`check ${instance.id}`, () => checkAdapter(deps, store, instance));
    timers.push(setInterval(() => run(`check ${instance.id}`, () => checkAdapter(deps, store, instance)), instance.health.intervalMs));
  }
  const shortest = Math.min(...deps.config.adapters.map((a) => a.health.intervalMs));
  if (Number.isFinite(shortest)) {
    const count = (): void => run('attempts', () => countDeliveryAttempts(store, queries, ATTEMPT_LOCK_MS));
    count();
    timers.push(setInterval(count, shortest));
  }
  return {
    async stop() {
      for (const timer of timers) clearInterval(timer);
      await Promise.all(running);
    },
  };
}
