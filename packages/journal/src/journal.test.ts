import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, WeicheError, type SubmissionState } from '@weiche/core';
import { createPool } from './create-pool.js';
import { Journal } from './journal.js';
import { testDatabase } from './test-schema.js';

const db = testDatabase();
const journal = db.store(Journal);
beforeAll(() => db.migrate());
afterAll(() => db.drop());

const CHANNEL_META = { destinationId: 'dest-1', senderClientId: 'client-1', announcedAttachments: ['att-1'] };

async function newSubmission(overrides: { caseId?: string; createEvent?: boolean } = {}): Promise<string> {
  const submissionId = randomUUID();
  const caseId = overrides.caseId ?? randomUUID();
  await journal.createSubmission({
    submissionId,
    tenantId: 'stadt-a',
    channel: 'test-channel',
    channelRef: submissionId,
    channelMeta: { ...CHANNEL_META, caseId },
    serviceIdentifier: 'urn:de:fim:leika:leistung:99010003001006',
    state: 'CREATED',
    actor: 'gateway',
    details: { announcedAttachments: 1 },
    ...(overrides.createEvent ? { events: [{ caseId, submissionId, eventName: 'create-submission', jti: randomUUID(), token: 'a.b.c' }] } : {}),
  });
  return submissionId;
}

/** Walks a submission CREATED → … → ROUTED with the given routes. */
async function routed(routeIds: string[]): Promise<string> {
  const id = await newSubmission();
  const steps = [
    ['CREATED', 'RECEIVED'],
    ['RECEIVED', 'OPENED'],
    ['OPENED', 'MAPPED'],
  ] as const;
  for (const [from, to] of steps) {
    expect(await journal.transition(id, { from: [from], to, actor: 'worker', stage: to.toLowerCase() })).toBeDefined();
  }
  await journal.transition(id, {
    from: ['MAPPED'],
    to: 'ROUTED',
    actor: 'worker',
    stage: 'route',
    deliveries: routeIds.map((routeId) => ({ routeId, adapterInstance: `dms-${routeId}`, target: `/out/${routeId}` })),
  });
  return id;
}

