import { Gauge, type Registry } from 'prom-client';
import type { HubDeps } from '../context.js';
import { readiness } from '../readiness.js';

/**
 * Readiness as a metric, for the "not ready" alert: the same checks as `GET /readyz`, read at scrape
 * time. A process whose PostgreSQL or Redis hangs may not finish the scrape at all; that shows as
 * `up == 0`, which the alert rules watch too.
 */
export function registerReadinessMetrics(registry: Registry, deps: Pick<HubDeps, 'journal' | 'blobs' | 'redis'>): void {
  // both gauges collect in one scrape: one round of probes serves them
  let pending: ReturnType<typeof readiness> | undefined;
  const probe = (): ReturnType<typeof readiness> => {
    pending ??= readiness(deps).finally(() => {
      pending = undefined;
    });
    return pending;
  };
  new Gauge({
    name: 'weiche_ready',
    help: '1 when this process is ready (PostgreSQL, blob store and Redis answer within 2 s), else 0',
    registers: [registry],
    async collect() {
      this.set((await probe()).ready ? 1 : 0);
    },
  });
  new Gauge({
    name: 'weiche_readiness_check',
    help: 'Per backing service of the readiness check: 1 answered within 2 s, 0 did not',
    labelNames: ['check'],
    registers: [registry],
    async collect() {
      for (const [check, status] of Object.entries((await probe()).checks)) this.set({ check }, status === 'ok' ? 1 : 0);
    },
  });
}
