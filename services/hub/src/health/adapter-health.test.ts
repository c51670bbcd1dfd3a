import { randomBytes, randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JournalQueries } from '@weiche/journal';
import type { HubDeps } from '../context.js';
import { startTestHub, type TestHub } from '../test-hub.js';
import { AdapterHealthStore, type AdapterHealthRecord } from './adapter-health-store.js';
import { checkAdapter, countDeliveryAttempts } from './adapter-health-monitor.js';
import { healthVerdict } from './adapter-health-verdict.js';

const OPERATOR = randomBytes(16).toString('hex');
const ADMIN_A = randomBytes(16).toString('hex');

describe('health verdict', () => {
  const policy = { failureThreshold: 5, intervalMs: 30_000 };
  const now = Date.parse('2025-05-01T10:00:00Z');
  const record = (over: Partial<AdapterHealthRecord['deliveries']> = {}, check: AdapterHealthRecord['check'] = { at: new Date(now - 1000), ok: true, detail: null, lastOkAt: new Date(now - 1000), failureStreak: 0 }): AdapterHealthRecord => ({
    check,
    deliveries: { lastSuccessAt: null, lastErrorAt: null, lastError: null, failureStreak: 0, ...over },
  });

  it('calls a closed circuit failing when 21 attempts in a row failed or the check failed', () => {
    expect(healthVerdict(record({ failureStreak: 21 }), { state: 'closed' }, policy, now)).toEqual({ verdict: 'failing', reasons: ['deliveries-failing'] });
    const unwritable = record({}, { at: new Date(now - 1000), ok: false, detail: 'folder not writable (EACCES)', lastOkAt: null, failureStreak: 3 });
    expect(healthVerdict(unwritable, { state: 'closed' }, policy, now)).toEqual({ verdict: 'failing', reasons: ['check-failed'] });
    expect(healthVerdict(record(), { state: 'open' }, policy, now).verdict).toBe('failing');
  });

  it('is degraded below the threshold or while probing, unknown without a recent check, healthy otherwise', () => {
    expect(healthVerdict(record({ failureStreak: 2 }), { state: 'closed' }, policy, now)).toEqual({ verdict: 'degraded', reasons: ['recent-failures'] });
    expect(healthVerdict(record(), { state: 'half-open' }, policy, now).verdict).toBe('degraded');
    expect(healthVerdict(record({}, null), { state: 'closed' }, policy, now)).toEqual({ verdict: 'unknown', reasons: ['not-checked'] });
    const stale = record({}, { at: new Date(now - 4 * policy.intervalMs), ok: true, detail: null, lastOkAt: null, failureStreak: 0 });
    expect(healthVerdict(stale, { state: 'closed' }, policy, now)).toEqual({ verdict: 'unknown', reasons: ['check-stale'] });
    expect(healthVerdict(record(), { state: 'closed' }, policy, now)).toEqual({ verdict: 'healthy', reasons: [] });
  });
});

