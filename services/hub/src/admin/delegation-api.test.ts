import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '@weiche/config';
import { createHubDeps, type HubDeps } from '../context.js';
import { buildApp } from '../gateway/app.js';

// Issue 15: a tenant-admin of the back office (B) sees and operates the submissions A delegated to it and
// nothing else of A; A's tenant-admin sees all of its own, including where they went, and acts on none of
// those B processes. Every list, search, export and action of the admin API, for both roles.
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const GEWERBE = 'urn:de:fim:leika:leistung:99050012104000';
const OTHER = 'urn:de:fim:leika:leistung:99010003001006';
const TOKENS = { operator: randomBytes(16).toString('hex'), adminA: randomBytes(16).toString('hex'), adminB: randomBytes(16).toString('hex'), auditor: randomBytes(16).toString('hex') };
const API = '/admin/api/v1';
const DELEGATIONS = [
  { id: 'gewerbe-a-b', from: 'stadt-a', service: GEWERBE, to: 'stadt-b', reason: 'B bearbeitet Gewerbeanzeigen für A' },
  { id: 'alles-c-a', from: 'stadt-c', service: '*', to: 'stadt-a', reason: 'A bearbeitet alles für C' },
];

let deps: HubDeps;
const destinations = { a: randomUUID(), b: randomUUID() };
let app: FastifyInstance;
let schema: string;
/** own: A's own; del: A's delegated to B; b: B's own. Failed ones are dead letters; one per action. */
const ids = { aOwn: '', aOwnFailed: '', del: '', delFailed: '', delReplay: '', delRedeliver: '', delRoute: '', delDiscard: '', delBulk: '', b: '', bFailed: '' };

/** A submission walked to ROUTED through the Journal API (with its back office decided), and with `fail` to FAILED. */
async function seed(tenantId: string, service: string, fail: boolean): Promise<string> {
  const id = randomUUID();
  const j = deps.journal;
  await j.createSubmission({ submissionId: id, tenantId, channel: 'xta', channelRef: id, channelMeta: {}, serviceIdentifier: service, state: 'RECEIVED', actor: 'gateway' });
  const delegation = DELEGATIONS.find((d) => d.from === tenantId && (d.service === service || d.service === '*'));
  const processing = delegation?.to ?? tenantId;
  await j.recordProcessingTenant(id, { processingTenantId: processing, ...(delegation ? { delegationId: delegation.id } : {}), actor: 'hub:processor' });
  await j.transition(id, { from: ['RECEIVED'], to: 'OPENED', actor: 'w', stage: 'open' });
  const output = { blobKey: 'k', packageName: 'p.zip', mimeType: 'application/zip', size: 1, sha256: 'ab'.repeat(32), prozessId: randomUUID(), mappingModule: 'm', mappingVersion: '1' };
  await j.transition(id, { from: ['OPENED'], to: 'MAPPED', actor: 'w', stage: 'map', patch: { outputs: { 'xdomea-3.1.0:0401': output } } });
  const route = `${processing.slice(-1)}-main`;
  await j.transition(id, { from: ['MAPPED'], to: 'ROUTED', actor: 'w', stage: 'route', deliveries: [{ routeId: route, adapterInstance: `dms-${processing.slice(-1)}`, target: 'xdomea-3.1.0:0401' }] });
  if (fail) {
    await j.recordAttempt({ submissionId: id, routeId: route, attempt: 1, outcome: 'permanent', error: 'DMS said no' });
    await j.failDelivery({ submissionId: id, routeId: route, reason: 'permanent: DMS said no', actor: 'd' });
  }
  await j.audit({ submissionId: id, actor: 'olga', stage: 'operator', details: { action: 'note' } });
  return id;
}

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'weiche-delegation-'));
  schema = `t_${randomBytes(5).toString('hex')}`;
  const config = resolveConfig(
    {
      server: { host: '127.0.0.1', port: 0 },
      redis: { url: REDIS_URL, prefix: `wt_${randomBytes(5).toString('hex')}` },
      database: { url: DATABASE_URL, schema },
      dataDir: join(dir, 'data'),
      tenants: [
        { id: 'stadt-a', name: 'Stadt A', behoerdenkennung: 'ags:00000001' },
        { id: 'stadt-b', name: 'Stadt B', behoerdenkennung: 'ags:00000002' },
        { id: 'stadt-c', name: 'Stadt C', behoerdenkennung: 'ags:00000003' },
      ],
      adapters: [
        { id: 'dms-a', kind: 'dms-folder', config: { path: join(dir, 'a') } },
        { id: 'dms-b', kind: 'dms-folder', config: { path: join(dir, 'b') } },
      ],
      destinations: (['a', 'b'] as const).map((t) => ({
        id: destinations[t],
        tenant: `stadt-${t}`,
        keys: { privateKeyFile: join(dir, `${t}.key.pem`), certificateFile: join(dir, `${t}.cert.pem`), generate: true },
        services: [{ identifier: GEWERBE, name: 'Gewerbe anmelden' }],
      })),
      routes: [
        { id: 'a-main', tenant: 'stadt-a', service: '*', target: 'xdomea-3.1.0:0401', adapter: 'dms-a' },
        { id: 'b-main', tenant: 'stadt-b', service: '*', target: 'xdomea-3.1.0:0401', adapter: 'dms-b' },
      ],
      delegations: DELEGATIONS,
      admin: {
        tokens: [
          { token: TOKENS.operator, subject: 'olga', role: 'operator' },
          { token: TOKENS.adminA, subject: 'anna', role: 'tenant-admin', tenants: ['stadt-a'] },
          { token: TOKENS.adminB, subject: 'bernd', role: 'tenant-admin', tenants: ['stadt-b'] },
          { token: TOKENS.auditor, subject: 'udo', role: 'auditor' },
        ],
      },
    },
    { env: {} },
  );
  deps = await createHubDeps(config, pino({ level: 'silent' }));
  app = await buildApp(deps);
  ids.aOwn = await seed('stadt-a', OTHER, false);
  ids.aOwnFailed = await seed('stadt-a', OTHER, true);
  ids.del = await seed('stadt-a', GEWERBE, false);
  for (const k of ['delFailed', 'delReplay', 'delRedeliver', 'delRoute', 'delDiscard', 'delBulk'] as const) ids[k] = await seed('stadt-a', GEWERBE, true);
  ids.b = await seed('stadt-b', GEWERBE, false);
  ids.bFailed = await seed('stadt-b', OTHER, true);
});

