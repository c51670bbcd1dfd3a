import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverJobId, processJobId } from '@weiche/queue';
import type { HubDeps } from '../context.js';
import { startTestHub, type TestHub } from '../test-hub.js';
const SERVICE = 'urn:de:fim:leika:leistung:99010003001006';
const OTHER_SERVICE = 'urn:de:fim:leika:leistung:99108008000000';
const TOKENS = { operator: randomBytes(16).toString('hex'), adminA: randomBytes(16).toString('hex'), auditor: randomBytes(16).toString('hex') };
const API = '/admin/api/v1';
// an error text with everything CSV must quote, and a formula a spreadsheet would run
const NASTY = 'permanent: far side said "no", twice\nsee log';
const FORMULA = '=HYPERLINK("http://evil.example","click")';

let hub: TestHub;
let deps: HubDeps;
let app: FastifyInstance;

interface Seeded {
  id: string;
  tenant: string;
}

/** A submission walked to FAILED on route r1 of its tenant's adapter, with `error` as the route's last error. */
async function deadLetter(tenantId: string, error: string, service = SERVICE): Promise<Seeded> {
  const id = randomUUID();
  const j = deps.journal;
  await j.createSubmission({
    submissionId: id,
    tenantId,
    channel: 'fit-connect',
    channelRef: id,
    channelMeta: { caseId: randomUUID(), destinationId: randomUUID(), senderClientId: 'c', announcedAttachments: [] },
    serviceIdentifier: service,
    state: 'CREATED',
    actor: 'gateway',
  });
  await j.transition(id, { from: ['CREATED'], to: 'RECEIVED', actor: 'gw', stage: 'submit', patch: { senderReference: 'Antrag Erika Musterfrau' } });
  await j.transition(id, { from: ['RECEIVED'], to: 'OPENED', actor: 'w', stage: 'open' });
  const output = { blobKey: 'k', packageName: 'p.zip', mimeType: 'application/zip', size: 1, sha256: 'ab'.repeat(32), prozessId: 'x', mappingModule: 'm', mappingVersion: '1' };
  await j.transition(id, { from: ['OPENED'], to: 'MAPPED', actor: 'w', stage: 'map', patch: { outputs: { 'xdomea-3.1.0:0401': output } } });
  await j.transition(id, { from: ['MAPPED'], to: 'ROUTED', actor: 'w', stage: 'route', deliveries: [{ routeId: 'r1', adapterInstance: `dms-${tenantId.slice(-1)}`, target: 'xdomea-3.1.0:0401' }] });
  await j.recordAttempt({ submissionId: id, routeId: 'r1', attempt: 1, outcome: 'permanent', error });
  await j.failDelivery({ submissionId: id, routeId: 'r1', reason: error, actor: 'd' });
  return { id, tenant: tenantId };
}

async function call(token: string | undefined, method: 'GET' | 'POST', url: string, body?: unknown): Promise<{ status: number; json: <T>() => T; body: string; headers: Record<string, unknown> }> {
  const res = await app.inject({ method, url, ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}), ...(body !== undefined ? { payload: body as Record<string, unknown> } : {}) });
  return { status: res.statusCode, json: <T>() => res.json<T>(), body: res.body, headers: res.headers };
}

async function auditOf(id: string): Promise<Array<{ actor: string; stage: string; details: Record<string, unknown> }>> {
  return deps.journal.listAudit({ submissionId: id, limit: 100 });
}

const seeded = { refusedA: [] as Seeded[], busyA: [] as Seeded[], b: [] as Seeded[], nasty: undefined as Seeded | undefined };