describe('Journal submissions', () => {
  it('creates a submission in CREATED with its channel metadata, event and an intake audit record', async () => {
    const caseId = randomUUID();
    const id = await newSubmission({ caseId, createEvent: true });
    const row = await journal.getSubmission(id);
    expect(row).toMatchObject({
      submissionId: id,
      state: 'CREATED',
      tenantId: 'stadt-a',
      channel: 'test-channel',
      channelRef: id,
      channelMeta: { ...CHANNEL_META, caseId },
      serviceName: null,
      submittedAt: null,
      acknowledgedAt: null,
      problem: null,
    });
    expect(row?.createdAt).toBeInstanceOf(Date);
    const audit = await journal.listAudit({ submissionId: id, limit: 10 });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: 'gateway', stage: 'intake', fromState: null, toState: 'CREATED', details: { channel: 'test-channel', announcedAttachments: 1 } });
    expect(await journal.hasEvent(id, 'create-submission')).toBe(true);
    expect(await journal.getSubmission(randomUUID())).toBeUndefined();
    expect((await journal.findSubmissionByCase(caseId))?.submissionId).toBe(id);
    expect(await journal.findSubmissionByCase(randomUUID())).toBeUndefined();
    expect(await journal.findCase(caseId)).toMatchObject({ submission: { submissionId: id }, eventCount: 1 });
    expect(await journal.countEvents(caseId)).toBe(1);
    expect(await journal.eventTokens(caseId, { offset: 0, limit: 10 })).toHaveLength(1);
    expect((await journal.findByChannelRef('test-channel', id))?.submissionId).toBe(id);
    expect(await journal.findByChannelRef('other-channel', id)).toBeUndefined();
  });

  it('rejects a duplicate submission id or channel reference with CONFLICT', async () => {
    const id = await newSubmission();
    const base = { tenantId: 't', channel: 'test-channel', channelMeta: {}, serviceIdentifier: 'x', state: 'RECEIVED' as const, actor: 'gateway' };
    await expect(journal.createSubmission({ ...base, submissionId: id, channelRef: randomUUID() })).rejects.toMatchObject({ code: ErrorCode.CONFLICT, status: 409 });
    await expect(journal.createSubmission({ ...base, submissionId: randomUUID(), channelRef: id })).rejects.toMatchObject({ code: ErrorCode.CONFLICT, status: 409 });
    // the same reference on another channel is another message
    expect(await journal.createSubmission({ ...base, channel: 'other-channel', submissionId: randomUUID(), channelRef: id })).toMatchObject({ state: 'RECEIVED' });
  });

  it('records the acknowledgement of a finished outcome once, with an audit record', async () => {
    const id = await newSubmission();
    await journal.transition(id, { from: ['CREATED'], to: 'REJECTED', actor: 'worker', stage: 'open', patch: { reason: 'bad', problem: { code: ErrorCode.HASH_MISMATCH, stage: 'open', part: 'data', detail: 'bad' } } });
    expect((await journal.getSubmission(id))?.problem).toEqual({ code: ErrorCode.HASH_MISMATCH, stage: 'open', part: 'data', detail: 'bad' });
    const waiting = await journal.listUnacknowledged({ olderThanMs: 0, limit: 1000 });
    expect(waiting.map((r) => r.submissionId)).toContain(id);
    expect(await journal.markAcknowledged(id, { actor: 'channel:test', details: { event: 'reject' } })).toBe(true);
    expect(await journal.markAcknowledged(id, { actor: 'channel:test', details: { event: 'reject' } })).toBe(false);
    expect((await journal.listUnacknowledged({ olderThanMs: 0, limit: 1000 })).map((r) => r.submissionId)).not.toContain(id);
    const audit = await journal.listAudit({ submissionId: id, limit: 10 });
    expect(audit.filter((a) => a.stage === 'acknowledge')).toHaveLength(1);
  });

  it('upserts attachments until submit, then refuses', async () => {
    const id = await newSubmission();
    await journal.recordAttachment({ submissionId: id, attachmentId: 'att-1', blobKey: 'a'.repeat(64), size: 10 });
    await journal.recordAttachment({ submissionId: id, attachmentId: 'att-1', blobKey: 'b'.repeat(64), size: 12 });
    const list = await journal.listAttachments(id);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ attachmentId: 'att-1', blobKey: 'b'.repeat(64), size: 12 });
    await journal.transition(id, { from: ['CREATED'], to: 'RECEIVED', actor: 'gateway', stage: 'submit' });
    await expect(
      journal.recordAttachment({ submissionId: id, attachmentId: 'att-2', blobKey: 'c'.repeat(64), size: 1 }),
    ).rejects.toMatchObject({ code: ErrorCode.CONFLICT });
    await expect(
      journal.recordAttachment({ submissionId: randomUUID(), attachmentId: 'a', blobKey: 'c'.repeat(64), size: 1 }),
    ).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND });
  });
});

