import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { resolveConfig } from '@weiche/config';
import { createHubDeps, type HubDeps } from '../context.js';
import { buildApp } from '../gateway/app.js';
import { deliverJobId, processJobId } from '@weiche/queue';
import { isAdapterPaused } from '../operations.js';
import { HUB_PRODUCT } from '../version.js';
import { oldestWaitingAgeMs } from './queue-status.js';
import { AdminAuthenticator } from './authenticate.js';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const SERVICE = 'urn:de:fim:leika:leistung:99010003001006';
const TOKENS = { operator: randomBytes(16).toString('hex'), adminA: randomBytes(16).toString('hex'), auditor: randomBytes(16).toString('hex') };
const API = '/admin/api/v1';

let deps: HubDeps;
let app: FastifyInstance;
let schema: string;
let signingKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
const ids = { a: '', b: '', aFailed: '', bFailed: '' };

async function oidcToken(claims: Record<string, unknown>, audience = 'weiche-admin'): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuer('https://keycloak.test/realms/weiche').setAudience(audience).setIssuedAt().setExpirationTime('5m').sign(signingKey);
}

/** A submission walked to ROUTED (stored package) and, with `fail`, to FAILED on route r2. */
async function seed(tenantId: string, fail: boolean): Promise<string> {
  const id = randomUUID();
  const j = deps.journal;
  await j.createSubmission({
    submissionId: id,
    tenantId,
    channel: 'fit-connect',
    channelRef: id,
    channelMeta: { caseId: randomUUID(), destinationId: randomUUID(), senderClientId: 'c', announcedAttachments: ['antrag-max-mustermann.pdf'] },
    serviceIdentifier: SERVICE,
    state: 'CREATED',
    actor: 'gateway',
  });
  await j.transition(id, { from: ['CREATED'], to: 'RECEIVED', actor: 'gw', stage: 'submit', patch: { senderReference: `ref-${tenantId}` } });
  await j.transition(id, { from: ['RECEIVED'], to: 'OPENED', actor: 'w', stage: 'open' });
  const output = { blobKey: 'k', packageName: 'p.zip', mimeType: 'application/zip', size: 1, sha256: 'ab'.repeat(32), prozessId: 'x', mappingModule: 'm', mappingVersion: '1' };
  await j.transition(id, { from: ['OPENED'], to: 'MAPPED', actor: 'w', stage: 'map', patch: { outputs: { 'xdomea-3.1.0:0401': output } } });
  const adapter = `dms-${tenantId.slice(-1)}`;
  await j.transition(id, { from: ['MAPPED'], to: 'ROUTED', actor: 'w', stage: 'route', deliveries: [{ routeId: 'r2', adapterInstance: adapter, target: 'xdomea-3.1.0:0401' }] });
  if (fail) {
    await j.recordAttempt({ submissionId: id, routeId: 'r2', attempt: 1, outcome: 'permanent', error: 'far side said no' });
    await j.failDelivery({ submissionId: id, routeId: 'r2', reason: 'permanent: far side said no', actor: 'd' });
  }
  return id;
}

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'weiche-admin-'));
  schema = `t_${randomBytes(5).toString('hex')}`;
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  signingKey = privateKey;
  const jwksFile = join(dir, 'jwks.json');
  await writeFile(jwksFile, JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }] }));
  await writeFile(join(dir, 'auditor.token'), `${TOKENS.auditor}\n`);
  const config = resolveConfig(
    {
      server: { host: '127.0.0.1', port: 0 },
      redis: { url: REDIS_URL, prefix: `wt_${randomBytes(5).toString('hex')}` },
      database: { url: DATABASE_URL, schema },
      dataDir: join(dir, 'data'),
      tenants: [
        { id: 'stadt-a', name: 'Stadt A', behoerdenkennung: 'ags:00000001' },
        { id: 'stadt-b', name: 'Stadt B', behoerdenkennung: 'ags:00000002' },
      ],
      adapters: [
        { id: 'dms-a', kind: 'dms-folder', config: { path: join(dir, 'a') } },
        { id: 'dms-b', kind: 'dms-folder', config: { path: join(dir, 'b') } },
        { id: 'shared', kind: 'dms-folder', config: { path: join(dir, 's') } },
      ],
      routes: [
        { id: 'a-main', tenant: 'stadt-a', service: '*', target: 'xdomea-3.1.0:0401', adapter: 'dms-a' },
        { id: 'b-main', tenant: 'stadt-b', service: '*', target: 'xdomea-3.1.0:0401', adapter: 'dms-b' },
        { id: 'a-copy', tenant: 'stadt-a', service: '*', target: 'xdomea-3.1.0:0401', adapter: 'shared' },
        { id: 'b-copy', tenant: 'stadt-b', service: '*', target: 'xdomea-3.1.0:0401', adapter: 'shared' },
      ],
      admin: {
        tokens: [
          { token: TOKENS.operator, subject: 'olga', role: 'operator' },
          { token: TOKENS.adminA, subject: 'anna', role: 'tenant-admin', tenants: ['stadt-a'] },
          { token: { file: join(dir, 'auditor.token') }, subject: 'udo', role: 'auditor' },
        ],
        oidc: { issuer: 'https://keycloak.test/realms/weiche', audience: 'weiche-admin', jwksFile, roleClaim: 'realm_access.roles', tenantsClaim: 'weiche_tenants' },
      },
    },
    { env: {} },
  );
  deps = await createHubDeps(config, pino({ level: 'silent' }));
  app = await buildApp(deps);
  ids.a = await seed('stadt-a', false);
  ids.b = await seed('stadt-b', false);
  ids.aFailed = await seed('stadt-a', true);
  ids.bFailed = await seed('stadt-b', true);
  // an operator record on each tenant's submission, for the audit list
  for (const submissionId of [ids.a, ids.b]) await deps.journal.audit({ submissionId, actor: 'olga', stage: 'operator', details: { action: 'note' } });
});

