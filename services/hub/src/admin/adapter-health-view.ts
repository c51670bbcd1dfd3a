import type { z } from 'zod';
import type { HubDeps } from '../context.js';
import { AdapterHealthStore } from '../health/adapter-health-store.js';
import { healthVerdict } from '../health/adapter-health-verdict.js';
import type * as S from './api-schemas.js';
import { circuitOf } from './queue-status.js';

type AdapterInstance = HubDeps['config']['adapters'][number];

/** The health of an adapter instance as the admin API and metrics show it: stored results, circuit and verdict. */
export async function adapterHealthOf(deps: HubDeps, instance: AdapterInstance, now = Date.now()): Promise<z.input<typeof S.AdapterHealth>> {
  const store = new AdapterHealthStore(deps.redis, deps.config.redis.prefix);
  const [record, circuit] = await Promise.all([store.read(instance.id), circuitOf(deps, instance)]);
  const { verdict, reasons } = healthVerdict(record, circuit, { failureThreshold: instance.circuit.failureThreshold, intervalMs: instance.health.intervalMs }, now);
  const iso = (d: Date | null): string | null => d?.toISOString() ?? null;
  return {
    verdict,
    reasons,
    check: record.check ? { ...record.check, at: record.check.at.toISOString(), lastOkAt: iso(record.check.lastOkAt) } : null,
    deliveries: { ...record.deliveries, lastSuccessAt: iso(record.deliveries.lastSuccessAt), lastErrorAt: iso(record.deliveries.lastErrorAt) },
  };
}