describe('Journal.transition', () => {
  it('moves state, applies the patch, inserts deliveries and writes one audit record per step', async () => {
    const id = await newSubmission();
    const submittedAt = new Date('2025-03-01T10:00:00.000Z');
    const received = await journal.transition(id, {
      from: ['CREATED'],
      to: 'RECEIVED',
      actor: 'gateway',
      stage: 'submit',
      inputHash: 'in-hash',
      patch: { channelMeta: { dataBlobKey: 'd'.repeat(64) }, submittedAt },
    });
    expect(received).toMatchObject({ state: 'RECEIVED', channelMeta: { dataBlobKey: 'd'.repeat(64) }, submittedAt });
    const tags = { metadata: 'tag-m', data: 'tag-d', attachments: { 'att-1': 'tag-a' } };
    const opened = await journal.transition(id, {
      from: ['RECEIVED'],
      to: 'OPENED',
      actor: 'worker',
      stage: 'open',
      patch: { channelMeta: { authenticationTags: tags } },
    });
    expect(opened?.channelMeta).toEqual({ authenticationTags: tags });
    const output = {
      blobKey: 'c'.repeat(64),
      packageName: 'pkg.zip',
      mimeType: 'application/zip',
      size: 123,
      sha256: 'f'.repeat(64),
      prozessId: 'p-1',
      mappingModule: 'generic-xdomea',
      mappingVersion: '1.0.0',
    };
    const mapped = await journal.transition(id, {
      from: ['OPENED'],
      to: 'MAPPED',
      actor: 'worker',
      stage: 'map',
      outputHash: 'out-hash',
      details: { mappingModule: 'generic-xdomea', version: '1.0.0' },
      patch: {
        mappingModule: 'generic-xdomea',
        mappingVersion: '1.0.0',
        outputSha256: 'f'.repeat(64),
        reason: null,
        outputs: { '/a': output },
      },
    });
    expect((await journal.getSubmission(id))?.outputs).toEqual({ '/a': output });
    expect(mapped).toMatchObject({ state: 'MAPPED', mappingModule: 'generic-xdomea', outputSha256: 'f'.repeat(64) });
    await journal.transition(id, {
      from: ['MAPPED'],
      to: 'ROUTED',
      actor: 'worker',
      stage: 'route',
      deliveries: [
        { routeId: 'r1', adapterInstance: 'dms-a', target: '/a' },
        { routeId: 'r2', adapterInstance: 'dms-b', target: '/b' },
      ],
    });
    const deliveries = await journal.listDeliveries(id);
    expect(deliveries.map((d) => [d.routeId, d.state, d.attempts])).toEqual([
      ['r1', 'PENDING', 0],
      ['r2', 'PENDING', 0],
    ]);
    const audit = await journal.listAudit({ submissionId: id, limit: 100 });
    expect(audit.map((a) => [a.stage, a.fromState, a.toState])).toEqual([
      ['intake', null, 'CREATED'],
      ['submit', 'CREATED', 'RECEIVED'],
      ['open', 'RECEIVED', 'OPENED'],
      ['map', 'OPENED', 'MAPPED'],
      ['route', 'MAPPED', 'ROUTED'],
    ]);
    expect(audit[1]?.inputHash).toBe('in-hash');
    expect(audit[3]).toMatchObject({ outputHash: 'out-hash', details: { mappingModule: 'generic-xdomea', version: '1.0.0' } });
  });

  it('throws on an illegal transition without touching the row', async () => {
    const id = await newSubmission();
    const attempt = journal.transition(id, { from: ['CREATED'], to: 'DELIVERED', actor: 'x', stage: 'y' });
    await expect(attempt).rejects.toBeInstanceOf(WeicheError);
    await expect(attempt).rejects.toThrow(/illegal transition CREATED → DELIVERED/);
    expect((await journal.getSubmission(id))?.state).toBe('CREATED');
  });

  it('returns undefined and writes nothing when the row is not in a from-state', async () => {
    const id = await newSubmission();
    const before = await journal.listAudit({ submissionId: id, limit: 10 });
    const result = await journal.transition(id, {
      from: ['RECEIVED'],
      to: 'OPENED',
      actor: 'worker',
      stage: 'open',
      patch: { reason: 'should not be written' },
    });
    expect(result).toBeUndefined();
    expect(await journal.listAudit({ submissionId: id, limit: 10 })).toEqual(before);
    expect(await journal.getSubmission(id)).toMatchObject({ state: 'CREATED', reason: null });
    expect(await journal.transition(randomUUID(), { from: ['RECEIVED'], to: 'OPENED', actor: 'w', stage: 'open' })).toBeUndefined();
  });

  it('commits several steps in one transaction, each with its audit record, or none of them', async () => {
    const id = await newSubmission();
    const step = (from: SubmissionState, to: SubmissionState) => ({ from: [from], to, actor: 'worker', stage: 'map' });
    // the second step does not apply (the row is not in OPENED after the first): nothing of the first stays
    expect(await journal.transitions(id, [step('CREATED', 'RECEIVED'), step('OPENED', 'MAPPED')])).toBeUndefined();
    expect(await journal.getSubmission(id)).toMatchObject({ state: 'CREATED' });
    expect(await journal.listAudit({ submissionId: id, limit: 10 })).toHaveLength(1);
    const row = await journal.transitions(id, [step('CREATED', 'RECEIVED'), step('RECEIVED', 'OPENED'), { ...step('OPENED', 'MAPPED'), patch: { reason: 'both' } }]);
    expect(row).toMatchObject({ state: 'MAPPED', reason: 'both' });
    const audit = await journal.listAudit({ submissionId: id, limit: 10 });
    expect(audit.map((a) => [a.fromState, a.toState])).toEqual(expect.arrayContaining([[null, 'CREATED'], ['CREATED', 'RECEIVED'], ['RECEIVED', 'OPENED'], ['OPENED', 'MAPPED']]));
    expect(audit).toHaveLength(4);
  });

  it('lets exactly one of several concurrent workers make the same transition', async () => {
    const id = await newSubmission();
    const results = await Promise.all(
      Array.from({ length: 8 }, () => journal.transition(id, { from: ['CREATED'], to: 'RECEIVED', actor: 'w', stage: 'submit' })),
    );
    expect(results.filter((r) => r !== undefined)).toHaveLength(1);
    const audit = await journal.listAudit({ submissionId: id, limit: 10 });
    expect(audit.filter((a) => a.toState === 'RECEIVED')).toHaveLength(1);
  });
});

