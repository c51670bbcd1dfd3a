import { Worker, type Job } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { bullPrefix, PROCESS_QUEUE, type ProcessJob } from '@weiche/queue';
import { startAuditCheckpointer } from './audit-checkpointer.js';
import type { HubDeps } from './context.js';
import { deliveryWorker } from './dispatcher/delivery-worker.js';
import { startConfirmationInboxes } from './dms-confirmations/inbox-poller.js';
import { buildApp } from './gateway/app.js';
import { startAdapterHealth } from './health/adapter-health-monitor.js';
import { startHealthListener } from './health.js';
import { startRetention } from './lifecycle/run-retention.js';
import { processSubmission } from './processor/process-submission.js';
import { startJanitor, startOrphanBlobSweep } from './janitor.js';
import { startReconciler } from './reconciler.js';
import { runJob, type JobAttempts } from './worker-job.js';

// admin: the admin API alone (the gateway serves it too), for a separate operator endpoint
export const ROLES = ['gateway', 'processor', 'dispatcher', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Parses "all" or a comma-separated list of roles. */
export function parseRoles(value: string | undefined): Role[] {
  if (!value || value === 'all') return [...ROLES];
  const roles = value.split(',').map((r) => r.trim());
  for (const role of roles) {
    if (!(ROLES as readonly string[]).includes(role)) throw new Error(`unknown role "${role}" (use gateway, processor, dispatcher, admin or all)`);
  }
  return roles as Role[];
}

export interface RunningHub {
  readonly app?: FastifyInstance;
  readonly url?: string;
  /** The health listener of a worker-only process (server.healthPort). */
  readonly healthUrl?: string;
  close(): Promise<void>;
}

function attemptsOf(job: Job): JobAttempts {
  return { attemptsMade: job.attemptsMade, maxAttempts: job.opts.attempts ?? 1 };
}

function processorWorker(deps: HubDeps): Worker<ProcessJob> {
  const { concurrency, lockDurationMs } = deps.config.processing;
  return new Worker<ProcessJob>(PROCESS_QUEUE, (job, token) => runJob(job, token, () => processSubmission(job.data, deps, attemptsOf(job))), {
    connection: deps.redis,
    prefix: bullPrefix(deps.config.redis.prefix),
    concurrency,
    lockDuration: lockDurationMs,
    stalledInterval: lockDurationMs,
  });
}

/** Starts the given roles in this process; close() stops workers before queues and connections. */
export async function startRoles(deps: HubDeps, roles: readonly Role[]): Promise<RunningHub> {
  const workers: Worker[] = [];
  const stoppers: Array<() => Promise<void>> = [];
  let app: FastifyInstance | undefined;
  let url: string | undefined;
  const checkpointer = startAuditCheckpointer(deps);
  if (roles.includes('processor')) {
    workers.push(processorWorker(deps));
    const reconciler = startReconciler({ ...deps, processing: deps.config.processing });
    stoppers.push(() => reconciler.stop());
    const retention = startRetention(deps);
    stoppers.push(() => retention.stop());
    const janitor = startJanitor({ ...deps, processing: deps.config.processing }, { abandoned: true, unansweredPickups: true, adapterLeftovers: false });
    stoppers.push(() => janitor.stop());
    const orphans = startOrphanBlobSweep(deps);
    stoppers.push(() => orphans.stop());
    for (const channel of deps.channels.all()) {
      await channel.start?.();
      if (channel.stop) stoppers.push(() => channel.stop?.() ?? Promise.resolve());
    }
  }
  if (roles.includes('dispatcher')) {
    const workerDeps = { ...deps, redisPrefix: deps.config.redis.prefix, lockDurationMs: deps.config.processing.lockDurationMs };
    for (const instance of deps.adapters.values()) {
      await instance.adapter.start?.();
      workers.push(deliveryWorker(workerDeps, instance).worker);
    }
    const inboxes = startConfirmationInboxes(deps);
    stoppers.push(() => inboxes.stop());
    const health = startAdapterHealth(deps);
    stoppers.push(() => health.stop());
    // the dispatcher's hosts are the ones that see the adapters' folders
    const janitor = startJanitor({ ...deps, processing: deps.config.processing }, { abandoned: false, unansweredPickups: false, adapterLeftovers: true });
    stoppers.push(() => janitor.stop());
  }
  for (const worker of workers) {
    // a Redis outage makes every worker report each reconnect: told once (redis-outage.ts)
    worker.on('error', (error) => deps.redisOutage.workerError(worker.name, error));
    // by its facts, not its words: a delivery's error is an adapter's text (file names, a far side's answer); the journal keeps that
    worker.on('failed', (job, error) => deps.log.info({ queue: worker.name, jobId: job?.id, attempts: job?.attemptsMade, err: error }, 'job attempt failed'));
    worker.on('completed', (job) => deps.log.debug({ queue: worker.name, jobId: job.id }, 'job completed'));
  }
  if (roles.includes('gateway') || roles.includes('admin')) {
    app = await buildApp(deps, { sender: roles.includes('gateway') });
    url = await app.listen({ host: deps.config.server.host, port: deps.config.server.port });
  }
  let draining = false;
  // processes without an HTTP role still answer the orchestrator's probes, on their own port
  const health =
    !app && deps.config.server.healthPort !== undefined
      ? await startHealthListener(deps, {
          host: deps.config.server.host,
          port: deps.config.server.healthPort,
          workersRunning: () => workers.every((w) => w.isRunning()),
          draining: () => draining,
        })
      : undefined;
  return {
    ...(app ? { app } : {}),
    ...(url ? { url } : {}),
    ...(health ? { healthUrl: health.url } : {}),
    async close() {
      draining = true;
      if (app) await app.close();
      for (const stop of stoppers) await stop();
      await Promise.all(workers.map((w) => w.close()));
      for (const instance of deps.adapters.values()) await instance.adapter.stop?.();
      await health?.app.close();
      // last: seals what the workers appended before they stopped
      await checkpointer.stop();
    },
  };
}
