import { Gauge, type Registry } from 'prom-client';
import type { JournalQueries } from '@weiche/journal';
import type { HubDeps } from '../context.js';

/**
 * Relay destination gauges (docs/relay-destinations.md), read from the journal at scrape time: per relay destination,
 * the submissions waiting for their subscriber to pick them up and answer, and how long ago the oldest was submitted.
 * They stand in for FIT-Connect's reminder mails to a destination's operator (after 3 and 9 days without pickup),
 * which are no event of the Submission API: deploy/prometheus/alerts.yml alerts at the same shares (3/14 and 9/14) of
 * the configured retention, which is exported for that so the alerts fit a retention shorter than FIT-Connect's 14 days.
 */
export function registerRelayMetrics(registry: Registry, deps: Pick<HubDeps, 'config' | 'channels'>, queries: Pick<JournalQueries, 'waitingForPickup'>): void {
  let reading: Promise<Map<string, { count: number; oldestSubmittedAt: Date }>> | undefined;
  // the gauges of one scrape share one read
  const waiting = () => {
    reading ??= read().finally(() => setImmediate(() => (reading = undefined)));
    return reading;
  };
  const read = async () => {
    const byDestination = new Map<string, { count: number; oldestSubmittedAt: Date }>();
    for (const channel of deps.channels.all().filter((c) => c.awaitsPickup === true)) {
      for (const w of await queries.waitingForPickup(channel.name)) byDestination.set(w.destinationId, w);
    }
    return byDestination;
  };
  // every relay destination has a sample, 0 while nothing waits: an alert sees a destination that never had one
  const relayDestinations = deps.config.destinations.filter((d) => d.relay !== undefined).map((d) => d.id);
  new Gauge({
    name: 'weiche_relay_waiting',
    help: 'Submissions of a relay destination waiting for its subscriber to pick them up and answer',
    labelNames: ['destination'],
    registers: [registry],
    async collect() {
      this.reset();
      const now = await waiting();
      for (const id of relayDestinations) this.set({ destination: id }, now.get(id)?.count ?? 0);
    },
  });
  new Gauge({
    name: 'weiche_relay_oldest_waiting_seconds',
    help: 'Time since the submit of the oldest submission of a relay destination its subscriber has not answered (0 when none); rejected as not picked up at processing.relayRetentionMs',
    labelNames: ['destination'],
    registers: [registry],
    async collect() {
      this.reset();
      const now = await waiting();
      for (const id of relayDestinations) {
        const oldest = now.get(id)?.oldestSubmittedAt;
        this.set({ destination: id }, oldest ? Math.max(0, (Date.now() - oldest.getTime()) / 1000) : 0);
      }
    },
  });
  new Gauge({
    name: 'weiche_relay_retention_seconds',
    help: 'processing.relayRetentionMs in seconds: a relay submission its subscriber has not answered this long after submit is rejected as not picked up',
    registers: [registry],
  }).set(deps.config.processing.relayRetentionMs / 1000);
}