describe('Journal chains of submissions from before the per-submission chains', () => {
  it('gives a submission without a chain head its chain at the first transition', async () => {
    const id = randomUUID();
    // as migration 0006 left a submission of the old single chain: a row, no head of its own
    await db.pool.query(
      `INSERT INTO "${db.schema}".submissions (submission_id, tenant_id, channel, channel_ref, channel_meta, service_identifier, state)
       VALUES ($1, 'stadt-a', 'test-channel', $1, '{}', 'urn:x', 'RECEIVED')`,
      [id],
    );
    expect(await journal.transitions(id, [{ from: ['RECEIVED'], to: 'OPENED', actor: 'w', stage: 'open' }, { from: ['OPENED'], to: 'MAPPED', actor: 'w', stage: 'map' }])).toMatchObject({ state: 'MAPPED' });
    const audit = await journal.listAudit({ submissionId: id, limit: 10 });
    expect(audit.map((a) => [a.chainSeq, a.fromState, a.toState, a.tenantId])).toEqual([
      [1, 'RECEIVED', 'OPENED', 'stadt-a'],
      [2, 'OPENED', 'MAPPED', 'stadt-a'],
    ]);
    expect(await db.verify()).toMatchObject({ ok: true, problems: 0 });
  });
});

describe('Journal deliveries', () => {
  it('completes a submission exactly once when 20 completions race across 2 routes', async () => {
    const id = await routed(['r1', 'r2']);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        journal.completeDelivery({ submissionId: id, routeId: i % 2 === 0 ? 'r1' : 'r2', receipt: { n: i }, actor: 'dispatcher' }),
      ),
    );
    expect((await journal.getSubmission(id))?.state).toBe('DELIVERED');
    expect((await journal.listDeliveries(id)).every((d) => d.state === 'DELIVERED' && d.deliveredAt instanceof Date)).toBe(true);
    const audit = await journal.listAudit({ submissionId: id, limit: 100 });
    expect(audit.filter((a) => a.toState === 'DELIVERED')).toHaveLength(1);
    expect(audit.filter((a) => a.stage === 'deliver-route')).toHaveLength(1);
    // two route completions changed something; the rest were no-ops
    expect(results.filter((r) => r.changed)).toHaveLength(2);
    expect(results.filter((r) => r.allDelivered && r.submissionState === 'DELIVERED').length).toBeGreaterThanOrEqual(1);
    expect(await db.verify()).toMatchObject({ ok: true, problems: 0 });
  });

  it('reports a single route completion without finishing the submission', async () => {
    const id = await routed(['r1', 'r2']);
    const first = await journal.completeDelivery({ submissionId: id, routeId: 'r1', receipt: { id: 'R-1' }, actor: 'd' });
    expect(first).toMatchObject({ submissionState: 'ROUTED', allDelivered: false, changed: true });
    const again = await journal.completeDelivery({ submissionId: id, routeId: 'r1', receipt: { id: 'R-2' }, actor: 'd' });
    expect(again).toMatchObject({ submissionState: 'ROUTED', allDelivered: false, changed: false });
    expect((await journal.listDeliveries(id))[0]?.receipt).toEqual({ id: 'R-1' });
    await expect(journal.completeDelivery({ submissionId: id, routeId: 'nope', receipt: {}, actor: 'd' })).rejects.toMatchObject({
      code: ErrorCode.NOT_FOUND,
      message: `delivery ${id}/nope not found`,
    });
    const unknown = randomUUID();
    await expect(journal.failDelivery({ submissionId: unknown, routeId: 'r1', reason: 'x', actor: 'd' })).rejects.toMatchObject({
      code: ErrorCode.NOT_FOUND,
      message: `submission ${unknown} not found`,
    });
  });

  it('records the successful attempt with the completion: attempt row, route counter, the submission touched', async () => {
    const id = await routed(['r1', 'r2']);
    const before = (await journal.getSubmission(id))!.updatedAt;
    const first = await journal.completeDelivery({ submissionId: id, routeId: 'r1', receipt: { id: 'R-1' }, actor: 'd', attempt: { attempt: 2, durationMs: 12.6 } });
    expect(first).toMatchObject({ submissionState: 'ROUTED', allDelivered: false, changed: true, row: { state: 'ROUTED' } });
    expect((await journal.getSubmission(id))!.updatedAt.getTime()).toBeGreaterThan(before.getTime());
    const done = await journal.completeDelivery({ submissionId: id, routeId: 'r2', receipt: { id: 'R-2' }, actor: 'd', attempt: { attempt: 1 } });
    expect(done).toMatchObject({ submissionState: 'DELIVERED', allDelivered: true, changed: true, row: { submissionId: id, state: 'DELIVERED', acknowledgedAt: null } });
    expect((await journal.listAttempts(id)).map((a) => [a.routeId, a.attempt, a.outcome, a.error])).toEqual([
      ['r1', 2, 'success', null],
      ['r2', 1, 'success', null],
    ]);
    expect((await journal.listDeliveries(id)).map((d) => [d.routeId, d.state, d.attempts, d.receipt])).toEqual([
      ['r1', 'DELIVERED', 1, { id: 'R-1' }],
      ['r2', 'DELIVERED', 1, { id: 'R-2' }],
    ]);
    // a redelivery after a crash records its attempt again but keeps the first receipt and changes no state
    const again = await journal.completeDelivery({ submissionId: id, routeId: 'r2', receipt: { id: 'R-3' }, actor: 'd', attempt: { attempt: 2 } });
    expect(again).toMatchObject({ submissionState: 'DELIVERED', allDelivered: true, changed: false });
    expect((await journal.listDeliveries(id)).find((d) => d.routeId === 'r2')).toMatchObject({ attempts: 2, receipt: { id: 'R-2' } });
    const audit = await journal.listAudit({ submissionId: id, limit: 100 });
    expect(audit.map((a) => a.stage).slice(-2)).toEqual(['deliver-route', 'deliver']);
    expect(await db.verify()).toMatchObject({ ok: true, problems: 0 });
  });

  it('reads a submission with one route, or without it when the route is unknown', async () => {
    const id = await routed(['r1']);
    expect(await journal.getRoute(id, 'r1')).toMatchObject({ row: { submissionId: id, state: 'ROUTED' }, delivery: { routeId: 'r1', state: 'PENDING', adapterInstance: 'dms-r1', target: '/out/r1', attempts: 0, deliveredAt: null } });
    expect((await journal.getRoute(id, 'r1'))?.delivery?.updatedAt).toBeInstanceOf(Date);
    expect(await journal.getRoute(id, 'nope')).toMatchObject({ row: { submissionId: id }, delivery: undefined });
    expect(await journal.getRoute(randomUUID(), 'r1')).toBeUndefined();
  });

  it('records attempts and dead-letters a failed route; a replay resets only the failed route', async () => {
    const id = await routed(['r1', 'r2']);
    await journal.recordAttempt({ submissionId: id, routeId: 'r1', attempt: 1, outcome: 'success', receipt: { ok: true } });
    await journal.completeDelivery({ submissionId: id, routeId: 'r1', receipt: { ok: true }, actor: 'd' });
    await journal.recordAttempt({ submissionId: id, routeId: 'r2', attempt: 1, outcome: 'transient', error: 'ECONNREFUSED' });
    await journal.recordAttempt({ submissionId: id, routeId: 'r2', attempt: 2, outcome: 'permanent', error: 'HTTP 422' });
    const attempts = await journal.listAttempts(id);
    expect(attempts.map((a) => [a.routeId, a.attempt, a.outcome, a.error])).toEqual([
      ['r1', 1, 'success', null],
      ['r2', 1, 'transient', 'ECONNREFUSED'],
      ['r2', 2, 'permanent', 'HTTP 422'],
    ]);
    const r2 = (await journal.listDeliveries(id)).find((d) => d.routeId === 'r2');
    expect(r2).toMatchObject({ attempts: 2, lastError: 'HTTP 422', state: 'PENDING' });

    expect(await journal.failDelivery({ submissionId: id, routeId: 'r2', reason: 'HTTP 422', actor: 'd' })).toEqual({ changed: true });
    expect(await journal.getSubmission(id)).toMatchObject({ state: 'FAILED', reason: 'HTTP 422' });
    expect(await journal.failDelivery({ submissionId: id, routeId: 'r2', reason: 'again', actor: 'd' })).toEqual({ changed: false });
    const audit = await journal.listAudit({ submissionId: id, limit: 100 });
    expect(audit.filter((a) => a.toState === 'FAILED')).toHaveLength(1);

    await journal.transition(id, {
      from: ['FAILED'],
      to: 'ROUTED',
      actor: 'operator:alice',
      stage: 'replay',
      deliveries: [
        { routeId: 'r1', adapterInstance: 'dms-r1', target: '/out/r1' },
        { routeId: 'r2', adapterInstance: 'dms-r2', target: '/out/r2' },
      ],
    });
    expect((await journal.listDeliveries(id)).map((d) => [d.routeId, d.state, d.lastError])).toEqual([
      ['r1', 'DELIVERED', null],
      ['r2', 'PENDING', null],
    ]);
    const done = await journal.completeDelivery({ submissionId: id, routeId: 'r2', receipt: {}, actor: 'd' });
    expect(done).toMatchObject({ submissionState: 'DELIVERED', allDelivered: true, changed: true, row: { state: 'DELIVERED', reason: null, problem: null } });
    // the failure is history now: the submission no longer names it as current, its audit chain keeps it
    expect(await journal.getSubmission(id)).toMatchObject({ state: 'DELIVERED', reason: null, problem: null });
    expect((await journal.listAudit({ submissionId: id, limit: 100 })).find((a) => a.toState === 'FAILED')?.details).toMatchObject({ reason: 'HTTP 422' });
    await expect(
      journal.recordAttempt({ submissionId: id, routeId: 'missing', attempt: 1, outcome: 'transient' }),
    ).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND });
  });
});

