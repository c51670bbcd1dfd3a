import { Counter, Gauge, type Registry } from 'prom-client';
import type { HubDeps } from '../context.js';
import { UPSTREAM_FAILURE_KINDS } from '../upstreams/failure-kinds.js';
import { configuredUpstreams, upstreamStatuses } from '../upstreams/status.js';

/**
 * Upstream gauges, read from the journal at scrape time: the age of the oldest picked-up submission not yet
 * acknowledged upstream (FIT-Connect reports a submission not picked up after 3 days and auto-rejects it
 * after 14), and how many are older than `upstreamOverdueAfter` — alert on `weiche_upstream_overdue > 0` — and,
 * for XTA boxes, how many entries the last poll had to leave in the box (alert when it stays above 0), and whether
 * the last poll of each upstream failed (alert when it stays 1: nothing, or not everything, is being picked up),
 * and how many calls to each upstream failed, per kind of failure (failure-kinds.ts; rate() it for a graph), and
 * how often closes were sent again to XTA boxes that listed entries after their close, and how many such entries
 * the intermediary seems not to take the close of (alert when above 0).
 */
export function registerUpstreamMetrics(registry: Registry, deps: Pick<HubDeps, 'config' | 'upstreams'>): void {
  let reading: Promise<Awaited<ReturnType<typeof upstreamStatuses>>> | undefined;
  // the gauges of one scrape share one read
  const statuses = () => {
    reading ??= upstreamStatuses(deps).finally(() => setImmediate(() => (reading = undefined)));
    return reading;
  };
  new Gauge({
    name: 'weiche_upstream_oldest_unacknowledged_seconds',
    help: 'Age of the oldest upstream submission not yet acknowledged upstream (0 when none)',
    labelNames: ['upstream'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const s of await statuses()) this.set({ upstream: s.id }, s.oldestUnacknowledgedAgeSeconds ?? 0);
    },
  });
  new Gauge({
    name: 'weiche_upstream_overdue',
    help: 'Upstream submissions not accepted and older than upstreamOverdueAfter',
    labelNames: ['upstream'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const s of await statuses()) this.set({ upstream: s.id }, s.overdue);
    },
  });
  new Gauge({
    name: 'weiche_upstream_poll_failing',
    help: 'Whether the last finished poll of the upstream failed, wholly or for some submissions (1) or succeeded (0); the admin API shows its error',
    labelNames: ['upstream'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const s of await statuses()) this.set({ upstream: s.id }, s.lastPollFailed ? 1 : 0);
    },
  });
  new Counter({
    name: 'weiche_upstream_failures_total',
    help: 'Failed calls to the upstream per kind (connection, tls, auth, upstream-error, invalid-answer, too-large, other), counted in the journal by every poll of every replica',
    labelNames: ['upstream', 'kind'],
    registers: [registry],
    async collect() {
      this.reset();
      const ids = configuredUpstreams(deps.config).map((u) => u.id);
      const counts = await deps.upstreams.failureCounts(ids);
      // every kind from 0, so the first failure of a kind is an increase Prometheus sees
      for (const id of ids) for (const kind of UPSTREAM_FAILURE_KINDS) this.inc({ upstream: id, kind }, counts.get(id)?.[kind] ?? 0);
    },
  });
  new Gauge({
    name: 'weiche_upstream_waiting_upstream',
    help: 'Entries the last poll that read the list left upstream without taking them in (XTA message boxes)',
    labelNames: ['upstream'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const s of await statuses()) if (s.waitingUpstream !== undefined) this.set({ upstream: s.id }, s.waitingUpstream);
    },
  });
  new Counter({
    name: 'weiche_upstream_recloses_total',
    help: 'Closes sent again to an XTA box for entries it listed after their close (the intermediary lost or ignored it), counted in the journal',
    labelNames: ['upstream'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const s of await statuses()) if (s.kind === 'xta') this.inc({ upstream: s.id }, s.recloses);
    },
  });
  new Gauge({
    name: 'weiche_upstream_close_not_taken',
    help: 'XTA box entries closed again 5 times or more, the last time within two hours: the intermediary does not take their close',
    labelNames: ['upstream'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const s of await statuses()) if (s.kind === 'xta') this.set({ upstream: s.id }, s.closeNotTaken);
    },
  });
}