beforeAll(async () => {
  hub = await startTestHub((dir) => ({
    tenants: [
      { id: 'stadt-a', name: 'Stadt Aachen-Süd', behoerdenkennung: 'ags:00000001' },
      { id: 'stadt-b', name: 'Stadt B', behoerdenkennung: 'ags:00000002' },
    ],
    adapters: [
      { id: 'dms-a', kind: 'dms-folder', config: { path: join(dir, 'a') } },
      { id: 'dms-b', kind: 'dms-folder', config: { path: join(dir, 'b') } },
    ],
    routes: [
      { id: 'r1', tenant: 'stadt-a', service: '*', target: 'xdomea-3.1.0:0401', adapter: 'dms-a' },
      { id: 'r1-b', tenant: 'stadt-b', service: '*', target: 'xdomea-3.1.0:0401', adapter: 'dms-b' },
    ],
    admin: {
      tokens: [
        { token: TOKENS.operator, subject: 'olga', role: 'operator' },
        { token: TOKENS.adminA, subject: 'anna', role: 'tenant-admin', tenants: ['stadt-a'] },
        { token: TOKENS.auditor, subject: 'udo', role: 'auditor' },
      ],
    },
  }));
  ({ deps, app } = hub);
  for (let i = 0; i < 3; i++) seeded.refusedA.push(await deadLetter('stadt-a', 'request to the endpoint failed (ECONNREFUSED)'));
  for (let i = 0; i < 2; i++) seeded.busyA.push(await deadLetter('stadt-a', 'retries exhausted after 8 attempts: endpoint answered HTTP 503', OTHER_SERVICE));
  // B's dead letters carry the same error as A's: a filter on it must still not reach them
  for (let i = 0; i < 2; i++) seeded.b.push(await deadLetter('stadt-b', 'request to the endpoint failed (ECONNREFUSED)'));
  seeded.nasty = await deadLetter('stadt-a', NASTY);
  await deadLetter('stadt-a', FORMULA);
});

afterAll(async () => {
  await hub.close();
});

const idsOf = (page: { items: Array<{ submissionId: string }> }): string[] => page.items.map((i) => i.submissionId).sort();
const sorted = (list: Seeded[]): string[] => list.map((s) => s.id).sort();

describe('dead-letter filters', () => {
  it('filters by error text (case-insensitive, literal), adapter, service and tenant; total counts every match', async () => {
    const byError = (await call(TOKENS.operator, 'GET', `${API}/dead-letters?error=econnrefused&limit=1`)).json<{ total: number; items: unknown[] }>();
    expect(byError.total).toBe(5);
    expect(byError.items).toHaveLength(1);
    // % and _ are taken literally, not as patterns
    expect((await call(TOKENS.operator, 'GET', `${API}/dead-letters?error=%25`)).json<{ total: number }>().total).toBe(0);
    expect(idsOf((await call(TOKENS.operator, 'GET', `${API}/dead-letters?adapter=dms-b`)).json())).toEqual(sorted(seeded.b));
    expect(idsOf((await call(TOKENS.operator, 'GET', `${API}/dead-letters?service=${encodeURIComponent(OTHER_SERVICE)}`)).json())).toEqual(sorted(seeded.busyA));
    expect(idsOf((await call(TOKENS.operator, 'GET', `${API}/dead-letters?tenant=stadt-a&error=ECONNREFUSED`)).json())).toEqual(sorted(seeded.refusedA));
  });

  it('keeps a tenant-admin inside its tenants whatever the filter says', async () => {
    expect(idsOf((await call(TOKENS.adminA, 'GET', `${API}/dead-letters?error=ECONNREFUSED`)).json())).toEqual(sorted(seeded.refusedA));
    expect((await call(TOKENS.adminA, 'GET', `${API}/dead-letters?tenant=stadt-b`)).json<{ total: number }>().total).toBe(0);
  });
});

