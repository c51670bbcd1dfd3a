import { Gauge, type Registry } from 'prom-client';
import type { z } from 'zod';
import type { HubDeps } from '../context.js';
import { adapterHealthOf } from './adapter-health-view.js';
import type * as S from './api-schemas.js';

type Health = z.input<typeof S.AdapterHealth>;

/** How long one read of every instance's health serves the gauges: the four of one scrape collect concurrently. */
const SNAPSHOT_MS = 1000;

/**
 * Adapter health gauges, read from the shared health store at scrape time: the verdict (1 healthy),
 * the last health() result, failed delivery attempts in a row, and the time of the last successful delivery.
 */
export function registerHealthMetrics(registry: Registry, deps: HubDeps): void {
  let snapshot: { at: number; health: Promise<Array<[string, Health]>> } | undefined;
  const healthOfAll = (): Promise<Array<[string, Health]>> => {
    if (!snapshot || Date.now() - snapshot.at > SNAPSHOT_MS) {
      snapshot = { at: Date.now(), health: Promise.all(deps.config.adapters.map(async (a) => [a.id, await adapterHealthOf(deps, a)] as [string, Health])) };
    }
    return snapshot.health;
  };
  const gauge = (name: string, help: string, value: (h: Health) => number | undefined): void => {
    new Gauge({
      name,
      help,
      labelNames: ['adapter'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const [adapter, h] of await healthOfAll()) {
          const v = value(h);
          if (v !== undefined) this.set({ adapter }, v);
        }
      },
    });
  };
  gauge('weiche_adapter_healthy', 'Adapter instance verdict: 1 healthy, 0 degraded, failing or unknown', (h) => (h.verdict === 'healthy' ? 1 : 0));
  gauge('weiche_adapter_health_check_up', "1 when the adapter instance's last health() passed, 0 when it failed (absent before the first check)", (h) => (h.check ? Number(h.check.ok) : undefined));
  gauge('weiche_adapter_delivery_failure_streak', 'Failed delivery attempts in a row per adapter instance', (h) => h.deliveries.failureStreak);
  gauge('weiche_adapter_last_success_timestamp_seconds', 'Unix time of the last successful delivery per adapter instance (absent before the first)', (h) =>
    h.deliveries.lastSuccessAt ? Date.parse(h.deliveries.lastSuccessAt) / 1000 : undefined,
  );
}
