import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CircuitBreaker } from '@weiche/queue';
import { sendBatch } from '../support/batch.js';
import { tempDir, waitFor } from '../support/env.js';
import { FachverfahrenEndpoint } from '../support/fachverfahren-endpoint.js';
import { startInProcessHub, type InProcessHub } from '../support/hub-in-process.js';
import { writeTestConfig, type TestHubConfig } from '../support/test-config.js';

const SECRET = 'fachverfahren-shared-secret-123';
const CIRCUIT = { failureThreshold: 3, cooldownMs: 800 };
const BATCH = 20;

// A Fachverfahren endpoint that fails for a while — 500s, then hangs (timeouts), then is down
// (connection refused) — and recovers. The hub retries with backoff, its circuit opens and closes,
// and in the end every submission is delivered exactly once on the far side.
describe('http adapter against a failing Fachverfahren endpoint', () => {
  const endpoint = new FachverfahrenEndpoint(SECRET);
  let cfg: TestHubConfig;
  let hub: InProcessHub;

  beforeAll(async () => {
    await endpoint.start();
    cfg = await writeTestConfig(await tempDir('httpfault'), {
      overrides: (raw) => {
        raw.adapters = [
          {
            id: 'fv',
            kind: 'http',
            config: { url: endpoint.url, secret: SECRET, mode: 'zip', timeoutMs: 400 },
            concurrency: 4,
            timeoutMs: 1500,
            retry: { attempts: 30, backoffMs: 100, maxBackoffMs: 800 },
            circuit: CIRCUIT,
          },
        ];
        raw.routes = [{ id: 'to-fv', tenant: 'testhausen', service: '*', target: 'xdomea-3.1.0:0401', adapter: 'fv' }];
      },
    });
    hub = await startInProcessHub(cfg);
  });

  afterAll(async () => {
    await hub.stop();
    await endpoint.stop();
  });

  it('retries through 500s, timeouts and refused connections, and delivers every submission exactly once', async () => {
    await endpoint.setMode('error');
    const sent = await sendBatch(hub.sender, cfg.destinationId, BATCH);
    const breaker = new CircuitBreaker(hub.deps.redis, cfg.prefix, 'fv', CIRCUIT);
    // each failure mode lasts until the journal shows an attempt that met it
    const attemptFailed = (pattern: RegExp) => async (): Promise<true | undefined> => {
      const attempts = (await Promise.all(sent.map((s) => hub.deps.journal.listAttempts(s.submissionId)))).flat();
      return attempts.some((a) => pattern.test(a.error ?? '')) ? true : undefined;
    };
    await waitFor('the circuit to open', async () => ((await breaker.state()).opened >= 1 ? true : undefined), 30_000, 100);
    await endpoint.setMode('hang');
    await waitFor('an attempt that timed out', attemptFailed(/idle for|timed? ?out|timeout/i), 60_000, 100);
    await endpoint.setMode('down');
    await waitFor('an attempt that was refused', attemptFailed(/ECONNREFUSED|refused/i), 60_000, 100);
    expect(endpoint.stored.size).toBe(0);
    await endpoint.setMode('ok');

    await waitFor('all delivered', async () => {
      const rows = await Promise.all(sent.map((s) => hub.deps.journal.getSubmission(s.submissionId)));
      return rows.every((r) => r?.state === 'DELIVERED') ? true : undefined;
    }, 90_000, 300);

    expect(endpoint.stored.size).toBe(BATCH);
    expect([...endpoint.stored.keys()].sort()).toEqual(sent.map((s) => `${s.submissionId}:to-fv`).sort());
    expect(endpoint.badSignatures).toBe(0);
    const state = await breaker.state();
    expect(state.opened).toBeGreaterThanOrEqual(2);
    expect(state.state).toBe('closed');
    const attempts = (await Promise.all(sent.map((s) => hub.deps.journal.listAttempts(s.submissionId)))).flat();
    const outcomes = new Set(attempts.map((a) => a.outcome));
    expect(outcomes).toEqual(new Set(['transient', 'success']));
    expect(attempts.filter((a) => a.outcome === 'success')).toHaveLength(BATCH);
    // the three kinds of failure all reached the journal as reasons an operator can read
    const errors = attempts.map((a) => a.error ?? '').join('\n');
    expect(errors).toMatch(/500/);
    expect(errors).toMatch(/ECONNREFUSED|refused/i);
    expect(errors).toMatch(/idle for|timed? ?out|timeout/i);
  }, 150_000);
});