describe('bulk actions on dead letters', () => {
  it('refuses auditors (403), a missing reason, and ids together with a filter (400)', async () => {
    const ids = [seeded.refusedA[0]?.id ?? ''];
    expect((await call(TOKENS.auditor, 'POST', `${API}/dead-letters/bulk`, { action: 'discard', reason: 'x', ids })).status).toBe(403);
    expect((await call(TOKENS.operator, 'POST', `${API}/dead-letters/bulk`, { action: 'discard', ids })).status).toBe(400);
    expect((await call(TOKENS.operator, 'POST', `${API}/dead-letters/bulk`, { action: 'discard', reason: ' ', ids })).status).toBe(400);
    expect((await call(TOKENS.operator, 'POST', `${API}/dead-letters/bulk`, { action: 'discard', reason: 'x', ids, filter: {} })).status).toBe(400);
    expect((await call(TOKENS.operator, 'POST', `${API}/dead-letters/bulk`, { action: 'explode', reason: 'x', ids })).status).toBe(400);
    expect((await deps.journal.getSubmission(ids[0] ?? ''))?.state).toBe('FAILED');
  });

  it('redelivers every match of a filter for a tenant-admin, audited per submission with actor, reason and batch; B is untouched', async () => {
    const bAuditBefore = await Promise.all(seeded.b.map((s) => auditOf(s.id)));
    const res = await call(TOKENS.adminA, 'POST', `${API}/dead-letters/bulk`, { action: 'redeliver', reason: 'DMS share is mounted again', filter: { error: 'ECONNREFUSED' } });
    expect(res.status).toBe(200);
    const body = res.json<{ action: string; actor: string; batch: string; total: number; succeeded: number; failed: number; results: Array<{ submissionId: string; ok: boolean; routes: string[] }> }>();
    expect(body).toMatchObject({ action: 'redeliver', actor: 'anna', total: 3, succeeded: 3, failed: 0 });
    expect(body.results.map((r) => r.submissionId).sort()).toEqual(sorted(seeded.refusedA));
    for (const { id } of seeded.refusedA) {
      expect((await deps.journal.getSubmission(id))?.state).toBe('ROUTED');
      expect(await deps.queues.deliverQueue('dms-a').getJob(deliverJobId(id, 'r1'))).toBeDefined();
      expect((await auditOf(id)).at(-1)).toMatchObject({ actor: 'anna', stage: 'redeliver', details: { reason: 'DMS share is mounted again', batch: body.batch, routes: ['r1'] } });
    }
    for (const [i, { id }] of seeded.b.entries()) {
      expect((await deps.journal.getSubmission(id))?.state).toBe('FAILED');
      expect(await auditOf(id)).toEqual(bAuditBefore[i]);
    }
    // the same filter again selects nothing: they are no dead letters any more
    expect((await call(TOKENS.adminA, 'POST', `${API}/dead-letters/bulk`, { action: 'redeliver', reason: 'again', filter: { error: 'ECONNREFUSED' } })).json()).toMatchObject({ total: 0, results: [] });
  });

  it("answers another tenant's ids with 404 per id and acts on the caller's own", async () => {
    const own = seeded.busyA[0]?.id ?? '';
    const foreign = seeded.b[0]?.id ?? '';
    const bAuditBefore = await auditOf(foreign);
    const res = await call(TOKENS.adminA, 'POST', `${API}/dead-letters/bulk`, { action: 'discard', reason: 'duplicate of an earlier application', ids: [foreign, own, 'no-such-id'] });
    expect(res.json()).toMatchObject({
      total: 3,
      succeeded: 1,
      failed: 2,
      results: [
        { submissionId: foreign, ok: false, status: 404, error: 'no such submission' },
        { submissionId: own, ok: true, status: 200, routes: ['r1'] },
        { submissionId: 'no-such-id', ok: false, status: 404, error: 'no such submission' },
      ],
    });
    expect(res.body).not.toContain('stadt-b');
    expect(await auditOf(foreign)).toEqual(bAuditBefore);
    expect((await auditOf(own)).at(-1)).toMatchObject({ actor: 'anna', stage: 'discard', details: { reason: 'duplicate of an earlier application' } });
    // acting twice: a conflict for that id, not an error for the request
    const again = await call(TOKENS.adminA, 'POST', `${API}/dead-letters/bulk`, { action: 'discard', reason: 'again', ids: [own] });
    expect(again.json()).toMatchObject({ succeeded: 0, results: [{ submissionId: own, ok: false, status: 409 }] });
  });

  it('replays from open for the operator across tenants (process jobs queued)', async () => {
    const ids = [seeded.busyA[1]?.id ?? '', seeded.b[1]?.id ?? ''];
    const res = await call(TOKENS.operator, 'POST', `${API}/dead-letters/bulk`, { action: 'replay', reason: 'mapping fixed in 1.2.1', ids });
    expect(res.json()).toMatchObject({ actor: 'olga', succeeded: 2 });
    for (const id of ids) {
      expect((await deps.journal.getSubmission(id))?.state).toBe('RECEIVED');
      expect(await deps.queues.process.getJob(processJobId(id))).toBeDefined();
      expect((await auditOf(id)).at(-1)).toMatchObject({ actor: 'olga', stage: 'replay', details: { from: 'open', reason: 'mapping fixed in 1.2.1' } });
    }
  });
});