describe('Journal events', () => {
  it('pages a case event log in insertion order and ignores a repeated jti', async () => {
    const caseId = randomUUID();
    const id = await newSubmission({ caseId });
    for (let i = 0; i < 5; i++) {
      await journal.appendEvent({ caseId, submissionId: id, eventName: `evt-${i}`, jti: `${caseId}-${i}`, token: `tok.${i}.sig` });
    }
    await journal.appendEvent({ caseId, submissionId: id, eventName: 'evt-0', jti: `${caseId}-0`, token: 'dup' });
    // a second event of the same name (another jti: e.g. two workers accepting at once) is ignored too
    await journal.appendEvent({ caseId, submissionId: id, eventName: 'evt-1', jti: `${caseId}-other`, token: 'second' });
    expect(await journal.listEvents(caseId, { offset: 0, limit: 2 })).toEqual({ totalCount: 5, tokens: ['tok.0.sig', 'tok.1.sig'] });
    expect(await journal.listEvents(caseId, { offset: 4, limit: 2 })).toEqual({ totalCount: 5, tokens: ['tok.4.sig'] });
    expect(await journal.listEvents(randomUUID(), { offset: 0, limit: 10 })).toEqual({ totalCount: 0, tokens: [] });
    expect(await journal.hasEvent(id, 'evt-3')).toBe(true);
    expect(await journal.hasEvent(id, 'evt-9')).toBe(false);
    await expect(journal.listEvents(caseId, { offset: -1, limit: 1 })).rejects.toMatchObject({ code: ErrorCode.BAD_REQUEST });
  });
});

