import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { zipsIn } from '../support/batch.js';
import { dropSchema, queryOnce as query, tempDir, waitFor } from '../support/env.js';
import { upstreamFixture, type UpstreamFixture } from '../support/fit-connect-upstream.js';
import { HubProcess } from '../support/hub-process.js';
import { SERVICE, writeTestConfig, type TestHubConfig } from '../support/test-config.js';
import { TestZustelldienst } from '../support/test-zustelldienst.js';

interface Scenario {
  zd: TestZustelldienst;
  fixture: UpstreamFixture;
  cfg: TestHubConfig;
  hubs: HubProcess[];
}

async function scenario(pollIntervalMs: number): Promise<Scenario> {
  const zd = await TestZustelldienst.start();
  const dir = await tempDir('upstream-faults');
  const fixture = await upstreamFixture(zd, dir, { pollIntervalMs });
  const cfg = await writeTestConfig(dir, {
    overrides(raw) {
      const { callbackSecret: _none, ...config } = fixture.config;
      raw.upstreams = { fitConnect: [config] };
    },
  });
  return { zd, fixture, cfg, hubs: [] };
}

async function sendSome(s: Scenario, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const sent = await s.fixture.sender.send({
      destinationId: s.fixture.destinationId,
      serviceIdentifier: SERVICE,
      data: Buffer.from(JSON.stringify({ laufnummer: i })),
      attachments: [{ content: randomBytes(2000), filename: `anlage-${i}.pdf`, mimeType: 'application/pdf' }],
    });
    expect(sent.statuses.submit).toBe(202);
    ids.push(sent.submissionId);
  }
  return ids;
}

/** Every submission delivered once (one ZIP, one journal row) and answered once upstream (one verified accept). */
async function expectEachOnce(s: Scenario, ids: readonly string[]): Promise<void> {
  await waitFor('every submission accepted upstream', async () => (ids.every((id) => s.zd.answersFor(id).length > 0) ? true : undefined), 120_000, 250);
  await waitFor('every outcome acknowledged in the journal', async () => {
    const rows = await query<{ n: number }>(`SELECT count(*)::int AS n FROM "${s.cfg.schema}".submissions WHERE channel = 'fit-connect-upstream' AND acknowledged_at IS NOT NULL`);
    return rows[0]?.n === ids.length ? true : undefined;
  }, 60_000, 250);
  const rows = await query<{ channel_ref: string; state: string }>(`SELECT channel_ref, state FROM "${s.cfg.schema}".submissions WHERE channel = 'fit-connect-upstream'`);
  expect(rows.map((r) => r.channel_ref).sort()).toEqual([...ids].sort());
  expect(new Set(rows.map((r) => r.state))).toEqual(new Set(['DELIVERED']));
  const zips = await zipsIn(s.cfg.outbox);
  expect(zips).toHaveLength(ids.length);
  for (const id of ids) expect(s.zd.answersFor(id).map((a) => a.event)).toEqual(['accept-submission']);
  // the hub never even tried a second answer (the Zustelldienst would have refused it)
  expect(s.zd.refusedAnswers).toEqual([]);
}

// SIGKILL of the subscribing hub at the two dangerous moments, and two replicas polling one destination
// (issue 10): the journal's unique (channel, channel_ref) and the case's event log are the arbiters.
describe('FIT-Connect upstream: faults', () => {
  let current: Scenario | undefined;

  afterEach(async () => {
    for (const hub of current?.hubs ?? []) await hub.kill('SIGKILL');
    await current?.zd.close();
    if (current) await dropSchema(current.cfg.schema);
    current = undefined;
  });

  it('SIGKILL between fetch and acknowledge: after a restart each submission is delivered once and accepted once', async () => {
    const s = (current = await scenario(300));
    const ids = await sendSome(s, 4);
    let fetching!: () => void;
    const atFetch = new Promise<void>((resolve) => (fetching = resolve));
    let release!: () => void;
    const stalled = new Promise<void>((resolve) => (release = resolve));
    s.zd.hooks.beforeAttachment = () => {
      fetching();
      return stalled;
    };
    const hub = new HubProcess(['--config', s.cfg.file]).start();
    s.hubs.push(hub);
    await hub.waitForLog('weiche hub started');
    await atFetch;
    await hub.kill('SIGKILL');
    delete s.zd.hooks.beforeAttachment;
    release();
    expect(s.zd.answers).toHaveLength(0);
    hub.start();
    await hub.waitForLog('weiche hub started');
    await expectEachOnce(s, ids);
  }, 240_000);

  it('SIGKILL between delivery and accept (accept recorded upstream, and accept never arrived): one accept each after a restart', async () => {
    const s = (current = await scenario(300));
    const ids = await sendSome(s, 4);
    // the first answer is recorded by the Zustelldienst but the hub dies before it hears so; the second never reaches the log
    let recorded!: () => void;
    const atRecorded = new Promise<void>((resolve) => (recorded = resolve));
    let release!: () => void;
    const stalled = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    s.zd.hooks.afterAnswerRecorded = () => {
      recorded();
      return stalled;
    };
    s.zd.hooks.beforeAnswerRecorded = async () => {
      calls += 1;
      // every answer but the first is held and then dropped (the connection is gone by then)
      if (calls > 1) {
        await stalled;
        throw new Error('dropped with the connection');
      }
    };
    const hub = new HubProcess(['--config', s.cfg.file]).start();
    s.hubs.push(hub);
    await hub.waitForLog('weiche hub started');
    await atRecorded;
    // wait until the journal shows the deliveries (the hub is between delivery and accept for them)
    await waitFor('delivered in the journal', async () => {
      const rows = await query<{ n: number }>(`SELECT count(*)::int AS n FROM "${s.cfg.schema}".submissions WHERE state = 'DELIVERED' AND acknowledged_at IS NULL`);
      return (rows[0]?.n ?? 0) >= 1 ? true : undefined;
    }, 60_000, 100);
    await hub.kill('SIGKILL');
    const acceptedBeforeRestart = s.zd.answers.length;
    expect(acceptedBeforeRestart).toBe(1);
    delete s.zd.hooks.afterAnswerRecorded;
    release();
    await new Promise((r) => setImmediate(r));
    delete s.zd.hooks.beforeAnswerRecorded;
    hub.start();
    await hub.waitForLog('weiche hub started');
    await expectEachOnce(s, ids);
    // the answer posted before the crash was found in the event log, not posted again
    const found = await query(`SELECT 1 FROM "${s.cfg.schema}".audit WHERE stage = 'acknowledge' AND details->>'alreadyInEventLog' = 'true'`);
    expect(found).toHaveLength(1);
  }, 240_000);

  it('two replicas poll the same destination: nothing is picked up, delivered or answered twice', async () => {
    const s = (current = await scenario(100));
    const first = new HubProcess(['--config', s.cfg.file, '--role', 'processor,dispatcher']).start();
    s.hubs.push(first);
    await first.waitForLog('weiche hub started');
    const second = new HubProcess(['--config', s.cfg.file, '--role', 'processor,dispatcher']).start();
    s.hubs.push(second);
    await second.waitForLog('weiche hub started');
    const ids = await sendSome(s, 12);
    await expectEachOnce(s, ids);
    const pickups = (p: HubProcess) => p.output.split('\n').filter((l) => l.includes('picked up an upstream submission')).length;
    expect(pickups(first) + pickups(second)).toBe(ids.length);
  }, 240_000);
});