describe('CSV export', () => {
  it('writes a header row, quotes delimiters, quotes and line breaks (RFC 4180, CRLF), defuses formulas', async () => {
    const res = await call(TOKENS.adminA, 'GET', `${API}/dead-letters.csv?tenant=stadt-a`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(String(res.headers['content-disposition'])).toMatch(/^attachment; filename="weiche-dead-letters-[\d-T]+Z?\.csv"$/);
    const lines = res.body.split('\r\n');
    expect(lines[0]).toBe('submissionId,caseId,tenantId,tenantName,serviceIdentifier,serviceName,state,processingTenantId,delegationId,failedRoutes,adapters,lastErrors,reason,createdAt,updatedAt');
    const nasty = seeded.nasty?.id ?? '';
    const quoted = '"permanent: far side said ""no"", twice\nsee log"';
    expect(res.body).toContain(`,${quoted},${quoted},`);
    expect(res.body).toContain(`,"'=HYPERLINK(""http://evil.example"",""click"")",`);
    expect(res.body).toContain(`${nasty},`);
    expect(res.body).toMatch(/\r\n$/);
    // ids, names, states and errors: no sender reference (which may name a person), nothing of tenant B
    expect(res.body).not.toMatch(/Musterfrau|stadt-b/);
  });

  it('exports every match of a submission search, within the caller scope, also for a German spreadsheet', async () => {
    const rfc = await call(TOKENS.adminA, 'GET', `${API}/submissions.csv?state=FAILED`);
    const rows = rfc.body.trimEnd().split('\r\n').filter((l) => /^[0-9a-f-]{36},/.test(l));
    expect(rows.length).toBe((await call(TOKENS.adminA, 'GET', `${API}/submissions?state=FAILED&limit=500`)).json<{ total: number }>().total);
    expect(rfc.body).not.toContain('stadt-b');
    const excel = await call(TOKENS.operator, 'GET', `${API}/submissions.csv?tenant=stadt-a&dialect=excel-de`);
    expect(excel.body.startsWith('\uFEFFsubmissionId;caseId;tenantId;tenantName;')).toBe(true);
    expect(excel.body).toContain(';stadt-a;Stadt Aachen-Süd;');
    expect((await call(TOKENS.operator, 'GET', `${API}/submissions.csv?dialect=xlsx`)).status).toBe(400);
    expect((await call(undefined, 'GET', `${API}/submissions.csv`)).status).toBe(401);
  });
});

describe('audit view and stats range', () => {
  it('verifies the chain for operators and auditors; a tenant-admin may not (403)', async () => {
    const res = await call(TOKENS.auditor, 'GET', `${API}/audit/verify`);
    const body = res.json<{ ok: boolean; checked: number; total: number; message: string }>();
    expect(body.ok).toBe(true);
    expect(body.checked).toBe(body.total);
    expect(body.total).toBeGreaterThan(40);
    expect(body.message).toMatch(/intact/);
    expect((await call(TOKENS.adminA, 'GET', `${API}/audit/verify`)).status).toBe(403);
  });

  it('lists the records of a submission with actor, stage, states and hashes, in chain order and scope', async () => {
    const id = seeded.refusedA[0]?.id ?? '';
    const page = (await call(TOKENS.auditor, 'GET', `${API}/audit/records?submissionId=${id}`)).json<{ total: number; items: Array<{ seq: number; stage: string; toState: string | null; prevHash: string; hash: string; actor: string }> }>();
    expect(page.items.map((r) => r.stage)).toEqual(['intake', 'submit', 'open', 'map', 'route', 'dead-letter', 'redeliver']);
    expect(page.items.at(-1)?.actor).toBe('anna');
    for (const r of page.items) expect(r.hash).toMatch(/^[0-9a-f]{64}$/);
    const foreign = seeded.b[0]?.id ?? '';
    expect((await call(TOKENS.adminA, 'GET', `${API}/audit/records?submissionId=${foreign}`)).json()).toMatchObject({ total: 0, items: [] });
    const inRange = (await call(TOKENS.auditor, 'GET', `${API}/audit/records?from=${new Date(Date.now() - 3600_000).toISOString()}&limit=5`)).json<{ total: number; items: unknown[] }>();
    expect(inRange.items).toHaveLength(5);
    expect(inRange.total).toBeGreaterThan(40);
    expect((await call(TOKENS.auditor, 'GET', `${API}/audit/records?from=${new Date(Date.now() + 3600_000).toISOString()}`)).json()).toMatchObject({ total: 0 });
  });

  it('gives stats for a chosen range: hourly up to three days, daily beyond; an empty range is refused', async () => {
    const now = Date.now();
    const day = (await call(TOKENS.operator, 'GET', `${API}/stats`)).json<{ range: { bucket: string; from: string; to: string }; activity: Array<{ failed: number }> }>();
    expect(day.range.bucket).toBe('hour');
    expect(new Date(day.range.to).getTime() - new Date(day.range.from).getTime()).toBe(24 * 3600_000);
    expect(day.activity.reduce((a, b) => a + b.failed, 0)).toBeGreaterThan(0);
    const week = (await call(TOKENS.operator, 'GET', `${API}/stats?from=${new Date(now - 7 * 86_400_000).toISOString()}&to=${new Date(now + 60_000).toISOString()}`)).json<{ range: { bucket: string }; activity: Array<{ hour: string }> }>();
    expect(week.range.bucket).toBe('day');
    for (const a of week.activity) expect(a.hour).toMatch(/T00:00:00\.000Z$/);
    const past = (await call(TOKENS.operator, 'GET', `${API}/stats?from=2020-01-01T00:00:00Z&to=2020-01-02T00:00:00Z`)).json<{ countsByState: unknown[]; activity: unknown[] }>();
    expect(past).toMatchObject({ countsByState: [], activity: [] });
    expect((await call(TOKENS.operator, 'GET', `${API}/stats?from=2020-01-02T00:00:00Z&to=2020-01-01T00:00:00Z`)).status).toBe(400);
  });

  it('refuses a range whose from is not before its to with the same 400 problem on /stats and on the lists (they answered an empty page)', async () => {
    const backwards = 'from=2020-01-02T00:00:00Z&to=2020-01-01T00:00:00Z';
    const empty = 'from=2020-01-01T00:00:00Z&to=2020-01-01T00:00:00Z';
    const problems = [];
    for (const [token, path] of [
      [TOKENS.operator, 'stats'],
      [TOKENS.operator, 'submissions'],
      [TOKENS.operator, 'submissions.csv'],
      [TOKENS.auditor, 'audit/records'],
    ] as const) {
      for (const range of [backwards, empty]) {
        const res = await call(token, 'GET', `${API}/${path}?${range}`);
        expect({ path, range, status: res.status, type: res.headers['content-type'] }).toEqual({ path, range, status: 400, type: expect.stringMatching(/^application\/problem\+json/) });
        const { instance: _own, ...problem } = res.json<Record<string, unknown>>();
        problems.push(problem);
      }
    }
    expect(problems[0]).toMatchObject({ status: 400, detail: 'from must lie before to' });
    for (const p of problems) expect(p).toEqual(problems[0]);
    // a range in order still lists
    expect((await call(TOKENS.operator, 'GET', `${API}/submissions?from=2020-01-01T00:00:00Z&to=2020-01-02T00:00:00Z`)).json()).toMatchObject({ total: 0, items: [] });
  });

  it('tells the console how to sign in without a token: token paste only when no OIDC client is configured', async () => {
    const res = await call(undefined, 'GET', `${API}/sign-in`);
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ token: true, oidc: null });
  });
});