describe('Journal.listUnfinished', () => {
  it('lists non-terminal, accepted submissions untouched for longer than the threshold', async () => {
    const created = await newSubmission();
    const received = await newSubmission();
    await journal.transition(received, { from: ['CREATED'], to: 'RECEIVED', actor: 'g', stage: 'submit' });
    const rejected = await newSubmission();
    await journal.transition(rejected, { from: ['CREATED'], to: 'REJECTED', actor: 'g', stage: 'reject', patch: { reason: 'bad' } });
    const fresh = await newSubmission();
    await journal.transition(fresh, { from: ['CREATED'], to: 'RECEIVED', actor: 'g', stage: 'submit' });
    // age everything except `fresh`
    await db.pool.query(
      `UPDATE "${db.schema}".submissions SET updated_at = now() - interval '1 hour' WHERE submission_id = ANY($1)`,
      [[created, received, rejected]],
    );
    const ids = (await journal.listUnfinished({ olderThanMs: 60_000, limit: 1000 })).map((r) => r.submissionId);
    expect(ids).toContain(received);
    expect(ids).not.toContain(created);
    expect(ids).not.toContain(rejected);
    expect(ids).not.toContain(fresh);
    expect((await journal.listUnfinished({ olderThanMs: 0, limit: 1000 })).map((r) => r.submissionId)).toContain(fresh);
    expect(await journal.listUnfinished({ olderThanMs: 60_000, limit: 0 })).toEqual([]);
  });
});

