import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Journal } from './journal.js';
import { OzgProgress, type OzgProgressRow } from './ozg-progress.js';
import { testDatabase } from './test-schema.js';

// Issue 15: the OZG figures of a generated month of traffic, written through the Journal API, must match
// what this test counts itself from its own plan (and, for the delivery times, its own SQL on the audit).
const db = testDatabase();
const journal = db.store(Journal);
const SERVICES = ['urn:de:fim:leika:leistung:99050012104000', 'urn:de:fim:leika:leistung:99010003001006'];
const TENANTS = ['stadt-a', 'stadt-b'];
type Outcome = 'DELIVERED' | 'REJECTED' | 'FAILED' | 'ROUTED';
interface Planned { id: string; tenant: string; service: string; receivedAt: Date; outcome: Outcome; delegated: boolean }
const plan: Planned[] = [];

/** Deterministic pseudo-random numbers (mulberry32), so a failure can be reproduced. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const berlinMonth = (d: Date): string => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Berlin', year: 'numeric', month: '2-digit' }).format(d).slice(0, 7);

async function write(p: Planned): Promise<void> {
  await journal.createSubmission({ submissionId: p.id, tenantId: p.tenant, channel: 'test', channelRef: p.id, channelMeta: {}, serviceIdentifier: p.service, state: 'CREATED', actor: 'gateway' });
  await journal.transition(p.id, { from: ['CREATED'], to: 'RECEIVED', actor: 'gateway', stage: 'submit', patch: { submittedAt: p.receivedAt } });
  const back = p.delegated ? TENANTS.find((t) => t !== p.tenant)! : p.tenant;
  await journal.recordProcessingTenant(p.id, { processingTenantId: back, ...(p.delegated ? { delegationId: 'd-1' } : {}), actor: 'hub:processor' });
  if (p.outcome === 'REJECTED') {
    await journal.transition(p.id, { from: ['RECEIVED'], to: 'REJECTED', actor: 'w', stage: 'open' });
    return;
  }
  await journal.transition(p.id, { from: ['RECEIVED'], to: 'OPENED', actor: 'w', stage: 'open' });
  await journal.transition(p.id, { from: ['OPENED'], to: 'MAPPED', actor: 'w', stage: 'map' });
  await journal.transition(p.id, { from: ['MAPPED'], to: 'ROUTED', actor: 'w', stage: 'route', deliveries: [{ routeId: 'r', adapterInstance: `dms-${back}`, target: 'xdomea-3.1.0:0401' }] });
  if (p.outcome === 'DELIVERED') await journal.completeDelivery({ submissionId: p.id, routeId: 'r', receipt: {}, actor: 'd' });
  if (p.outcome === 'FAILED') await journal.failDelivery({ submissionId: p.id, routeId: 'r', reason: 'permanent', actor: 'd' });
}

beforeAll(async () => {
  await db.migrate();
  const random = prng(20261101);
  const start = Date.parse('2026-10-31T23:00:00Z'); // 1 November 2026, 00:00 in Berlin
  const end = Date.parse('2026-11-30T23:00:00Z');
  const outcomes: Outcome[] = ['DELIVERED', 'DELIVERED', 'DELIVERED', 'DELIVERED', 'REJECTED', 'FAILED', 'ROUTED'];
  for (let i = 0; i < 160; i++) {
    plan.push({
      id: randomUUID(),
      tenant: TENANTS[Math.floor(random() * 2)]!,
      service: SERVICES[Math.floor(random() * 2)]!,
      receivedAt: new Date(start + Math.floor(random() * (end - start))),
      outcome: outcomes[Math.floor(random() * outcomes.length)]!,
      delegated: random() < 0.25,
    });
  }
  // the month edges in German local time: 31 Oct 23:59 is October, 1 Dec 00:30 is December
  plan.push({ id: randomUUID(), tenant: 'stadt-a', service: SERVICES[0]!, receivedAt: new Date('2026-10-31T22:59:00Z'), outcome: 'DELIVERED', delegated: false });
  plan.push({ id: randomUUID(), tenant: 'stadt-a', service: SERVICES[0]!, receivedAt: new Date('2026-10-31T23:00:00Z'), outcome: 'DELIVERED', delegated: true });
  plan.push({ id: randomUUID(), tenant: 'stadt-a', service: SERVICES[0]!, receivedAt: new Date('2026-11-30T23:30:00Z'), outcome: 'REJECTED', delegated: false });
  for (const p of plan) await write(p);
  // never submitted: not received, not counted
  await journal.createSubmission({ submissionId: randomUUID(), tenantId: 'stadt-a', channel: 'test', channelRef: randomUUID(), channelMeta: {}, serviceIdentifier: SERVICES[0]!, state: 'CREATED', actor: 'gateway' });
}, 120_000);
afterAll(() => db.drop());

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = (s.length - 1) / 2;
  return (s[Math.floor(mid)]! + s[Math.ceil(mid)]!) / 2;
}

/** The expected report, counted from the plan; delivery times from the audit records read with this test's own SQL. */
async function expected(scope?: readonly string[]): Promise<OzgProgressRow[]> {
  const { rows } = await db.pool.query<{ submission_id: string; at: Date }>(`SELECT submission_id, at FROM "${db.schema}".audit WHERE to_state = 'DELIVERED'`);
  const deliveredAt = new Map(rows.map((r) => [r.submission_id, r.at.getTime()]));
  const groups = new Map<string, Planned[]>();
  for (const p of plan) {
    const back = p.delegated ? TENANTS.find((t) => t !== p.tenant)! : p.tenant;
    if (scope && !scope.includes(p.tenant) && !scope.includes(back)) continue;
    const key = [berlinMonth(p.receivedAt), p.tenant, p.service].join('|');
    groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([key, ps]) => {
      const [month, tenantId, serviceIdentifier] = key.split('|') as [string, string, string];
      const delivered = ps.filter((p) => p.outcome === 'DELIVERED');
      const m = median(delivered.map((p) => (deliveredAt.get(p.id)! - p.receivedAt.getTime()) / 1000));
      return {
        tenantId,
        serviceIdentifier,
        month,
        received: ps.length,
        delivered: delivered.length,
        rejected: ps.filter((p) => p.outcome === 'REJECTED').length,
        deadLettered: ps.filter((p) => p.outcome === 'FAILED').length,
        delegated: ps.filter((p) => p.delegated).length,
        medianSecondsToDelivered: m === null ? null : Math.round(m * 1000) / 1000,
      };
    });
}

describe('OZG progress', () => {
  it('matches an independent count of a generated month of traffic, per tenant, service and Berlin month', async () => {
    const report = await db.store(OzgProgress).byMonth({});
    expect(report).toEqual(await expected());
    expect(report.map((r) => r.month)).toEqual(expect.arrayContaining(['2026-10', '2026-11', '2026-12']));
    expect(report.reduce((n, r) => n + r.received, 0)).toBe(plan.length);
  });

  it('scopes like every read model: a tenant counts its own and what it processes for the other', async () => {
    const progress = db.store(OzgProgress);
    const onlyB = await progress.byMonth({ tenantIds: ['stadt-b'] });
    expect(onlyB).toEqual(await expected(['stadt-b']));
    expect(onlyB.filter((r) => r.tenantId === 'stadt-a').every((r) => r.delegated === r.received)).toBe(true);
    const november = await progress.byMonth({ fromMonth: '2026-11', toMonth: '2026-11' });
    expect(november).toEqual((await expected()).filter((r) => r.month === '2026-11'));
  });
});
