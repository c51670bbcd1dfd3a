import { collectDefaultMetrics, Counter, Gauge, type Registry } from 'prom-client';
import { cryptoPool, type CryptoPoolStats } from '@weiche/crypto';
import { buildInfo } from '../build-info.js';
import type { HubDeps } from '../context.js';
import { registerReadinessMetrics } from './readiness-metrics.js';

/** A counter per crypto pool operation (`op` = unwrap, sign), read from the pool's stats at each scrape. */
function cryptoCounter(registers: Registry[], name: string, help: string, value: (stats: CryptoPoolStats['unwrap']) => number): void {
  new Counter({
    name,
    help,
    labelNames: ['op'],
    registers,
    collect() {
      this.reset();
      const stats = cryptoPool().stats();
      for (const op of ['unwrap', 'sign'] as const) this.inc({ op }, value(stats[op]));
    },
  });
}

/**
 * The metrics of this process alone, which every replica reports for itself: Node's defaults
 * (`weiche_process_*`, `weiche_nodejs_*`), `weiche_build_info`, the crypto pool's work, and readiness as
 * this process sees PostgreSQL, the blob store and Redis. The gateway's `/metrics` has them next to the
 * hub's journal and queue metrics; a process without an HTTP role serves only these on its health listener,
 * so scraping every processor and dispatcher replica counts nothing twice (the journal-derived counters
 * and the queue, circuit, adapter and upstream gauges describe the whole hub and come from the admin side).
 */
export function registerProcessMetrics(registry: Registry, deps: Pick<HubDeps, 'journal' | 'blobs' | 'redis'>): void {
  const registers = [registry];
  // the default names already start with process_ / nodejs_: one weiche_ in front, not weiche_process_process_…
  collectDefaultMetrics({ register: registry, prefix: 'weiche_' });
  const info = buildInfo();
  new Gauge({ name: 'weiche_build_info', help: 'Always 1; the labels say which hub version, source commit and Node version run', labelNames: ['version', 'commit', 'node'], registers }).set(
    { version: info.version, commit: info.commit, node: info.node },
    1,
  );
  // this process's RSA work on its crypto pool (per process: each replica reports its own)
  cryptoCounter(registers, 'weiche_crypto_operations_total', 'RSA private-key operations of this process: unwrap (CEK) and sign (SETs, tokens)', (op) => op.tasks);
  cryptoCounter(registers, 'weiche_crypto_seconds_total', 'Time the crypto pool threads of this process spent in RSA private-key operations', (op) => op.ms / 1000);
  registerReadinessMetrics(registry, deps);
}
