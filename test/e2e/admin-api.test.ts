import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdapterFactory } from '@weiche/adapter-sdk';
import { DATABASE_URL, tempDir, waitFor } from '../support/env.js';
import { flakyFolderAdapter } from '../support/flaky-adapter.js';
import { startInProcessHub, type InProcessHub } from '../support/hub-in-process.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { SERVICE, writeTestConfig, type TestHubConfig } from '../support/test-config.js';

const API = '/admin/api/v1';
const TOKENS = { operator: randomBytes(16).toString('hex'), adminA: randomBytes(16).toString('hex'), auditor: randomBytes(16).toString('hex') };

async function api(hub: InProcessHub, token: string | undefined, method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; text: string; json: <T>() => T }> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(hub.baseUrl + path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  return { status: res.status, text, json: <T>() => JSON.parse(text) as T };
}

function series(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.slice(name.length + 1)) : 0;
}

async function state(hub: InProcessHub, id: string): Promise<string | undefined> {
  return (await hub.deps.journal.getSubmission(id))?.state;
}

// Real Redis, PostgreSQL, HTTP and workers: two tenants whose deliveries fail until an operator
// acts (the flaky adapter fails the first two attempts of every delivery; two attempts are allowed).
describe('admin API on a running hub', () => {
  let cfg: TestHubConfig;
  let hub: InProcessHub;
  const sent = { a: '', b: '' };

  beforeAll(async () => {
    const dir = await tempDir('admin');
    const destinationB = randomUUID();
    cfg = await writeTestConfig(dir, {
      overrides: (raw) => {
        (raw.tenants as unknown[]).push({ id: 'otherburg', name: 'Gemeinde Otherburg', behoerdenkennung: 'ags:05974099' });
        (raw.destinations as unknown[]).push({
          id: destinationB,
          tenant: 'otherburg',
          keys: { privateKeyFile: join(dir, 'keys', 'b.key.pem'), certificateFile: join(dir, 'keys', 'b.cert.pem'), generate: true },
          services: [{ identifier: SERVICE, name: 'Baugenehmigung beantragen', submissionSchemas: [{ schemaUri: 'urn:test:schema:1.0', mimeType: 'application/json' }] }],
        });
        ((raw.senderClients as Array<{ destinations: string[] }>)[0]?.destinations ?? []).push(destinationB);
        const flaky = (id: string): Record<string, unknown> => ({ id, kind: 'flaky-folder', config: { path: join(dir, `outbox-${id}`), failTimes: 2 }, retry: { attempts: 2, backoffMs: 50, maxBackoffMs: 100 } });
        raw.adapters = [flaky('dms'), flaky('dms-b')];
        raw.routes = [
          { id: 'to-dms', tenant: 'testhausen', service: '*', target: 'xdomea-3.1.0:0401', adapter: 'dms' },
          { id: 'to-dms-b', tenant: 'otherburg', service: '*', target: 'xdomea-3.1.0:0401', adapter: 'dms-b' },
        ];
        raw.admin = {
          tokens: [
            { token: TOKENS.operator, subject: 'olga', role: 'operator' },
            { token: TOKENS.adminA, subject: 'anna', role: 'tenant-admin', tenants: ['testhausen'] },
            { token: TOKENS.auditor, subject: 'udo', role: 'auditor' },
          ],
        };
      },
    });
    hub = await startInProcessHub(cfg, { adapterKinds: [flakyFolderAdapter as AdapterFactory<unknown>] });
    const attachment = { content: Buffer.from('%PDF-1.4 test'), filename: 'grundriss-erika-musterfrau.pdf', mimeType: 'application/pdf' };
    const [a, b] = await Promise.all([
      hub.sender.send({ destinationId: cfg.destinationId, serviceIdentifier: SERVICE, data: Buffer.from('{"name":"Erika Musterfrau"}'), attachments: [attachment] }),
      hub.sender.send({ destinationId: destinationB, serviceIdentifier: SERVICE, data: Buffer.from('{"name":"Max Mustermann"}') }),
    ]);
    sent.a = a.submissionId;
    sent.b = b.submissionId;
    for (const id of [sent.a, sent.b]) await waitFor(`${id} dead-lettered`, async () => (await state(hub, id)) === 'FAILED', 60_000, 100);
  }, 180_000);

  afterAll(async () => {
    await hub.stop();
  });

  it('lists both dead letters to the operator, with failed routes and last errors', async () => {
    const res = await api(hub, TOKENS.operator, 'GET', `${API}/dead-letters`);
    expect(res.status).toBe(200);
    const page = res.json<{ total: number; items: Array<{ submissionId: string; tenantId: string; failedRoutes: Array<{ routeId: string; lastError: string }> }> }>();
    expect(page.items.map((i) => i.submissionId).sort()).toEqual([sent.a, sent.b].sort());
    const a = page.items.find((i) => i.submissionId === sent.a);
    expect(a?.failedRoutes).toEqual([expect.objectContaining({ routeId: 'to-dms', lastError: expect.stringMatching(/far side unavailable/) as unknown })]);
    expect(res.text).not.toMatch(/musterfrau|mustermann/i);
  });

  it('isolates tenants over HTTP: every read and action on B is 404 for a tenant-admin of A', async () => {
    const bEndpoints: Array<['GET' | 'POST', string, unknown?]> = [
      ['GET', `${API}/tenants/otherburg`],
      ['GET', `${API}/adapters/dms-b`],
      ['GET', `${API}/submissions/${sent.b}`],
      ['POST', `${API}/submissions/${sent.b}/replay`, { stage: 'deliver' }],
      ['POST', `${API}/submissions/${sent.b}/replay`, { stage: 'open' }],
      ['POST', `${API}/submissions/${sent.b}/routes/to-dms-b/redeliver`, {}],
      ['POST', `${API}/submissions/${sent.b}/discard`, { reason: 'x' }],
      ['POST', `${API}/adapters/dms-b/pause`],
      ['POST', `${API}/adapters/dms-b/resume`],
    ];
    for (const [method, path, body] of bEndpoints) {
      const res = await api(hub, TOKENS.adminA, method, path, body);
      expect(res.status, `${method} ${path}`).toBe(404);
    }
    expect(await state(hub, sent.b)).toBe('FAILED');
    expect(await hub.deps.queues.deliverQueue('dms-b').isPaused()).toBe(false);
    for (const path of ['/tenants', '/destinations', '/routes', '/adapters', '/queues', '/submissions', '/dead-letters', '/stats', '/audit']) {
      const res = await api(hub, TOKENS.adminA, 'GET', API + path);
      expect(res.status, path).toBe(200);
      expect(res.text, path).not.toMatch(/otherburg|dms-b/);
      expect(res.text, path).not.toContain(sent.b);
    }
    const own = await api(hub, TOKENS.adminA, 'GET', `${API}/submissions`);
    expect(own.json<{ items: Array<{ submissionId: string }> }>().items.map((i) => i.submissionId)).toEqual([sent.a]);
  });

  it('lets a tenant-admin redeliver its dead letter, which is then delivered; /metrics shows the counters moving', async () => {
    const before = await api(hub, undefined, 'GET', '/metrics');
    expect(before.status).toBe(200);
    expect((await api(hub, TOKENS.auditor, 'POST', `${API}/submissions/${sent.a}/routes/to-dms/redeliver`, {})).status).toBe(403);
    const res = await api(hub, TOKENS.adminA, 'POST', `${API}/submissions/${sent.a}/routes/to-dms/redeliver`, { reason: 'DMS is back' });
    expect(res.json()).toEqual({ ok: true, action: 'redeliver', actor: 'anna', routes: ['to-dms'] });
    await waitFor('delivered after redelivery', async () => (await state(hub, sent.a)) === 'DELIVERED', 60_000, 100);

    const detail = await api(hub, TOKENS.adminA, 'GET', `${API}/submissions/${sent.a}`);
    const body = detail.json<{
      submission: { state: string };
      deliveries: Array<{ routeId: string; attempts: number }>;
      timeline: Array<{ kind: string; stage?: string; actor?: string; outcome?: string; attempt?: number }>;
    }>();
    expect(body.submission.state).toBe('DELIVERED');
    expect(body.timeline.filter((e) => e.kind === 'attempt').map((e) => e.outcome)).toEqual(['transient', 'transient', 'success']);
    // the redelivery's job starts at its attempt 1 again; the timeline counts on across it, as the deliveries table does
    expect(body.timeline.filter((e) => e.kind === 'attempt').map((e) => e.attempt)).toEqual([1, 2, 3]);
    expect(body.deliveries.find((d) => d.routeId === 'to-dms')?.attempts).toBe(3);
    expect(body.timeline.find((e) => e.stage === 'redeliver')?.actor).toBe('anna');
    expect(detail.text).not.toMatch(/musterfrau|grundriss/i);

    const after = await api(hub, undefined, 'GET', '/metrics');
    const delivered = 'weiche_journal_records_total{stage="deliver",to_state="DELIVERED"}';
    expect(series(after.text, delivered)).toBeGreaterThan(series(before.text, delivered));
    const success = 'weiche_delivery_attempts_total{adapter="dms",outcome="success"}';
    expect(series(after.text, success)).toBeGreaterThan(series(before.text, success));
    expect(series(after.text, 'weiche_dead_letters{tenant="testhausen"}')).toBe(0);
    expect(series(after.text, 'weiche_dead_letters{tenant="otherburg"}')).toBe(1);
    expect(after.text).toMatch(/weiche_stage_duration_seconds_bucket\{le="[^"]+",stage="deliver"\} \d+/);
    // the real attempts were timed by the dispatcher: two transient, one success
    const timed = 'weiche_delivery_duration_seconds_count{adapter="dms",outcome="success"}';
    expect(series(after.text, timed)).toBe(series(before.text, timed) + 1);
    expect(series(after.text, 'weiche_delivery_duration_seconds_sum{adapter="dms",outcome="success"}')).toBeGreaterThan(0);
    expect(after.text).toMatch(/weiche_http_request_duration_seconds_count\{method="POST",route="\/admin\/api\/v1\/submissions\/:submissionId\/routes\/:routeId\/redeliver",status="200"\} 1\n/);

    const queues = await api(hub, TOKENS.adminA, 'GET', `${API}/queues`);
    const dms = queues.json<Array<{ name: string; deliveredLastHour: number }>>().find((q) => q.name === 'deliver:dms');
    expect(dms?.deliveredLastHour).toBe(1);
  });

  it('lets the operator discard B with a reason: it leaves the dead letters and the gauge', async () => {
    const res = await api(hub, TOKENS.operator, 'POST', `${API}/submissions/${sent.b}/discard`, { reason: 'withdrawn by the applicant' });
    expect(res.status).toBe(200);
    const dead = await api(hub, TOKENS.operator, 'GET', `${API}/dead-letters`);
    expect(dead.json<{ total: number }>().total).toBe(0);
    const metrics = await api(hub, undefined, 'GET', '/metrics');
    expect(series(metrics.text, 'weiche_dead_letters{tenant="otherburg"}')).toBe(0);
    const audit = await api(hub, TOKENS.auditor, 'GET', `${API}/audit`);
    expect(audit.json<{ items: Array<{ actor: string; stage: string }> }>().items.slice(0, 2).map((i) => `${i.actor}:${i.stage}`)).toEqual(['olga:discard', 'anna:redeliver']);
  });
});

describe('/readyz while PostgreSQL is unreachable', () => {
  let hub: InProcessHub;
  const proxy = new TcpProxy('127.0.0.1', Number(new URL(DATABASE_URL()).port || 5432));

  beforeAll(async () => {
    await proxy.start();
    const url = new URL(DATABASE_URL());
    url.hostname = '127.0.0.1';
    url.port = String(proxy.port);
    const cfg = await writeTestConfig(await tempDir('admin-ready'), { overrides: (raw) => void ((raw.database as Record<string, string>).url = url.toString()) });
    hub = await startInProcessHub(cfg);
  }, 120_000);

  afterAll(async () => {
    await proxy.restore().catch(() => undefined);
    await hub.stop();
    await proxy.cut();
  });

  it('turns unready (503, postgres down) and ready again once PostgreSQL is back', async () => {
    expect((await api(hub, undefined, 'GET', '/readyz')).status).toBe(200);
    await proxy.cut();
    const down = await waitFor('unready', async () => {
      const res = await api(hub, undefined, 'GET', '/readyz');
      return res.status === 503 ? res : undefined;
    }, 20_000, 200);
    expect(down.json()).toMatchObject({ status: 'unready', checks: { postgres: 'down', redis: 'ok', blobstore: 'ok' } });
    expect((await api(hub, undefined, 'GET', '/healthz')).status).toBe(200);
    await proxy.restore();
    await waitFor('ready again', async () => (await api(hub, undefined, 'GET', '/readyz')).status === 200, 30_000, 300);
  });
});
