import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Journal } from './journal.js';
import { JournalQueries } from './queries.js';
import { appendAudit } from './audit-chain.js';
import { testDatabase } from './test-schema.js';

const db = testDatabase();
const journal = db.store(Journal);
const queries = db.store(JournalQueries);
beforeAll(() => db.migrate());
afterAll(() => db.drop());

const SERVICE = 'urn:de:fim:leika:leistung:99010003001006';

async function routed(tenantId: string, opts: { senderReference?: string; service?: string } = {}): Promise<string> {
  const id = randomUUID();
  const caseId = randomUUID();
  await journal.createSubmission({
    submissionId: id,
    tenantId,
    channel: 'test-channel',
    channelRef: id,
    channelMeta: { caseId, announcedAttachments: ['bauplan-erika-mustermann.pdf'], callback: { url: 'https://sender.example/cb', secret: 'cb-secret-xyz' } },
    serviceIdentifier: opts.service ?? SERVICE,
    state: 'CREATED',
    actor: 'gateway',
    events: [{ caseId, submissionId: id, eventName: 'create-submission', jti: randomUUID(), token: 'eyJ.create.token' }],
  });
  await journal.transition(id, { from: ['CREATED'], to: 'RECEIVED', actor: 'gw', stage: 'submit', ...(opts.senderReference ? { patch: { senderReference: opts.senderReference } } : {}) });
  await journal.transition(id, { from: ['RECEIVED'], to: 'OPENED', actor: 'w', stage: 'open' });
  await journal.transition(id, { from: ['OPENED'], to: 'MAPPED', actor: 'w', stage: 'map' });
  await journal.transition(id, {
    from: ['MAPPED'],
    to: 'ROUTED',
    actor: 'w',
    stage: 'route',
    deliveries: [
      { routeId: 'r1', adapterInstance: 'dms', target: 'xdomea-3.1.0:0401' },
      { routeId: 'r2', adapterInstance: 'http', target: 'xdomea-3.1.0:0401' },
    ],
  });
  return id;
}

async function failed(tenantId: string): Promise<string> {
  const id = await routed(tenantId);
  await journal.recordAttempt({ submissionId: id, routeId: 'r1', attempt: 1, outcome: 'success' });
  await journal.completeDelivery({ submissionId: id, routeId: 'r1', receipt: { file: 'x.zip' }, actor: 'd' });
  await journal.recordAttempt({ submissionId: id, routeId: 'r2', attempt: 1, outcome: 'permanent', error: 'HTTP 400' });
  await journal.failDelivery({ submissionId: id, routeId: 'r2', reason: 'permanent: HTTP 400', actor: 'd' });
  return id;
}

async function delivered(tenantId: string): Promise<string> {
  const id = await routed(tenantId);
  for (const routeId of ['r1', 'r2']) {
    await journal.recordAttempt({ submissionId: id, routeId, attempt: 1, outcome: 'success' });
    await journal.completeDelivery({ submissionId: id, routeId, receipt: {}, actor: 'd' });
  }
  return id;
}

