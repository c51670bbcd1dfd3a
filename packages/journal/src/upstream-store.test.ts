import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Journal } from './journal.js';
import { testDatabase } from './test-schema.js';
import { UpstreamStore } from './upstream-store.js';

const db = testDatabase();
const store = db.store(UpstreamStore);
const journal = db.store(Journal);
beforeAll(() => db.migrate());
afterAll(() => db.drop());

async function pickedUp(upstreamId: string, upstreamSubmittedAt?: string): Promise<string> {
  const submissionId = randomUUID();
  await journal.createSubmission({
    submissionId,
    tenantId: 'stadt-a',
    channel: 'fit-connect-upstream',
    channelRef: randomUUID(),
    channelMeta: { upstreamId, ...(upstreamSubmittedAt ? { upstreamSubmittedAt } : {}) },
    serviceIdentifier: 'urn:s',
    state: 'RECEIVED',
    actor: 'test',
  });
  return submissionId;
}

describe('UpstreamStore', () => {
  it('keeps the last poll, success and error of an upstream', async () => {
    await store.recordPoll('zd', 'fit-connect', { phase: 'start' });
    await store.recordPoll('zd', 'fit-connect', { phase: 'error', message: 'list submissions → HTTP 503' });
    await store.recordPoll('zd', 'fit-connect', { phase: 'start' });
    await store.recordPoll('zd', 'fit-connect', { phase: 'success' });
    const record = (await store.records(['zd'], 3600)).get('zd');
    expect(record?.lastPollAt).toBeInstanceOf(Date);
    expect(record?.lastSuccessAt).toBeInstanceOf(Date);
    expect(record?.lastError?.message).toBe('list submissions → HTTP 503');
    expect(record?.lastError && record.lastSuccessAt && record.lastError.at <= record.lastSuccessAt).toBe(true);
  });

  it('keeps what a poll that read the list left upstream, until a later one says otherwise', async () => {
    const since = new Date(Date.now() - 3 * 86_400_000);
    await store.recordPoll('rz-box', 'xta', { phase: 'start' });
    await store.recordPoll('rz-box', 'xta', { phase: 'success', waitingUpstream: { count: 2, since } });
    expect((await store.records(['rz-box'], 60)).get('rz-box')?.waitingUpstream).toEqual({ count: 2, since });
    await store.recordPoll('rz-box', 'xta', { phase: 'error', message: 'getStatusList → 9030' });
    expect((await store.records(['rz-box'], 60)).get('rz-box')?.waitingUpstream).toEqual({ count: 2, since });
    await store.recordPoll('rz-box', 'xta', { phase: 'success', waitingUpstream: { count: 0 } });
    expect((await store.records(['rz-box'], 60)).get('rz-box')?.waitingUpstream).toEqual({ count: 0 });
    // a poll that read the list but failed for some entries tells what it left, and stays a failed poll
    const successAt = (await store.records(['rz-box'], 60)).get('rz-box')?.lastSuccessAt;
    await store.recordPoll('rz-box', 'xta', { phase: 'error', message: 'message …: 9030', waitingUpstream: { count: 1, since } });
    expect((await store.records(['rz-box'], 60)).get('rz-box')).toMatchObject({ waitingUpstream: { count: 1, since }, lastSuccessAt: successAt, lastError: { message: 'message …: 9030' } });
    // a kind that cannot see it reports nothing
    await store.recordPoll('zd-2', 'fit-connect', { phase: 'success' });
    expect((await store.records(['zd-2'], 60)).get('zd-2')?.waitingUpstream).toBeUndefined();
  });

  it('adds up the failed calls of every failed poll per upstream and kind (the counter weiche_upstream_failures_total)', async () => {
    expect(await store.failureCounts(['zd-f', 'rz-f'])).toEqual(new Map());
    await store.recordPoll('zd-f', 'fit-connect', { phase: 'error', message: '2 failures in this pass: …', failures: { connection: 1, 'upstream-error': 1 } });
    await store.recordPoll('zd-f', 'fit-connect', { phase: 'success' });
    await store.recordPoll('zd-f', 'fit-connect', { phase: 'error', message: 'list submissions → HTTP 503', failures: { 'upstream-error': 1, auth: 0 } });
    await store.recordPoll('rz-f', 'xta', { phase: 'error', message: '3 failures in this pass: …', failures: { tls: 3 } });
    expect(await store.failureCounts(['zd-f', 'rz-f', 'never-polled'])).toEqual(
      new Map([
        ['zd-f', { connection: 1, 'upstream-error': 2 }],
        ['rz-f', { tls: 3 }],
      ]),
    );
  });

  it('lets one poller hold an upstream at a time, releases the lock with the poll, and keeps other upstreams apart', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const first = store.withPollLock('rz-box', async () => {
      entered();
      await held;
      return 'first';
    });
    await inside;
    expect(await store.withPollLock('rz-box', async () => 'second')).toEqual({ locked: false });
    expect(await store.withPollLock('other-box', async () => 'other')).toEqual({ locked: true, value: 'other' });
    release();
    expect(await first).toEqual({ locked: true, value: 'first' });
    expect(await store.withPollLock('rz-box', async () => 'again')).toEqual({ locked: true, value: 'again' });
  });

  it('counts what waits for an answer upstream, its age from the upstream submission, and the overdue ones', async () => {
    const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000 - 60_000).toISOString();
    const old = await pickedUp('box', twoDaysAgo);
    await pickedUp('box');
    await pickedUp('other');
    const record = (await store.records(['box', 'never-polled'], 2 * 86_400)).get('box');
    expect(record).toMatchObject({ backlog: 2, overdue: 1 });
    expect(record?.oldestUnacknowledgedAt?.toISOString()).toBe(twoDaysAgo);
    expect((await store.records(['never-polled'], 60)).get('never-polled')).toEqual({ backlog: 0, overdue: 0, recloses: 0, closeNotTaken: 0 });

    // acknowledged upstream: no longer waiting
    await journal.transition(old, { from: ['RECEIVED'], to: 'REJECTED', actor: 't', stage: 'open' });
    await journal.markAcknowledged(old, { actor: 't', details: {} });
    expect((await store.records(['box'], 2 * 86_400)).get('box')).toMatchObject({ backlog: 1, overdue: 0 });
  });

  it('keeps the close of a box entry per upstream: due on the next poll, then after 2, 4 … polls up to the cap, counted', async () => {
    const poll = () => store.recordPoll('rz-closes', 'xta', { phase: 'start' });
    await poll();
    await store.recordClose('rz-closes', 'm-1');
    // a second record of the same close changes nothing
    await store.recordClose('rz-closes', 'm-1');
    expect(await store.closes('rz-closes', ['m-1', 'm-2'])).toEqual(new Map([['m-1', { recloses: 0, due: false }]]));
    expect(await store.closes('other-box', ['m-1'])).toEqual(new Map());
    const dueAt: number[] = [];
    for (let n = 1; n <= 12; n += 1) {
      await poll();
      if (!(await store.closes('rz-closes', ['m-1'])).get('m-1')?.due) continue;
      dueAt.push(n);
      // at most every 4 polls
      await store.recordReclose('rz-closes', 'm-1', 4);
    }
    expect(dueAt).toEqual([1, 3, 7, 11]);
    const record = (await store.records(['rz-closes'], 60)).get('rz-closes');
    expect(record).toMatchObject({ recloses: 4, closeNotTaken: 0 });
    await store.recordReclose('rz-closes', 'm-1', 4);
    expect((await store.records(['rz-closes'], 60)).get('rz-closes')).toMatchObject({ recloses: 5, closeNotTaken: 1 });
  });

  it('forgets closes not sent for a week', async () => {
    await store.recordPoll('rz-prune', 'xta', { phase: 'start' });
    await store.recordClose('rz-prune', 'old');
    await store.recordClose('rz-prune', 'new');
    await db.pool.query(`UPDATE ${db.schema}.upstream_closes SET last_closed_at = now() - interval '8 days' WHERE message_id = 'old'`);
    await store.pruneCloses('rz-prune');
    expect([...(await store.closes('rz-prune', ['old', 'new'])).keys()]).toEqual(['new']);
  });
});
