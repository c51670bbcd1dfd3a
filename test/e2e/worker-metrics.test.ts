import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigFile } from '@weiche/config';
import { createHubDeps, createLogger, startRoles, type HubDeps, type RunningHub } from '@weiche/hub';
import { dropSchema, tempDir } from '../support/env.js';
import { writeTestConfig, type TestHubConfig } from '../support/test-config.js';

const METRICS_TOKEN = 'scrape-token-for-the-worker-test';

function names(exposition: string): Set<string> {
  return new Set(exposition.split('\n').filter((l) => l.startsWith('# TYPE ')).map((l) => l.split(' ')[2] ?? ''));
}

// A processor or dispatcher replica serves no HTTP but its health listener (server.healthPort): Prometheus
// scrapes its own metrics there, behind the same token as the gateway's /metrics — and only those, so that
// scraping every replica does not count the journal's records once per replica.
describe('worker-only process: /metrics on the health listener', () => {
  let dir: string;
  let cfg: TestHubConfig;
  let deps: HubDeps;
  let hub: RunningHub;

  beforeAll(async () => {
    dir = await tempDir('worker-metrics');
    cfg = await writeTestConfig(dir, {
      overrides(raw) {
        // port 0: the listener takes a port the kernel picks (race-free); hub.healthUrl tells which
        (raw.server as Record<string, unknown>).healthPort = 0;
        raw.admin = { metricsToken: METRICS_TOKEN };
      },
    });
    deps = await createHubDeps(loadConfigFile(cfg.file, {}), createLogger({ level: 'silent' }));
    hub = await startRoles(deps, ['processor', 'dispatcher']);
  }, 60_000);

  afterAll(async () => {
    await hub?.close();
    await deps?.close();
    await dropSchema(cfg.schema);
    await rm(dir, { recursive: true, force: true });
  });

  it('answers 401 as a problem without the metrics token', async () => {
    const response = await fetch(`${hub.healthUrl}/metrics`);
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
  });

  it("serves this process's metrics in Prometheus text format with the token", async () => {
    const response = await fetch(`${hub.healthUrl}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    const exported = names(text);
    for (const name of ['weiche_crypto_operations_total', 'weiche_crypto_seconds_total', 'weiche_build_info', 'weiche_ready', 'weiche_readiness_check', 'weiche_process_cpu_seconds_total', 'weiche_nodejs_heap_size_used_bytes']) {
      expect(exported, name).toContain(name);
    }
    expect(text).toMatch(/^weiche_ready 1$/m);
    // the whole hub's counters and gauges are the admin side's: a replica serving them would count them again
    for (const name of ['weiche_journal_records_total', 'weiche_delivery_attempts_total', 'weiche_queue_jobs', 'weiche_dead_letters', 'weiche_circuit_state', 'weiche_http_request_duration_seconds']) {
      expect(exported, name).not.toContain(name);
    }
  });
});