describe('JournalQueries.searchSubmissions', () => {
  it('filters by id, case, sender reference, tenant, service, state and time; scopes by tenants; pages', async () => {
    const tenant = `q-${randomUUID().slice(0, 8)}`;
    const other = `${tenant}-b`;
    const a1 = await routed(tenant, { senderReference: 'AZ-1' });
    const a2 = await delivered(tenant);
    const b1 = await routed(other, { service: 'urn:de:test:other' });
    const caseId = (await queries.getSummary(a1))?.caseId ?? '';

    const byTenant = await queries.searchSubmissions({ tenantId: tenant }, { limit: 10, offset: 0 });
    expect(byTenant.total).toBe(2);
    expect(byTenant.items.map((i) => i.submissionId)).toEqual([a2, a1]);

    expect((await queries.searchSubmissions({ submissionId: a1 }, { limit: 10, offset: 0 })).items.map((i) => i.submissionId)).toEqual([a1]);
    expect((await queries.searchSubmissions({ caseId }, { limit: 10, offset: 0 })).items.map((i) => i.submissionId)).toEqual([a1]);
    expect((await queries.searchSubmissions({ senderReference: 'AZ-1', tenantId: tenant }, { limit: 10, offset: 0 })).items.map((i) => i.submissionId)).toEqual([a1]);
    expect((await queries.searchSubmissions({ serviceIdentifier: 'urn:de:test:other', tenantIds: [other] }, { limit: 10, offset: 0 })).items.map((i) => i.submissionId)).toEqual([b1]);
    expect((await queries.searchSubmissions({ state: 'DELIVERED', tenantId: tenant }, { limit: 10, offset: 0 })).items.map((i) => i.submissionId)).toEqual([a2]);

    // scope wins over the filter: a tenant outside the scope yields nothing
    expect((await queries.searchSubmissions({ submissionId: b1, tenantIds: [tenant] }, { limit: 10, offset: 0 })).total).toBe(0);

    const future = new Date(Date.now() + 3600_000);
    expect((await queries.searchSubmissions({ tenantId: tenant, from: future }, { limit: 10, offset: 0 })).total).toBe(0);
    expect((await queries.searchSubmissions({ tenantId: tenant, to: future }, { limit: 10, offset: 0 })).total).toBe(2);

    const page2 = await queries.searchSubmissions({ tenantId: tenant }, { limit: 1, offset: 1 });
    expect(page2).toMatchObject({ total: 2 });
    expect(page2.items.map((i) => i.submissionId)).toEqual([a1]);
  });

  it('never returns attachment names, blob keys or the callback', async () => {
    const id = await routed(`q-${randomUUID().slice(0, 8)}`);
    const found = await queries.searchSubmissions({ submissionId: id }, { limit: 1, offset: 0 });
    const text = JSON.stringify(found);
    expect(text).not.toMatch(/erika|cb-secret|sender\.example|blob/i);
  });

  it('refuses paging outside the limits', async () => {
    await expect(queries.searchSubmissions({}, { limit: 0, offset: 0 })).rejects.toMatchObject({ status: 400 });
    await expect(queries.searchSubmissions({}, { limit: 501, offset: 0 })).rejects.toMatchObject({ status: 400 });
    await expect(queries.searchSubmissions({}, { limit: 1, offset: -1 })).rejects.toMatchObject({ status: 400 });
  });
});

