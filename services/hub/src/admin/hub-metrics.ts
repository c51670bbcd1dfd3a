import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { JournalQueries } from '@weiche/journal';
import type { HubDeps } from '../context.js';
import { registerHealthMetrics } from './health-metrics.js';
import { registerProcessMetrics } from './process-metrics.js';
import { circuitOf, jobCounts, oldestWaitingAgeMs } from './queue-status.js';
import { registerRelayMetrics } from './relay-metrics.js';
import { registerUpstreamMetrics } from './upstream-metrics.js';

const BATCH = 5000;
const MAX_BATCHES_PER_SCRAPE = 20;
const CIRCUIT_VALUE = { closed: 0, 'half-open': 1, open: 2 } as const;

/**
 * Prometheus metrics of the hub. Stage counters and latencies are derived from the journal, not
 * counted in the workers: each scrape reads the audit records and delivery attempts appended since
 * the last one (the audit chain is append-only and ordered by seq, so nothing is counted twice) and
 * feeds them into ordinary counters and histograms. That counts every transition of every process
 * (gateway, processors, dispatchers on other hosts) without touching their code; counters start at
 * the journal head when this process starts, like any Prometheus counter after a restart. Scrape one
 * admin instance per journal, or aggregate with max() — each instance counts the same journal.
 * Queue depths, circuit states and dead letters are read at scrape time. The metrics of this process
 * alone (registerProcessMetrics) are what worker-only processes serve on their health listener.
 */
export class HubMetrics {
  private auditSeq: number | undefined;
  private attemptId: number | undefined;
  private catching: Promise<void> = Promise.resolve();
  private readonly transitions: Counter<'stage' | 'to_state'>;
  private readonly durations: Histogram<'stage'>;
  private readonly attempts: Counter<'adapter' | 'outcome'>;
  private readonly deliveryDurations: Histogram<'adapter' | 'outcome'>;

  constructor(
    deps: HubDeps,
    private readonly queries: JournalQueries,
    readonly registry: Registry = new Registry(),
  ) {
    const registers = [this.registry];
    registerProcessMetrics(this.registry, deps);
    this.transitions = new Counter({
      name: 'weiche_journal_records_total',
      help: 'Journal (audit) records per stage and resulting state; to_state "" for records that are no state change',
      labelNames: ['stage', 'to_state'],
      registers,
    });
    this.durations = new Histogram({
      name: 'weiche_stage_duration_seconds',
      help: "Time from a submission's previous journal record to this stage's record",
      labelNames: ['stage'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 86_400],
      registers,
    });
    this.attempts = new Counter({ name: 'weiche_delivery_attempts_total', help: 'Delivery attempts per adapter instance and outcome', labelNames: ['adapter', 'outcome'], registers });
    this.deliveryDurations = new Histogram({
      name: 'weiche_delivery_duration_seconds',
      help: 'Time adapter.deliver took per attempt, per adapter instance and outcome (success, transient, permanent)',
      labelNames: ['adapter', 'outcome'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers,
    });
    const queues = (): Array<{ name: string; queue: Parameters<typeof jobCounts>[0] }> => [
      { name: 'process', queue: deps.queues.process },
      ...deps.config.adapters.map((a) => ({ name: `deliver:${a.id}`, queue: deps.queues.deliverQueue(a.id) })),
    ];
    new Gauge({
      name: 'weiche_queue_jobs',
      help: 'Jobs per queue and BullMQ state',
      labelNames: ['queue', 'state'],
      registers,
      async collect() {
        this.reset();
        for (const { name, queue } of queues()) {
          for (const [state, n] of Object.entries(await jobCounts(queue))) this.set({ queue: name, state }, n);
        }
      },
    });
    new Gauge({
      name: 'weiche_queue_oldest_waiting_seconds',
      help: 'Age of the oldest job waiting to be picked up per queue (waiting, prioritized or paused); 0 when none waits',
      labelNames: ['queue'],
      registers,
      async collect() {
        this.reset();
        for (const { name, queue } of queues()) this.set({ queue: name }, ((await oldestWaitingAgeMs(queue)) ?? 0) / 1000);
      },
    });
    new Gauge({
      name: 'weiche_circuit_state',
      help: 'Circuit breaker per adapter instance: 0 closed, 1 half-open, 2 open',
      labelNames: ['adapter'],
      registers,
      async collect() {
        for (const instance of deps.config.adapters) this.set({ adapter: instance.id }, CIRCUIT_VALUE[(await circuitOf(deps, instance)).state]);
      },
    });
    new Gauge({
      name: 'weiche_adapter_paused',
      help: '1 while deliveries of the adapter instance are paused by an operator',
      labelNames: ['adapter'],
      registers,
      async collect() {
        for (const instance of deps.config.adapters) this.set({ adapter: instance.id }, (await deps.queues.deliverQueue(instance.id).isPaused()) ? 1 : 0);
      },
    });
    new Gauge({
      name: 'weiche_dead_letters',
      help: 'FAILED submissions not discarded, per tenant',
      labelNames: ['tenant'],
      registers,
      async collect() {
        this.reset();
        for (const tenant of deps.config.tenants) this.set({ tenant: tenant.id }, 0);
        for (const { tenantId, count } of await queries.deadLetterCounts()) this.set({ tenant: tenantId }, count);
      },
    });
    registerHealthMetrics(this.registry, deps);
    registerUpstreamMetrics(this.registry, deps);
    registerRelayMetrics(this.registry, deps, queries);
  }

  /** Starts counting at the current journal head (call once; later scrapes also start it lazily). */
  async start(): Promise<void> {
    const heads = await this.queries.heads();
    this.auditSeq ??= heads.auditSeq;
    this.attemptId ??= heads.attemptId;
  }

  /** Text exposition for GET /metrics, after catching up with the journal. */
  async scrape(): Promise<string> {
    // one catch-up at a time: two concurrent scrapes must not count the same records twice
    const run = this.catching.then(() => this.catchUp());
    this.catching = run.catch(() => undefined);
    await run;
    return this.registry.metrics();
  }

  private async catchUp(): Promise<void> {
    if (this.auditSeq === undefined || this.attemptId === undefined) await this.start();
    for (let i = 0; i < MAX_BATCHES_PER_SCRAPE; i++) {
      const records = await this.queries.auditSince(this.auditSeq ?? 0, BATCH);
      for (const r of records) {
        this.transitions.inc({ stage: r.stage, to_state: r.toState ?? '' });
        if (r.previousAt) this.durations.observe({ stage: r.stage }, Math.max(0, (r.at.getTime() - r.previousAt.getTime()) / 1000));
        this.auditSeq = r.seq;
      }
      if (records.length < BATCH) break;
    }
    for (let i = 0; i < MAX_BATCHES_PER_SCRAPE; i++) {
      const rows = await this.queries.attemptsSince(this.attemptId ?? 0, BATCH);
      for (const a of rows) {
        this.attempts.inc({ adapter: a.adapterInstance, outcome: a.outcome });
        if (a.durationMs !== null) this.deliveryDurations.observe({ adapter: a.adapterInstance, outcome: a.outcome }, a.durationMs / 1000);
        this.attemptId = a.id;
      }
      if (rows.length < BATCH) break;
    }
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