afterAll(async () => {
  await app.close();
  await deps.close();
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await client.end();
});

type Method = 'GET' | 'POST';
async function call(token: string | undefined, method: Method, url: string, body?: unknown): Promise<{ status: number; headers: Record<string, unknown>; json: () => unknown; body: string }> {
  const res = await app.inject({ method, url, ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}), ...(body !== undefined ? { payload: body as Record<string, unknown> } : {}) });
  return { status: res.statusCode, headers: res.headers, json: () => res.json() as unknown, body: res.body };
}

describe('admin API authentication', () => {
  it('refuses requests without or with an unknown token (401 problem)', async () => {
    for (const token of [undefined, 'nope', 'a.b.c']) {
      const res = await call(token, 'GET', `${API}/tenants`);
      expect(res.status).toBe(401);
      expect(res.json()).toMatchObject({ type: 'urn:weiche:problem:unauthorized', status: 401 });
    }
  });

  it('knows the subject and role of static tokens (inline and from a file)', async () => {
    expect((await call(TOKENS.operator, 'GET', `${API}/me`)).json()).toEqual({ subject: 'olga', role: 'operator', tenants: 'all' });
    expect((await call(TOKENS.adminA, 'GET', `${API}/me`)).json()).toEqual({ subject: 'anna', role: 'tenant-admin', tenants: ['stadt-a'] });
    expect((await call(TOKENS.auditor, 'GET', `${API}/me`)).json()).toEqual({ subject: 'udo', role: 'auditor', tenants: 'all' });
  });

  it('validates OIDC JWTs: issuer, audience, signature; role and tenants from configured claims', async () => {
    const good = await oidcToken({ sub: 'kc-user-1', realm_access: { roles: ['offline_access', 'tenant-admin'] }, weiche_tenants: ['stadt-b'] });
    expect((await call(good, 'GET', `${API}/me`)).json()).toEqual({ subject: 'kc-user-1', role: 'tenant-admin', tenants: ['stadt-b'] });
    const tenants = (await call(good, 'GET', `${API}/tenants`)).json() as Array<{ id: string }>;
    expect(tenants.map((t) => t.id)).toEqual(['stadt-b']);
    expect((await call(await oidcToken({ sub: 'x', realm_access: { roles: ['operator'] } }, 'other-audience'), 'GET', `${API}/me`)).status).toBe(401);
    expect((await call(await oidcToken({ sub: 'x', realm_access: { roles: ['viewer'] } }), 'GET', `${API}/me`)).status).toBe(403);
    expect((await call(await oidcToken({ sub: 'x', realm_access: { roles: ['tenant-admin'] } }), 'GET', `${API}/me`)).status).toBe(403);
    const tampered = good.slice(0, -4) + (good.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect((await call(tampered, 'GET', `${API}/me`)).status).toBe(401);
  });

  it('refuses an OIDC JWT without an expiry: a leaked one would admit its holder for good', async () => {
    const claims = { sub: 'x', realm_access: { roles: ['operator'] } };
    const forever = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuer('https://keycloak.test/realms/weiche').setAudience('weiche-admin').setIssuedAt().sign(signingKey);
    const res = await call(forever, 'GET', `${API}/me`);
    expect(res.status).toBe(401);
    expect(res.json()).toMatchObject({ type: 'urn:weiche:problem:unauthorized' });
    expect((await call(await oidcToken(claims), 'GET', `${API}/me`)).status).toBe(200);
  });
});

describe('admin API reads', () => {
  it('lists configuration, adapters with circuit and paused flag, and queues', async () => {
    const adapters = (await call(TOKENS.operator, 'GET', `${API}/adapters`)).json() as Array<{ id: string; tenants: string[]; paused: boolean; circuit: { state: string } }>;
    expect(adapters.map((a) => a.id)).toEqual(['dms-a', 'dms-b', 'shared']);
    expect(adapters[2]).toMatchObject({ tenants: ['stadt-a', 'stadt-b'], paused: false, circuit: { state: 'closed' } });
    const queues = (await call(TOKENS.operator, 'GET', `${API}/queues`)).json() as Array<{ name: string; counts: Record<string, number>; throughputPerMinute: number[] | null; oldestWaitingAgeMs: number | null }>;
    expect(queues.map((q) => q.name)).toEqual(['process', 'deliver:dms-a', 'deliver:dms-b', 'deliver:shared']);
    expect(queues[1]?.throughputPerMinute).toHaveLength(60);
    expect(queues[1]?.counts).toHaveProperty('waiting');
    expect(queues[1]?.oldestWaitingAgeMs).toBeNull();
    expect((await call(TOKENS.operator, 'GET', `${API}/routes`)).json()).toHaveLength(4);
  });

  it('searches submissions by the filters, pages, and validates the query', async () => {
    const res = (await call(TOKENS.operator, 'GET', `${API}/submissions?tenant=stadt-a&limit=1`)).json() as { total: number; items: Array<{ submissionId: string }> };
    expect(res.total).toBe(2);
    expect(res.items).toHaveLength(1);
    const byRef = (await call(TOKENS.operator, 'GET', `${API}/submissions?senderReference=ref-stadt-b&state=FAILED`)).json() as { items: Array<{ submissionId: string }> };
    expect(byRef.items.map((i) => i.submissionId)).toEqual([ids.bFailed]);
    const future = encodeURIComponent(new Date(Date.now() + 60_000).toISOString());
    expect(((await call(TOKENS.operator, 'GET', `${API}/submissions?from=${future}`)).json() as { total: number }).total).toBe(0);
    const bad = await call(TOKENS.operator, 'GET', `${API}/submissions?state=LOST`);
    expect(bad.status).toBe(400);
    expect(bad.json()).toMatchObject({ type: 'urn:weiche:problem:bad-request' });
    expect((bad.json() as { detail: string }).detail).toMatch(/^state: /);
    const tooFew = await call(TOKENS.operator, 'GET', `${API}/submissions?limit=0`);
    expect(tooFew.status).toBe(400);
    expect(tooFew.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect((tooFew.json() as { detail: string }).detail).toMatch(/^limit: /);
  });

  it('shows a timeline of journal, audit and attempts without personal data', async () => {
    const res = await call(TOKENS.operator, 'GET', `${API}/submissions/${ids.aFailed}`);
    expect(res.status).toBe(200);
    const detail = res.json() as { submission: { state: string }; deliveries: Array<{ lastError: string }>; timeline: Array<{ kind: string; stage?: string }> };
    expect(detail.submission.state).toBe('FAILED');
    expect(detail.deliveries[0]?.lastError).toBe('permanent: far side said no');
    expect(detail.timeline.filter((e) => e.kind === 'audit').map((e) => e.stage)).toEqual(['intake', 'submit', 'open', 'map', 'route', 'dead-letter']);
    expect(detail.timeline.some((e) => e.kind === 'attempt')).toBe(true);
    expect(res.body).not.toMatch(/mustermann|p\.zip|blobKey/i);
  });
});

// Every read and action endpoint, with a path into tenant A and one into tenant B (filled in lazily).
const ENDPOINTS: Array<{ name: string; method: Method; url: (t: 'a' | 'b') => string; body?: unknown; action: boolean }> = [
  { name: 'tenant', method: 'GET', url: (t) => `${API}/tenants/stadt-${t}`, action: false },
  { name: 'adapter', method: 'GET', url: (t) => `${API}/adapters/dms-${t}`, action: false },
  { name: 'submission detail', method: 'GET', url: (t) => `${API}/submissions/${ids[t === 'a' ? 'aFailed' : 'bFailed']}`, action: false },
  { name: 'replay deliver', method: 'POST', url: (t) => `${API}/submissions/${ids[t === 'a' ? 'aFailed' : 'bFailed']}/replay`, body: { stage: 'deliver' }, action: true },
  { name: 'replay open', method: 'POST', url: (t) => `${API}/submissions/${ids[t === 'a' ? 'aFailed' : 'bFailed']}/replay`, body: { stage: 'open' }, action: true },
  { name: 'redeliver route', method: 'POST', url: (t) => `${API}/submissions/${ids[t === 'a' ? 'aFailed' : 'bFailed']}/routes/r2/redeliver`, body: {}, action: true },
  { name: 'discard', method: 'POST', url: (t) => `${API}/submissions/${ids[t === 'a' ? 'aFailed' : 'bFailed']}/discard`, body: { reason: 'duplicate' }, action: true },
  { name: 'pause adapter', method: 'POST', url: (t) => `${API}/adapters/dms-${t}/pause`, action: true },
  { name: 'resume adapter', method: 'POST', url: (t) => `${API}/adapters/dms-${t}/resume`, action: true },
];

// shared: A sees the adapter instance it shares with B, never B's name on it, nor its queue (counts of B)
const LISTS: Array<{ name: string; url: string; ids: (json: unknown) => string[]; forbidden?: RegExp; empty?: boolean }> = [
  { name: 'tenants', url: `${API}/tenants`, ids: (j) => (j as Array<{ id: string }>).map((x) => x.id) },
  { name: 'routes', url: `${API}/routes`, ids: (j) => (j as Array<{ tenant: string }>).map((x) => x.tenant) },
  { name: 'adapters', url: `${API}/adapters`, ids: (j) => (j as Array<{ id: string }>).map((x) => x.id) },
  { name: 'queues', url: `${API}/queues`, ids: (j) => (j as Array<{ name: string }>).map((x) => x.name), forbidden: /stadt-b|dms-b|shared|process/ },
  { name: 'submissions', url: `${API}/submissions`, ids: (j) => (j as { items: Array<{ tenantId: string }> }).items.map((x) => x.tenantId) },
  { name: 'submissions filtered to B', url: `${API}/submissions?tenant=stadt-b`, ids: (j) => (j as { items: Array<{ tenantId: string }> }).items.map((x) => x.tenantId), empty: true },
  { name: 'dead letters', url: `${API}/dead-letters`, ids: (j) => (j as { items: Array<{ tenantId: string }> }).items.map((x) => x.tenantId) },
  { name: 'stats', url: `${API}/stats`, ids: (j) => (j as { countsByState: Array<{ tenantId: string }> }).countsByState.map((x) => x.tenantId) },
  { name: 'audit', url: `${API}/audit`, ids: (j) => (j as { items: Array<{ submissionId: string | null }> }).items.map((x) => x.submissionId ?? '(none)') },
];

describe('tenant isolation: a tenant-admin of A', () => {
  it.each(ENDPOINTS)('gets 404 for $name of tenant B, and B is unchanged', async ({ method, url, body }) => {
    const auditBefore = (await deps.journal.listAudit({ limit: 10_000 })).length;
    const res = await call(TOKENS.adminA, method, url('b'), body);
    expect(res.status).toBe(404);
    // the problem names the caller's own URL as instance, nothing else of B
    expect((res.json() as { detail: string }).detail).toMatch(/^no such /);
    expect((await deps.journal.listAudit({ limit: 10_000 })).length).toBe(auditBefore);
    expect((await deps.journal.getSubmission(ids.bFailed))?.state).toBe('FAILED');
    expect(await isAdapterPaused(deps, 'dms-b')).toBe(false);
  });

  it.each(LISTS)('sees only A in the $name list', async ({ url, ids: idsOf, forbidden, empty }) => {
    const res = await call(TOKENS.adminA, 'GET', url);
    expect(res.status).toBe(200);
    expect(res.body).not.toContain('stadt-b');
    expect(res.body).not.toContain(ids.b);
    expect(res.body).not.toContain(ids.bFailed);
    const items = idsOf(res.json());
    if (empty) expect(items).toEqual([]);
    else expect(items.length).toBeGreaterThan(0);
    for (const id of items) expect(id).not.toMatch(forbidden ?? /stadt-b|dms-b/);
  });

  it('sees the shared adapter but may not pause it (403); the operator may', async () => {
    expect((await call(TOKENS.adminA, 'GET', `${API}/adapters/shared`)).status).toBe(200);
    expect((await call(TOKENS.adminA, 'POST', `${API}/adapters/shared/pause`)).status).toBe(403);
    expect(await isAdapterPaused(deps, 'shared')).toBe(false);
    expect((await call(TOKENS.operator, 'POST', `${API}/adapters/shared/pause`)).status).toBe(200);
    expect(await isAdapterPaused(deps, 'shared')).toBe(true);
    expect((await call(TOKENS.operator, 'POST', `${API}/adapters/shared/resume`)).status).toBe(200);
    expect(await isAdapterPaused(deps, 'shared')).toBe(false);
  });
});

describe('auditor', () => {
  it.each(ENDPOINTS.filter((e) => e.action))('gets 403 for $name', async ({ method, url, body }) => {
    const res = await call(TOKENS.auditor, method, url('a'), body);
    expect(res.status).toBe(403);
  });
  it('reads everything, including the audit list', async () => {
    expect((await call(TOKENS.auditor, 'GET', `${API}/submissions/${ids.bFailed}`)).status).toBe(200);
    expect((await call(TOKENS.auditor, 'GET', `${API}/audit`)).status).toBe(200);
  });
});

describe('actions (audited with the token subject)', () => {
  it('pauses and resumes an own adapter', async () => {
    expect((await call(TOKENS.adminA, 'POST', `${API}/adapters/dms-a/pause`)).json()).toMatchObject({ ok: true, actor: 'anna' });
    expect(await isAdapterPaused(deps, 'dms-a')).toBe(true);
    const adapter = (await call(TOKENS.adminA, 'GET', `${API}/adapters/dms-a`)).json() as { paused: boolean };
    expect(adapter.paused).toBe(true);
    await call(TOKENS.adminA, 'POST', `${API}/adapters/dms-a/resume`);
    expect(await isAdapterPaused(deps, 'dms-a')).toBe(false);
    const audit = (await call(TOKENS.operator, 'GET', `${API}/audit?limit=2`)).json() as { items: Array<{ actor: string; details: { action: string } }> };
    expect(audit.items.map((i) => [i.actor, i.details.action])).toEqual([
      ['anna', 'resume-adapter'],
      ['anna', 'pause-adapter'],
    ]);
  });

  it('answers a replay sent without a body with a problem that says the body is missing', async () => {
    const id = await seed('stadt-a', true);
    const res = await call(TOKENS.operator, 'POST', `${API}/submissions/${id}/replay`);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect((res.json() as { detail: string }).detail).toBe('body: none was sent; this request takes a JSON object (content-type: application/json), see /docs');
    expect((await deps.journal.getSubmission(id))?.state).toBe('FAILED');
  });

  it('discards a dead letter with a reason: it stays FAILED and leaves the dead-letter list', async () => {
    const id = await seed('stadt-a', true);
    const listed = async (): Promise<string[]> => ((await call(TOKENS.adminA, 'GET', `${API}/dead-letters?limit=100`)).json() as { items: Array<{ submissionId: string }> }).items.map((i) => i.submissionId);
    expect(await listed()).toContain(id);
    const noReason = await call(TOKENS.adminA, 'POST', `${API}/submissions/${id}/discard`, {});
    expect(noReason.status).toBe(400);
    expect((noReason.json() as { detail: string }).detail).toMatch(/^reason: /);
    const res = await call(TOKENS.adminA, 'POST', `${API}/submissions/${id}/discard`, { reason: 'sent twice' });
    expect(res.json()).toEqual({ ok: true, action: 'discard', actor: 'anna', routes: ['r2'] });
    expect(await listed()).not.toContain(id);
    expect((await deps.journal.getSubmission(id))?.state).toBe('FAILED');
    const records = await deps.journal.listAudit({ submissionId: id, limit: 100 });
    expect(records.at(-1)).toMatchObject({ actor: 'anna', stage: 'discard', details: { reason: 'sent twice' } });
    expect((await call(TOKENS.adminA, 'POST', `${API}/submissions/${id}/discard`, { reason: 'again' })).status).toBe(409);
  });

  it('replays from deliver (route back to PENDING, job queued) and refuses a second replay', async () => {
    const id = await seed('stadt-a', true);
    const res = await call(TOKENS.adminA, 'POST', `${API}/submissions/${id}/replay`, { stage: 'deliver', reason: 'far side fixed' });
    expect(res.json()).toEqual({ ok: true, action: 'replay-deliver', actor: 'anna', routes: ['r2'] });
    expect((await deps.journal.getSubmission(id))?.state).toBe('ROUTED');
    expect((await deps.journal.listDeliveries(id))[0]?.state).toBe('PENDING');
    expect(await deps.queues.deliverQueue('dms-a').getJob(deliverJobId(id, 'r2'))).toBeDefined();
    expect((await call(TOKENS.adminA, 'POST', `${API}/submissions/${id}/replay`, { stage: 'deliver' })).status).toBe(409);
    expect((await deps.journal.listAudit({ submissionId: id, limit: 100 })).at(-1)).toMatchObject({ actor: 'anna', stage: 'redeliver' });
  });

  it('replays from open (back to RECEIVED, process job queued) and redelivers one route', async () => {
    const id = await seed('stadt-a', true);
    expect((await call(TOKENS.operator, 'POST', `${API}/submissions/${id}/replay`, { stage: 'open' })).json()).toMatchObject({ action: 'replay-open', actor: 'olga' });
    expect((await deps.journal.getSubmission(id))?.state).toBe('RECEIVED');
    expect(await deps.queues.process.getJob(processJobId(id))).toBeDefined();
    const other = await seed('stadt-a', true);
    // a mistyped route is named as such, with the submission's routes to choose from
    const typo = await call(TOKENS.operator, 'POST', `${API}/submissions/${other}/routes/nope/redeliver`, {});
    expect(typo.status).toBe(404);
    expect(typo.json()).toMatchObject({ detail: 'the submission has no route "nope" (its routes: r2)' });
    expect((await call(TOKENS.operator, 'POST', `${API}/submissions/${other}/routes/r2/redeliver`, {})).json()).toMatchObject({ routes: ['r2'], actor: 'olga' });
  });
});

describe('OpenAPI, metrics, health', () => {
  it('serves an OpenAPI 3 document generated from the route schemas, and the UI with local assets', async () => {
    const doc = (await app.inject({ url: '/docs/json' })).json() as { openapi: string; paths: Record<string, Record<string, { parameters?: Array<{ name: string }>; requestBody?: unknown }>> };
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining([`${API}/submissions`, `${API}/submissions/{submissionId}/replay`, `${API}/dead-letters`, `${API}/queues`]));
    expect(doc.paths[`${API}/submissions`]?.get?.parameters?.map((p) => p.name)).toEqual(expect.arrayContaining(['caseId', 'senderReference', 'state', 'from', 'to', 'limit', 'offset']));
    expect(doc.paths[`${API}/submissions/{submissionId}/discard`]?.post?.requestBody).toBeDefined();
    expect(Object.keys(doc.paths).some((p) => p.startsWith('/v1/'))).toBe(false);
    const ui = await app.inject({ url: '/docs/' });
    expect(ui.statusCode).toBe(200);
    expect(ui.body).not.toMatch(/src="https?:\/\//);
    expect((await app.inject({ url: '/docs/static/swagger-ui-bundle.js' })).statusCode).toBe(200);
  });

  it('documents every admin route: summary, tags, bearer security, its path parameters and a response schema', async () => {
    type Operation = { summary?: string; tags?: string[]; security?: unknown[]; parameters?: Array<{ name: string; in: string }>; responses?: Record<string, { content?: Record<string, { schema?: unknown }> }> };
    const doc = (await app.inject({ url: '/docs/json' })).json() as { paths: Record<string, Record<string, Operation>> };
    const documented = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith(API))
      .flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`));
    expect(documented.sort()).toEqual(servedRoutes(app, API).sort());
    expect(documented).toEqual(expect.arrayContaining([`GET ${API}/submissions/{submissionId}`, `POST ${API}/submissions/{submissionId}/routes/{routeId}/redeliver`, `GET ${API}/sign-in`]));
    // routes that answer CSV or a JWS have no JSON response schema
    const notJson = new Set([`${API}/submissions.csv`, `${API}/dead-letters.csv`, `${API}/ozg-progress.csv`, `${API}/submissions/{submissionId}/evidence`]);
    for (const [path, ops] of Object.entries(doc.paths).filter(([p]) => p.startsWith(API))) {
      for (const [method, op] of Object.entries(ops)) {
        const where = `${method} ${path}`;
        expect(op.summary, where).toBeTruthy();
        expect(op.tags?.length, where).toBeGreaterThan(0);
        expect(op.security, where).toEqual(path === `${API}/sign-in` ? [] : [{ bearer: [] }]);
        const pathParams = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
        expect(op.parameters?.filter((p) => p.in === 'path').map((p) => p.name).sort() ?? [], where).toEqual(pathParams.sort());
        if (!notJson.has(path)) expect(op.responses?.['200']?.content?.['application/json']?.schema, where).toBeDefined();
      }
    }
    const submissions = doc.paths[`${API}/submissions`]?.get?.responses?.['200']?.content?.['application/json']?.schema as { properties: { items: { items: { properties: Record<string, { format?: string }> } } } };
    expect(submissions.properties.items.items.properties.createdAt?.format).toBe('date-time');
    expect(Object.keys(submissions.properties.items.items.properties)).toEqual(expect.arrayContaining(['channel', 'channelRef', 'caseId']));
  });

  it('exposes metrics whose stage counters move with the journal', async () => {
    const scrape = async (): Promise<string> => {
      const res = await app.inject({ url: '/metrics' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/text\/plain/);
      return res.body;
    };
    const value = (text: string, series: string): number => {
      const line = text.split('\n').find((l) => l.startsWith(series + ' '));
      return line ? Number(line.slice(series.length + 1)) : 0;
    };
    const before = await scrape();
    await seed('stadt-a', true);
    const after = await scrape();
    expect(value(after, 'weiche_journal_records_total{stage="dead-letter",to_state="FAILED"}')).toBe(value(before, 'weiche_journal_records_total{stage="dead-letter",to_state="FAILED"}') + 1);
    expect(value(after, 'weiche_delivery_attempts_total{adapter="dms-a",outcome="permanent"}')).toBeGreaterThan(value(before, 'weiche_delivery_attempts_total{adapter="dms-a",outcome="permanent"}'));
    expect(value(after, 'weiche_stage_duration_seconds_count{stage="route"}')).toBeGreaterThan(value(before, 'weiche_stage_duration_seconds_count{stage="route"}'));
    expect(after).toMatch(/weiche_queue_jobs\{queue="deliver:dms-a",state="waiting"\} \d+/);
    expect(after).toMatch(/weiche_circuit_state\{adapter="shared"\} 0/);
    expect(value(after, 'weiche_dead_letters{tenant="stadt-b"}')).toBe(1);
  });

  it('names its metrics with one weiche_ prefix and labels routes by pattern, never by raw URL', async () => {
    await app.inject({ url: `${API}/submissions/${ids.a}`, headers: { authorization: `Bearer ${TOKENS.operator}` } });
    await app.inject({ url: `/no/such/path/${randomUUID()}` });
    const id = await seed('stadt-b', false);
    // a delivery waits (no dispatcher runs here), and one attempt that took 1.5 s is journaled
    await deps.queues.enqueueDelivery('dms-b', { submissionId: id, routeId: 'r2' });
    await deps.journal.recordAttempt({ submissionId: id, routeId: 'r2', attempt: 1, outcome: 'transient', error: 'busy', durationMs: 1500 });
    await vi.waitFor(async () => expect(await oldestWaitingAgeMs(deps.queues.deliverQueue('dms-b'))).toBeGreaterThan(0), { timeout: 30_000 });
    const text = (await app.inject({ url: '/metrics' })).body;
    const names = new Set(text.split('\n').filter((l) => l.startsWith('# TYPE ')).map((l) => l.split(' ')[2]));
    expect([...names].filter((n) => !n!.startsWith('weiche_'))).toEqual([]);
    expect([...names].filter((n) => n!.includes('process_process') || n!.startsWith('weiche_weiche'))).toEqual([]);
    for (const name of ['weiche_process_cpu_seconds_total', 'weiche_process_resident_memory_bytes', 'weiche_nodejs_eventloop_lag_seconds', 'weiche_build_info', 'weiche_http_request_duration_seconds', 'weiche_delivery_duration_seconds', 'weiche_queue_oldest_waiting_seconds']) {
      expect(names.has(name), name).toBe(true);
    }
    expect(text).toMatch(new RegExp(`weiche_build_info\\{version="${HUB_PRODUCT.version.replace(/\./g, '\\.')}",commit="[^"]+",node="${process.versions.node.replace(/\./g, '\\.')}"\\} 1`));
    expect(text).toMatch(/weiche_http_request_duration_seconds_count\{method="GET",route="\/admin\/api\/v1\/submissions\/:submissionId",status="200"\} [1-9]/);
    expect(text).toMatch(/weiche_http_request_duration_seconds_count\{method="GET",route="\(unmatched\)",status="404"\} [1-9]/);
    // no id and no raw path in any label
    expect(text).not.toContain(ids.a);
    expect(text).not.toContain('/no/such/path');
    expect(text).toMatch(/weiche_delivery_duration_seconds_bucket\{le="2.5",adapter="dms-b",outcome="transient"\} 1\n/);
    expect(text).toMatch(/weiche_delivery_duration_seconds_bucket\{le="1",adapter="dms-b",outcome="transient"\} 0\n/);
    const oldest = /weiche_queue_oldest_waiting_seconds\{queue="deliver:dms-b"\} ([\d.e+-]+)/.exec(text);
    expect(Number(oldest?.[1])).toBeGreaterThan(0);
    for (const queue of ['process', 'deliver:dms-a', 'deliver:dms-b', 'deliver:shared']) expect(text).toMatch(new RegExp(`weiche_queue_oldest_waiting_seconds\\{queue="${queue}"\\} [\\d.e+-]+\\n`));
  });

  it('serves a landing page at / (HTML for browsers, a JSON index when asked), listing what this role serves', async () => {
    const html = await app.inject({ url: '/', headers: { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' } });
    expect(html.statusCode).toBe(200);
    expect(html.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(html.body).toContain('href="/admin/"');
    expect(html.body).toContain('href="/docs"');
    expect(html.body).toContain('href="/healthz"');
    expect(html.body).not.toMatch(/(src|href)="https?:/);
    expect((await app.inject({ url: '/', headers: { accept: '*/*' } })).headers['content-type']).toMatch(/^text\/html/);
    const json = await app.inject({ url: '/', headers: { accept: 'application/json', host: 'hub.example:8080' } });
    expect(json.json()).toMatchObject({ product: 'Weiche', links: { console: 'http://hub.example:8080/admin/', senderApi: 'http://hub.example:8080/v1', readiness: 'http://hub.example:8080/readyz' } });
    const adminOnly = await buildApp(deps, { sender: false });
    try {
      const links = (await adminOnly.inject({ url: '/', headers: { accept: 'application/json' } })).json<{ links: Record<string, string> }>().links;
      expect(Object.keys(links)).toEqual(expect.arrayContaining(['console', 'apiDocs', 'health']));
      expect(links.senderApi).toBeUndefined();
    } finally {
      await adminOnly.close();
    }
  });

  it('serves the admin API without the sender API for the admin role alone', async () => {
    const adminOnly = await buildApp(deps, { sender: false });
    try {
      expect((await adminOnly.inject({ method: 'POST', url: '/token', payload: { grant_type: 'client_credentials' } })).statusCode).toBe(404);
      expect((await adminOnly.inject({ url: `${API}/me`, headers: { authorization: `Bearer ${TOKENS.operator}` } })).statusCode).toBe(200);
      expect((await adminOnly.inject({ url: '/readyz' })).statusCode).toBe(200);
    } finally {
      await adminOnly.close();
    }
  });

  it('keeps /healthz and /readyz', async () => {
    expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200);
    expect((await app.inject({ url: '/readyz' })).json()).toMatchObject({ status: 'ready' });
  });
});

describe('AdminAuthenticator configuration', () => {
  it('reports an unreadable token file as a configuration problem naming the file', () => {
    expect(() => new AdminAuthenticator({ tokens: [{ token: { file: '/nonexistent/weiche-admin.token' }, subject: 's', role: 'operator', tenants: [] }] })).toThrow(
      /cannot read admin secret file \/nonexistent\/weiche-admin\.token/,
    );
  });
});

/** `METHOD /path/{param}` of every route the app serves under `prefix` (HEAD left out), read from fastify's route tree. */
function servedRoutes(server: FastifyInstance, prefix: string): string[] {
  const stack: string[] = [];
  const routes: string[] = [];
  for (const line of server.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^([│ ]*)[├└]── (\S+)(?: \(([^)]*)\))?/.exec(line);
    if (!match) continue;
    const depth = (match[1] ?? '').length / 4;
    stack.length = depth;
    stack.push(match[2] ?? '');
    const path = stack.join('').replace(/:(\w+)/g, '{$1}');
    for (const method of (match[3] ?? '').split(', ').filter((m) => m && m !== 'HEAD')) if (path.startsWith(prefix)) routes.push(`${method} ${path}`);
  }
  return routes;
}