describe('JournalQueries dead letters and discard', () => {
  it('lists FAILED submissions with their failed routes; a discard removes one, a new failure brings it back', async () => {
    const tenant = `q-${randomUUID().slice(0, 8)}`;
    const id = await failed(tenant);
    await routed(tenant);
    let dead = await queries.deadLetters({ tenantIds: [tenant] }, { limit: 10, offset: 0 });
    expect(dead.total).toBe(1);
    expect(dead.items[0]).toMatchObject({ submissionId: id, state: 'FAILED', discarded: false, reason: 'permanent: HTTP 400' });
    expect(dead.items[0]?.failedRoutes).toEqual([expect.objectContaining({ routeId: 'r2', adapterInstance: 'http', lastError: 'permanent: HTTP 400', attempts: 1 })]);
    expect((await queries.deadLetters({ tenantIds: ['nobody'] }, { limit: 10, offset: 0 })).total).toBe(0);
    expect((await queries.deadLetterCounts()).find((c) => c.tenantId === tenant)?.count).toBe(1);

    expect(await queries.discard(id, { actor: 'alice', reason: 'duplicate, sent by mail' })).toEqual({ routes: ['r2'] });
    dead = await queries.deadLetters({ tenantIds: [tenant] }, { limit: 10, offset: 0 });
    expect(dead.total).toBe(0);
    expect((await journal.getSubmission(id))?.state).toBe('FAILED');
    expect((await queries.getSummary(id))?.discarded).toBe(true);
    const records = await journal.listAudit({ submissionId: id, limit: 100 });
    expect(records.at(-1)).toMatchObject({ actor: 'alice', stage: 'discard', details: { action: 'discard', reason: 'duplicate, sent by mail', routes: ['r2'] } });
    await expect(queries.discard(id, { actor: 'alice', reason: 'again' })).rejects.toMatchObject({ status: 409 });

    // replay, then fail again: a dead letter once more
    await journal.transition(id, { from: ['FAILED'], to: 'ROUTED', actor: 'bob', stage: 'redeliver', deliveries: [{ routeId: 'r2', adapterInstance: 'http', target: 'xdomea-3.1.0:0401' }] });
    expect((await queries.getSummary(id))?.discarded).toBe(false);
    await journal.failDelivery({ submissionId: id, routeId: 'r2', reason: 'permanent: HTTP 400', actor: 'd' });
    expect((await queries.deadLetters({ tenantIds: [tenant] }, { limit: 10, offset: 0 })).total).toBe(1);
    expect(await db.verify()).toMatchObject({ ok: true, problems: 0 });
  });

  it('refuses to discard what is not FAILED or does not exist', async () => {
    const id = await routed(`q-${randomUUID().slice(0, 8)}`);
    await expect(queries.discard(id, { actor: 'a', reason: 'r' })).rejects.toMatchObject({ status: 409 });
    await expect(queries.discard(randomUUID(), { actor: 'a', reason: 'r' })).rejects.toMatchObject({ status: 404 });
  });
});

describe('JournalQueries.timeline', () => {
  it('merges audit records, attempts and event names in time order, without receipts or personal data', async () => {
    const id = await failed(`q-${randomUUID().slice(0, 8)}`);
    const caseId = (await queries.getSummary(id))?.caseId ?? '';
    await journal.appendEvent({ caseId, submissionId: id, eventName: 'submit-submission', jti: randomUUID(), token: 'eyJ.secret.token' });
    const timeline = await queries.timeline(id);
    expect(timeline?.submission.submissionId).toBe(id);
    expect(timeline?.deliveries.map((d) => [d.routeId, d.state])).toEqual([
      ['r1', 'DELIVERED'],
      ['r2', 'FAILED'],
    ]);
    const kinds = timeline?.entries.map((e) => e.kind) ?? [];
    expect(kinds.filter((k) => k === 'audit').length).toBeGreaterThanOrEqual(6);
    expect(kinds.filter((k) => k === 'attempt')).toHaveLength(2);
    expect(timeline?.entries.filter((e) => e.kind === 'event').map((e) => e.eventName)).toEqual(['create-submission', 'submit-submission']);
    const times = timeline?.entries.map((e) => e.at.getTime()) ?? [];
    expect(times).toEqual([...times].sort((a, b) => a - b));
    const text = JSON.stringify(timeline);
    expect(text).not.toMatch(/erika|cb-secret|x\.zip|eyJ\.secret/);
    expect(await queries.timeline(randomUUID())).toBeUndefined();
  });

  it("numbers a route's attempts across redeliveries, as its deliveries row counts them", async () => {
    const id = await failed(`q-${randomUUID().slice(0, 8)}`);
    // a redelivery is a new job: its first attempt is the job's attempt 1 again
    await journal.recordAttempt({ submissionId: id, routeId: 'r2', attempt: 1, outcome: 'transient', error: 'ECONNREFUSED' });
    await journal.recordAttempt({ submissionId: id, routeId: 'r2', attempt: 2, outcome: 'success' });
    const timeline = await queries.timeline(id);
    const attempts = (timeline?.entries ?? []).filter((e) => e.kind === 'attempt');
    expect(attempts.map((e) => [e.routeId, e.attempt])).toEqual([
      ['r1', 1],
      ['r2', 1],
      ['r2', 2],
      ['r2', 3],
    ]);
    expect(timeline?.deliveries.find((d) => d.routeId === 'r2')?.attempts).toBe(3);
  });
});