afterAll(async () => {
  await app?.close();
  await deps?.close();
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await client.end();
});

async function call(token: string, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown): Promise<{ status: number; json: <T = unknown>() => T; body: string }> {
  const res = await app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(body !== undefined ? { payload: body as Record<string, unknown> } : {}) });
  return { status: res.statusCode, json: <T>() => res.json() as T, body: res.body };
}

const DELEGATED = (): string[] => [ids.del, ids.delFailed, ids.delReplay, ids.delRedeliver, ids.delRoute, ids.delDiscard, ids.delBulk];
const DELEGATED_FAILED = (): string[] => DELEGATED().slice(1);
const sorted = (list: string[]): string[] => [...list].sort();
const idsOf = (page: { items: Array<{ submissionId: string }> }): string[] => sorted(page.items.map((i) => i.submissionId));
const csvIds = (csv: string): string[] => sorted(csv.split('\r\n').slice(1).filter(Boolean).map((line) => line.split(',')[0]!));

describe('what each tenant-admin sees of delegated submissions', () => {
  it('search: A sees its own including the delegated ones, B the delegated ones and its own, nothing else of A', async () => {
    const a = (await call(TOKENS.adminA, 'GET', `${API}/submissions?limit=100`)).json<{ total: number; items: Array<{ submissionId: string }> }>();
    expect(idsOf(a)).toEqual(sorted([ids.aOwn, ids.aOwnFailed, ...DELEGATED()]));
    const b = (await call(TOKENS.adminB, 'GET', `${API}/submissions?limit=100`)).json<{ total: number; items: Array<{ submissionId: string }> }>();
    expect(idsOf(b)).toEqual(sorted([...DELEGATED(), ids.b, ids.bFailed]));
    expect(b.total).toBe(DELEGATED().length + 2);
    // B filtering on A's tenant finds exactly what A delegated to it; searching A's own by id finds nothing
    expect(idsOf((await call(TOKENS.adminB, 'GET', `${API}/submissions?tenant=stadt-a&limit=100`)).json())).toEqual(sorted(DELEGATED()));
    expect((await call(TOKENS.adminB, 'GET', `${API}/submissions?id=${ids.aOwn}`)).json<{ total: number }>().total).toBe(0);
    expect((await call(TOKENS.adminA, 'GET', `${API}/submissions?id=${ids.b}`)).json<{ total: number }>().total).toBe(0);
    const row = (await call(TOKENS.adminA, 'GET', `${API}/submissions?id=${ids.del}`)).json<{ items: Array<Record<string, unknown>> }>().items[0];
    expect(row).toMatchObject({ tenantId: 'stadt-a', processingTenantId: 'stadt-b', delegationId: 'gewerbe-a-b' });
  });

  it('detail and timeline: A sees where its delegated submission went, B sees it, neither sees the other\'s own', async () => {
    const forA = await call(TOKENS.adminA, 'GET', `${API}/submissions/${ids.del}`);
    expect(forA.status).toBe(200);
    const detail = forA.json<{ submission: Record<string, unknown>; deliveries: Array<{ routeId: string; adapterInstance: string }>; timeline: Array<{ stage?: string; details?: Record<string, unknown> }> }>();
    expect(detail.submission).toMatchObject({ tenantId: 'stadt-a', processingTenantId: 'stadt-b', delegationId: 'gewerbe-a-b' });
    expect(detail.deliveries).toEqual([expect.objectContaining({ routeId: 'b-main', adapterInstance: 'dms-b' })]);
    expect(detail.timeline.find((e) => e.stage === 'delegate')?.details).toMatchObject({ delegationId: 'gewerbe-a-b', tenantId: 'stadt-a', processingTenantId: 'stadt-b' });
    expect((await call(TOKENS.adminB, 'GET', `${API}/submissions/${ids.del}`)).status).toBe(200);
    expect((await call(TOKENS.adminB, 'GET', `${API}/submissions/${ids.aOwn}`)).status).toBe(404);
    expect((await call(TOKENS.adminA, 'GET', `${API}/submissions/${ids.b}`)).status).toBe(404);
  });

  it('dead letters and their CSV exports follow the same scope', async () => {
    const a = (await call(TOKENS.adminA, 'GET', `${API}/dead-letters?limit=100`)).json<{ items: Array<{ submissionId: string }> }>();
    expect(idsOf(a)).toEqual(sorted([ids.aOwnFailed, ...DELEGATED_FAILED()]));
    const b = (await call(TOKENS.adminB, 'GET', `${API}/dead-letters?limit=100`)).json<{ items: Array<{ submissionId: string }> }>();
    expect(idsOf(b)).toEqual(sorted([...DELEGATED_FAILED(), ids.bFailed]));
    expect(csvIds((await call(TOKENS.adminB, 'GET', `${API}/dead-letters.csv`)).body)).toEqual(sorted([...DELEGATED_FAILED(), ids.bFailed]));
    const csvA = (await call(TOKENS.adminA, 'GET', `${API}/submissions.csv`)).body;
    expect(csvIds(csvA)).toEqual(sorted([ids.aOwn, ids.aOwnFailed, ...DELEGATED()]));
    expect(csvA.split('\r\n')[0]).toContain('processingTenantId,delegationId');
    expect(csvA).toContain(`${ids.del},`);
    expect(csvA.split('\r\n').find((l) => l.startsWith(ids.del))).toContain(',stadt-b,gewerbe-a-b,');
    expect(csvIds((await call(TOKENS.adminB, 'GET', `${API}/submissions.csv`)).body)).toEqual(sorted([...DELEGATED(), ids.b, ids.bFailed]));
  });

  it('statistics, operator audit and audit records: B counts and reads the delegated ones, not A\'s own', async () => {
    const stats = (await call(TOKENS.adminB, 'GET', `${API}/stats`)).json<{ countsByState: Array<{ tenantId: string; count: number }> }>();
    const perTenant = (t: string): number => stats.countsByState.filter((c) => c.tenantId === t).reduce((n, c) => n + c.count, 0);
    expect(perTenant('stadt-a')).toBe(DELEGATED().length);
    expect(perTenant('stadt-b')).toBe(2);
    const statsA = (await call(TOKENS.adminA, 'GET', `${API}/stats`)).json<{ countsByState: Array<{ tenantId: string }> }>();
    expect(new Set(statsA.countsByState.map((c) => c.tenantId))).toEqual(new Set(['stadt-a']));

    const audit = (await call(TOKENS.adminB, 'GET', `${API}/audit?limit=100`)).json<{ items: Array<{ submissionId: string | null }> }>();
    expect(sorted(audit.items.map((i) => i.submissionId ?? ''))).toEqual(sorted([...DELEGATED(), ids.b, ids.bFailed]));
    const records = async (token: string, id: string): Promise<number> => (await call(token, 'GET', `${API}/audit/records?submissionId=${id}`)).json<{ total: number }>().total;
    expect(await records(TOKENS.adminB, ids.del)).toBeGreaterThan(5);
    expect(await records(TOKENS.adminB, ids.aOwn)).toBe(0);
    expect(await records(TOKENS.adminA, ids.del)).toBe(await records(TOKENS.operator, ids.del));
    expect(await records(TOKENS.adminA, ids.b)).toBe(0);
  });

  it("configuration lists and the caller's own data stay each tenant's own, for both tenant-admins", async () => {
    const list = async (token: string, path: string, key: string): Promise<unknown[]> => (await call(token, 'GET', `${API}${path}`)).json<Array<Record<string, unknown>>>().map((x) => x[key]);
    for (const [token, own, other] of [[TOKENS.adminA, 'a', 'b'], [TOKENS.adminB, 'b', 'a']] as const) {
      expect((await call(token, 'GET', `${API}/me`)).json()).toMatchObject({ role: 'tenant-admin', tenants: [`stadt-${own}`] });
      expect(await list(token, '/tenants', 'id')).toEqual([`stadt-${own}`]);
      expect((await call(token, 'GET', `${API}/tenants/stadt-${other}`)).status).toBe(404);
      expect(await list(token, '/routes', 'id')).toEqual([`${own}-main`]);
      expect(await list(token, '/adapters', 'id')).toEqual([`dms-${own}`]);
      expect((await call(token, 'GET', `${API}/adapters/dms-${other}`)).status).toBe(404);
      expect(await list(token, '/queues', 'name')).toEqual([`deliver:dms-${own}`]);
      expect(await list(token, '/destinations', 'tenant')).toEqual([`stadt-${own}`]);
      expect((await call(token, 'GET', `${API}/destinations/${destinations[other]}`)).status).toBe(404);
      expect((await call(token, 'GET', `${API}/destinations/${destinations[own]}`)).status).toBe(200);
      // verification is for auditors and operators, delegated or not
      expect((await call(token, 'GET', `${API}/audit/verify`)).status).toBe(403);
    }
    const auditA = (await call(TOKENS.adminA, 'GET', `${API}/audit?limit=100`)).json<{ items: Array<{ submissionId: string | null }> }>();
    expect(sorted(auditA.items.map((i) => i.submissionId ?? ''))).toEqual(sorted([ids.aOwn, ids.aOwnFailed, ...DELEGATED()]));
    expect(csvIds((await call(TOKENS.adminA, 'GET', `${API}/dead-letters.csv`)).body)).toEqual(sorted([ids.aOwnFailed, ...DELEGATED_FAILED()]));
  });

  it('delegations: each tenant-admin sees those that concern its tenant', async () => {
    const ofA = (await call(TOKENS.adminA, 'GET', `${API}/delegations`)).json<{ delegations: Array<{ id: string }> }>();
    expect(ofA.delegations.map((d) => d.id)).toEqual(['gewerbe-a-b', 'alles-c-a']);
    const ofB = (await call(TOKENS.adminB, 'GET', `${API}/delegations`)).json<{ delegations: Array<{ id: string }> }>();
    expect(ofB.delegations.map((d) => d.id)).toEqual(['gewerbe-a-b']);
    expect((await call(TOKENS.operator, 'GET', `${API}/delegations`)).json<{ delegations: unknown[] }>().delegations).toHaveLength(2);
  });

  it('OZG progress: A counts all of its own (marking the delegated), B the delegated ones under A and its own', async () => {
    type Row = { tenantId: string; serviceIdentifier: string; received: number; delivered: number; deadLettered: number; delegated: number };
    const a = (await call(TOKENS.adminA, 'GET', `${API}/ozg-progress`)).json<{ items: Row[] }>().items;
    expect(a.map((r) => [r.tenantId, r.serviceIdentifier, r.received, r.delegated])).toEqual(
      expect.arrayContaining([
        ['stadt-a', GEWERBE, DELEGATED().length, DELEGATED().length],
        ['stadt-a', OTHER, 2, 0],
      ]),
    );
    expect(a.every((r) => r.tenantId === 'stadt-a')).toBe(true);
    const b = (await call(TOKENS.adminB, 'GET', `${API}/ozg-progress`)).json<{ items: Row[] }>().items;
    expect(b.filter((r) => r.tenantId === 'stadt-a').map((r) => [r.serviceIdentifier, r.received])).toEqual([[GEWERBE, DELEGATED().length]]);
    expect(b.filter((r) => r.tenantId === 'stadt-b').reduce((n, r) => n + r.received, 0)).toBe(2);
    const csv = (await call(TOKENS.adminB, 'GET', `${API}/ozg-progress.csv`)).body.split('\r\n');
    expect(csv[0]).toBe('month,tenantId,tenantName,serviceIdentifier,serviceName,received,delivered,rejected,deadLettered,delegated,endToEndShare,medianSecondsToDelivered');
    expect(csv.filter((l) => l.includes(',stadt-a,'))).toHaveLength(1);
  });
});