// Real Redis and PostgreSQL: a writable DMS folder whose last 21 deliveries failed, and one whose
// path runs through a regular file (not writable whatever the circuit says).
describe('adapter health on a hub', () => {
  let hub: TestHub;
  let deps: HubDeps;
  let app: FastifyInstance;

  beforeAll(async () => {
    hub = await startTestHub((dir) => ({
      tenants: [
        { id: 'stadt-a', name: 'Stadt A', behoerdenkennung: 'ags:00000001' },
        { id: 'stadt-b', name: 'Stadt B', behoerdenkennung: 'ags:00000002' },
      ],
      adapters: [
        { id: 'dms', kind: 'dms-folder', config: { path: join(dir, 'dms') }, health: { intervalMs: 5000, timeoutMs: 2000 } },
        { id: 'broken', kind: 'dms-folder', config: { path: join(dir, 'a-file', 'dms') } },
      ],
      // 'dms' serves both tenants: a tenant-admin of A sees it, but not B's package names in its errors
      routes: [
        { id: 'r1', tenant: 'stadt-a', service: '*', target: 'xdomea-3.1.0:0401', adapter: 'dms' },
        { id: 'r1-b', tenant: 'stadt-b', service: '*', target: 'xdomea-3.1.0:0401', adapter: 'dms' },
      ],
      admin: {
        tokens: [
          { token: OPERATOR, subject: 'olga', role: 'operator' },
          { token: ADMIN_A, subject: 'anna', role: 'tenant-admin', tenants: ['stadt-a'] },
        ],
      },
    }));
    ({ deps, app } = hub);
    await writeFile(join(hub.dir, 'a-file'), 'not a folder');
  });

  afterAll(async () => {
    await hub.close();
  });

  async function routedSubmission(): Promise<string> {
    const id = randomUUID();
    const j = deps.journal;
    await j.createSubmission({ submissionId: id, tenantId: 'stadt-a', channel: 'fit-connect', channelRef: id, channelMeta: {}, serviceIdentifier: 'urn:x:y', state: 'CREATED', actor: 'gateway' });
    await j.transition(id, { from: ['CREATED'], to: 'RECEIVED', actor: 'gw', stage: 'submit' });
    await j.transition(id, { from: ['RECEIVED'], to: 'OPENED', actor: 'w', stage: 'open' });
    await j.transition(id, { from: ['OPENED'], to: 'MAPPED', actor: 'w', stage: 'map' });
    await j.transition(id, { from: ['MAPPED'], to: 'ROUTED', actor: 'w', stage: 'route', deliveries: [{ routeId: 'r1', adapterInstance: 'dms', target: 'xdomea-3.1.0:0401' }] });
    return id;
  }

  it('checks each instance, counts 21 failed attempts after a success, and shows it in the API and metrics', async () => {
    const store = new AdapterHealthStore(deps.redis, deps.config.redis.prefix);
    const queries = new JournalQueries({ pool: deps.pool, schema: deps.config.database.schema });
    const ok = await routedSubmission();
    await deps.journal.recordAttempt({ submissionId: ok, routeId: 'r1', attempt: 1, outcome: 'success' });
    const failing = await routedSubmission();
    for (let attempt = 1; attempt <= 21; attempt++) {
      await deps.journal.recordAttempt({ submissionId: failing, routeId: 'r1', attempt, outcome: attempt % 2 ? 'permanent' : 'transient', error: `endpoint answered HTTP ${attempt % 2 ? 403 : 503}` });
    }
    for (const instance of deps.config.adapters) expect(await checkAdapter(deps, store, instance)).toBe(true);
    // a second dispatcher in the same interval leaves the check to the first
    expect(await checkAdapter(deps, store, deps.config.adapters[0] as (typeof deps.config.adapters)[number])).toBe(false);
    expect(await countDeliveryAttempts(store, queries, 60_000)).toBe(22);

    const adapters = (await app.inject({ method: 'GET', url: '/admin/api/v1/adapters', headers: { authorization: `Bearer ${OPERATOR}` } })).json<
      Array<{ id: string; circuit: { state: string }; health: { verdict: string; reasons: string[]; check: { ok: boolean; detail: string | null } | null; deliveries: { failureStreak: number; lastError: string | null; lastSuccessAt: string | null } } }>
    >();
    const dms = adapters.find((a) => a.id === 'dms');
    expect(dms?.circuit.state).toBe('closed');
    expect(dms?.health).toMatchObject({ verdict: 'failing', reasons: ['deliveries-failing'], check: { ok: true }, deliveries: { failureStreak: 21, lastError: 'endpoint answered HTTP 403' } });
    expect(Date.parse(dms?.health.deliveries.lastSuccessAt ?? '')).toBeGreaterThan(Date.now() - 60_000);
    const broken = adapters.find((a) => a.id === 'broken');
    expect(broken?.health).toMatchObject({ verdict: 'failing', reasons: ['check-failed'], check: { ok: false, detail: 'folder not writable (ENOTDIR)' } });

    const shared = (await app.inject({ method: 'GET', url: '/admin/api/v1/adapters/dms', headers: { authorization: `Bearer ${ADMIN_A}` } })).json<{ health: { verdict: string; deliveries: { failureStreak: number; lastError: string | null } } }>();
    expect(shared.health).toMatchObject({ verdict: 'failing', deliveries: { failureStreak: 21, lastError: null } });

    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain('weiche_adapter_healthy{adapter="dms"} 0');
    expect(metrics).toContain('weiche_adapter_delivery_failure_streak{adapter="dms"} 21');
    expect(metrics).toContain('weiche_adapter_health_check_up{adapter="broken"} 0');
    expect(metrics).toContain('weiche_adapter_health_check_up{adapter="dms"} 1');

    // one success ends the streak; counted once even when two passes race
    await deps.journal.recordAttempt({ submissionId: failing, routeId: 'r1', attempt: 22, outcome: 'success' });
    const [first, second] = await Promise.all([countDeliveryAttempts(store, queries, 60_000), countDeliveryAttempts(store, queries, 60_000)]);
    expect(first + second).toBe(1);
    expect((await store.read('dms')).deliveries).toMatchObject({ failureStreak: 0, lastError: 'endpoint answered HTTP 403' });
  });
});