describe('JournalQueries statistics and incremental readers', () => {
  it('counts deliveries per minute, states, services, activity; reads audit and attempts incrementally', async () => {
    const tenant = `q-${randomUUID().slice(0, 8)}`;
    const before = await queries.heads();
    await delivered(tenant);
    await failed(tenant);
    const perMinute = await queries.deliveredPerMinute({ minutes: 60, tenantIds: [tenant] });
    expect(perMinute.filter((p) => p.adapterInstance === 'dms').reduce((n, p) => n + p.count, 0)).toBe(2);
    expect(perMinute.filter((p) => p.adapterInstance === 'http').reduce((n, p) => n + p.count, 0)).toBe(1);
    expect(await queries.countsByState({ tenantIds: [tenant] })).toEqual([
      { tenantId: tenant, state: 'DELIVERED', count: 1 },
      { tenantId: tenant, state: 'FAILED', count: 1 },
    ]);
    expect(await queries.deliveredByService({ tenantIds: [tenant] })).toEqual([{ tenantId: tenant, serviceIdentifier: SERVICE, delivered: 1 }]);
    const activity = await queries.activity({ hours: 1, tenantIds: [tenant] });
    expect(activity.reduce((n, a) => n + a.delivered, 0)).toBe(1);
    expect(activity.reduce((n, a) => n + a.failed, 0)).toBe(1);

    const audit = await queries.auditSince(before.auditSeq, 1000);
    expect(audit.filter((a) => a.toState === 'DELIVERED')).toHaveLength(1);
    const first = audit.find((a) => a.stage === 'intake');
    expect(first?.previousAt).toBeNull();
    const routedRecord = audit.find((a) => a.toState === 'ROUTED');
    expect(routedRecord?.previousAt).toBeInstanceOf(Date);
    const attempts = await queries.attemptsSince(before.attemptId, 1000);
    expect(attempts.map((a) => `${a.adapterInstance}:${a.outcome}`).sort()).toEqual(['dms:success', 'dms:success', 'http:permanent', 'http:success']);
    const after = await queries.heads();
    expect(after.auditSeq).toBeGreaterThan(before.auditSeq);
    expect(await queries.auditSince(after.auditSeq, 10)).toEqual([]);
  });

  it('holds back audit records behind a seq whose transaction has not committed yet', async () => {
    const { auditSeq } = await queries.heads();
    const slow = await db.pool.connect();
    try {
      await slow.query('BEGIN');
      await appendAudit(slow, `"${db.schema}"`, { submissionId: `slow-${randomUUID()}`, actor: 'slow', stage: 'slow' });
      await journal.audit({ submissionId: `fast-${randomUUID()}`, actor: 'fast', stage: 'fast' });
      // the fast record committed, but the slow one holds the lower seq: counting the fast one now would skip the slow one for good
      expect(await queries.auditSince(auditSeq, 10)).toEqual([]);
      await slow.query('COMMIT');
    } finally {
      slow.release();
    }
    expect((await queries.auditSince(auditSeq, 10)).map((r) => r.stage)).toEqual(['slow', 'fast']);
  });

  it('lists operator actions scoped to tenants', async () => {
    const tenant = `q-${randomUUID().slice(0, 8)}`;
    const id = await failed(tenant);
    await queries.discard(id, { actor: 'carol', reason: 'test' });
    await journal.audit({ actor: 'carol', stage: 'operator', details: { action: 'pause-adapter', adapterInstance: 'dms' } });
    const scoped = await queries.operatorAudit({ tenantIds: [tenant] }, { limit: 10, offset: 0 });
    expect(scoped.map((r) => r.stage)).toEqual(['discard']);
    const all = await queries.operatorAudit({}, { limit: 2, offset: 0 });
    expect(all.map((r) => r.stage)).toEqual(['operator', 'discard']);
  });
});