describe('what each tenant-admin may do with delegated submissions', () => {
  const actions = (): Array<{ name: string; id: string; url: string; body: unknown }> => [
    { name: 'replay open', id: ids.delReplay, url: `${API}/submissions/${ids.delReplay}/replay`, body: { stage: 'open' } },
    { name: 'replay deliver', id: ids.delRedeliver, url: `${API}/submissions/${ids.delRedeliver}/replay`, body: { stage: 'deliver' } },
    { name: 'redeliver route', id: ids.delRoute, url: `${API}/submissions/${ids.delRoute}/routes/b-main/redeliver`, body: {} },
    { name: 'discard', id: ids.delDiscard, url: `${API}/submissions/${ids.delDiscard}/discard`, body: { reason: 'Doppelt eingereicht' } },
  ];

  it('A (the owner) is refused every action on what B processes (403), and nothing changes', async () => {
    for (const a of actions()) {
      const res = await call(TOKENS.adminA, 'POST', a.url, a.body);
      expect([a.name, res.status]).toEqual([a.name, 403]);
      expect(res.json()).toMatchObject({ type: 'urn:weiche:problem:forbidden' });
      expect((await deps.journal.getSubmission(a.id))?.state).toBe('FAILED');
    }
  });

  it('B (the back office) runs every action on them, audited with its subject; none on A\'s own (404)', async () => {
    for (const a of actions()) {
      const res = await call(TOKENS.adminB, 'POST', a.url, a.body);
      expect([a.name, res.status, res.json()]).toEqual([a.name, 200, expect.objectContaining({ ok: true, actor: 'bernd' })]);
    }
    expect((await deps.journal.getSubmission(ids.delReplay))?.state).toBe('RECEIVED');
    expect((await deps.journal.getSubmission(ids.delRedeliver))?.state).toBe('ROUTED');
    expect((await deps.journal.getSubmission(ids.delRoute))?.state).toBe('ROUTED');
    const own = await call(TOKENS.adminB, 'POST', `${API}/submissions/${ids.aOwnFailed}/replay`, { stage: 'open' });
    expect(own.status).toBe(404);
    const discarded = (await call(TOKENS.adminB, 'GET', `${API}/dead-letters?limit=100`)).json<{ items: Array<{ submissionId: string }> }>();
    expect(idsOf(discarded)).not.toContain(ids.delDiscard);
  });

  it('bulk: by ids A gets 403 for a delegated one; by filter B acts on the delegated ones only', async () => {
    const byA = (await call(TOKENS.adminA, 'POST', `${API}/dead-letters/bulk`, { action: 'discard', reason: 'Test', ids: [ids.delBulk] })).json<{ results: Array<{ status: number }> }>();
    expect(byA.results.map((r) => r.status)).toEqual([403]);
    const byBOnAOwn = (await call(TOKENS.adminB, 'POST', `${API}/dead-letters/bulk`, { action: 'discard', reason: 'Test', ids: [ids.aOwnFailed] })).json<{ results: Array<{ status: number }> }>();
    expect(byBOnAOwn.results.map((r) => r.status)).toEqual([404]);
    const byB = (await call(TOKENS.adminB, 'POST', `${API}/dead-letters/bulk`, { action: 'discard', reason: 'Test', filter: { tenant: 'stadt-a' } })).json<{ results: Array<{ submissionId: string; status: number }> }>();
    expect(sorted(byB.results.map((r) => r.submissionId))).toEqual(sorted([ids.delFailed, ids.delBulk]));
    expect(byB.results.every((r) => r.status === 200)).toBe(true);
    expect((await deps.journal.getSubmission(ids.aOwnFailed))?.state).toBe('FAILED');
  });

  it('pause and resume stay with the adapter\'s own tenant: B pauses dms-b, A cannot touch it', async () => {
    expect((await call(TOKENS.adminA, 'POST', `${API}/adapters/dms-b/pause`)).status).toBe(404);
    expect((await call(TOKENS.adminB, 'POST', `${API}/adapters/dms-b/pause`)).status).toBe(200);
    expect((await call(TOKENS.adminB, 'POST', `${API}/adapters/dms-b/resume`)).status).toBe(200);
    expect((await call(TOKENS.adminB, 'POST', `${API}/adapters/dms-a/pause`)).status).toBe(404);
  });
});