describe('relay submissions (docs/adr/0017)', () => {
  async function relaySubmission(destinationId: string): Promise<{ submissionId: string; caseId: string }> {
    const submissionId = randomUUID();
    const caseId = randomUUID();
    await journal.createSubmission({
      submissionId,
      tenantId: 'stadt-a',
      channel: 'relay-test',
      channelRef: submissionId,
      channelMeta: { caseId, destinationId },
      serviceIdentifier: 'urn:de:fim:leika:leistung:99010003001006',
      state: 'CREATED',
      actor: 'gateway',
    });
    await journal.transition(submissionId, { from: ['CREATED'], to: 'RECEIVED', actor: 'g', stage: 'intake', patch: { submittedAt: new Date() } });
    return { submissionId, caseId };
  }

  it('leaves channels that await pickup out of listUnfinished, in the query (they never fill its page)', async () => {
    const waiting = await relaySubmission(randomUUID());
    const stuck = await newSubmission();
    await journal.transition(stuck, { from: ['CREATED'], to: 'RECEIVED', actor: 'g', stage: 'submit' });
    const ids = (opts: { exceptChannels?: string[] }) => journal.listUnfinished({ olderThanMs: 0, limit: 1000, ...opts }).then((rows) => rows.map((r) => r.submissionId));
    expect(await ids({})).toEqual(expect.arrayContaining([waiting.submissionId, stuck]));
    const excepted = await ids({ exceptChannels: ['relay-test'] });
    expect(excepted).toContain(stuck);
    expect(excepted).not.toContain(waiting.submissionId);
  });

  it('lists submissions for pickup by destination, paged with the total; a jti is known once used', async () => {
    const destination = randomUUID();
    const first = await relaySubmission(destination);
    const second = await relaySubmission(destination);
    await relaySubmission(randomUUID());
    const answered = await relaySubmission(destination);
    const jti = randomUUID();
    await journal.transition(answered.submissionId, {
      from: ['RECEIVED'],
      to: 'DELIVERED',
      actor: 'subscriber:x',
      stage: 'answer',
      events: [{ caseId: answered.caseId, submissionId: answered.submissionId, eventName: 'accept-submission', jti, token: 'a.b.c' }],
    });
    const page = await journal.listForPickup({ channel: 'relay-test', state: 'RECEIVED', destinationIds: [destination], offset: 0, limit: 1 });
    expect(page.totalCount).toBe(2);
    expect(page.rows.map((r) => r.submissionId)).toEqual([first.submissionId]);
    const next = await journal.listForPickup({ channel: 'relay-test', state: 'RECEIVED', destinationIds: [destination], offset: 1, limit: 10 });
    expect(next.rows.map((r) => r.submissionId)).toEqual([second.submissionId]);
    expect(await journal.hasEventJti(jti)).toBe(true);
    expect(await journal.hasEventJti(randomUUID())).toBe(false);
  });
});

describe('Journal.ping', () => {
  it('answers for a migrated schema and fails for a missing one', async () => {
    await journal.ping();
    await expect(new Journal({ pool: db.pool, schema: 'no_such_schema_x' }).ping()).rejects.toBeInstanceOf(WeicheError);
  });

  it('reports an unreachable database as STORAGE_UNAVAILABLE (503, retryable)', async () => {
    const pool = createPool('postgres://postgres@127.0.0.1:1/postgres', { max: 1 });
    try {
      const down = new Journal({ pool, schema: db.schema });
      await expect(down.ping()).rejects.toMatchObject({ code: ErrorCode.STORAGE_UNAVAILABLE, status: 503, retryable: true });
      await expect(down.audit({ actor: 'a', stage: 'b' })).rejects.toMatchObject({ code: ErrorCode.STORAGE_UNAVAILABLE });
    } finally {
      await pool.end();
    }
  });
});