describe('changing delegations without a restart', () => {
  it('only an operator changes them; every change is audited with the actor and what changed, an equal list is no change', async () => {
    const next = [{ ...DELEGATIONS[0]!, validUntil: '2030-01-01T00:00:00+01:00' }];
    for (const token of [TOKENS.adminA, TOKENS.adminB, TOKENS.auditor]) expect((await call(token, 'PUT', `${API}/delegations`, { delegations: next })).status).toBe(403);
    const put = await call(TOKENS.operator, 'PUT', `${API}/delegations`, { delegations: next });
    expect(put.status).toBe(200);
    expect(put.json()).toMatchObject({ changed: true, delegations: [{ id: 'gewerbe-a-b', validUntil: '2030-01-01T00:00:00+01:00' }] });
    expect((await call(TOKENS.operator, 'PUT', `${API}/delegations`, { delegations: next })).json()).toMatchObject({ changed: false });
    const added = await call(TOKENS.operator, 'POST', `${API}/delegations`, DELEGATIONS[1]);
    expect(added.json<{ delegations: Array<{ id: string }> }>().delegations.map((d) => d.id)).toEqual(['gewerbe-a-b', 'alles-c-a']);
    expect((await call(TOKENS.operator, 'DELETE', `${API}/delegations/alles-c-a`)).status).toBe(200);
    expect((await call(TOKENS.operator, 'DELETE', `${API}/delegations/alles-c-a`)).status).toBe(404);

    const { rows } = await deps.pool.query<{ actor: string; details: Record<string, unknown> }>(`SELECT actor, details FROM "${schema}".audit WHERE stage = 'delegations' ORDER BY seq`);
    expect(rows.map((r) => [r.actor, r.details.source, r.details.added, r.details.removed, r.details.changed])).toEqual([
      ['hub:config', 'config-file', ['gewerbe-a-b', 'alles-c-a'], [], []],
      ['olga', 'admin-api', [], ['alles-c-a'], ['gewerbe-a-b']],
      ['olga', 'admin-api', ['alles-c-a'], [], []],
      ['olga', 'admin-api', [], ['alles-c-a'], []],
    ]);
    // the operator's action list shows them; a tenant-admin's does not (they belong to no tenant)
    const actions = (await call(TOKENS.operator, 'GET', `${API}/audit?limit=100`)).json<{ items: Array<{ stage: string; actor: string }> }>().items;
    expect(actions.filter((a) => a.stage === 'delegations').map((a) => a.actor)).toEqual(['olga', 'olga', 'olga', 'hub:config']);
    expect((await call(TOKENS.adminA, 'GET', `${API}/audit?limit=100`)).json<{ items: Array<{ stage: string }> }>().items.some((a) => a.stage === 'delegations')).toBe(false);
    // the routing of this process follows at once; submissions routed before keep their back office
    expect(deps.routing.processingTenant('stadt-c', OTHER)).toBe('stadt-c');
    expect((await deps.journal.getSubmission(ids.del))?.processingTenantId).toBe('stadt-b');
  });

  it('refuses an invalid list with a problem naming every fault, and changes nothing', async () => {
    const before = (await call(TOKENS.operator, 'GET', `${API}/delegations`)).json();
    const bad = await call(TOKENS.operator, 'PUT', `${API}/delegations`, {
      delegations: [
        { id: 'x', from: 'stadt-a', service: GEWERBE, to: 'stadt-z', reason: 'r' },
        { id: 'y', from: 'stadt-a', service: GEWERBE, to: 'stadt-b', reason: 'r', validFrom: '2020-01-01T00:00:00Z' },
      ],
    });
    expect(bad.status).toBe(400);
    expect(bad.json()).toMatchObject({ type: 'urn:weiche:problem:bad-request' });
    expect(bad.json<{ detail: string }>().detail).toMatch(/unknown tenant "stadt-z".*overlaps delegation "x"/);
    expect((await call(TOKENS.operator, 'PUT', `${API}/delegations`, { delegations: [{ id: 'z', from: 'stadt-a', service: '*', to: 'stadt-a', reason: 'r' }] })).status).toBe(400);
    expect((await call(TOKENS.operator, 'GET', `${API}/delegations`)).json()).toEqual(before);
  });
});
