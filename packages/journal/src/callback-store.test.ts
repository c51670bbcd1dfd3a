import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallbackStore } from './callback-store.js';
import { Journal } from './journal.js';
import { testDatabase } from './test-schema.js';

const db = testDatabase();
const journal = db.store(Journal);
const callbacks = db.store(CallbackStore);
beforeAll(() => db.migrate());
afterAll(() => db.drop());

describe('callbacks owed with their events', () => {
  it('writes a callback row exactly for each new event of a sender that asked, and finishes it once with an audit record', async () => {
    const submissionId = randomUUID();
    const caseId = randomUUID();
    const event = (eventName: string, notifySender: boolean) => ({ caseId, submissionId, eventName, jti: randomUUID(), token: 'a.b.c', notifySender });
    const created = event('create-submission', true);
    await journal.createSubmission({
      submissionId,
      tenantId: 'stadt-a',
      channel: 'test-channel',
      channelRef: submissionId,
      channelMeta: {},
      serviceIdentifier: 'urn:de:fim:leika:leistung:99010003001006',
      state: 'CREATED',
      actor: 'gateway',
      events: [created],
    });
    // a repeated event name is not written again, so no second callback is owed
    await journal.appendEvent(event('create-submission', true));
    // an event of a sender without a callback owes none
    await journal.appendEvent(event('submit-submission', false));
    const pending = await callbacks.listPending(100);
    expect(pending.filter((c) => c.submissionId === submissionId).map((c) => [c.jti, c.eventName, c.state])).toEqual([[created.jti, 'create-submission', 'PENDING']]);

    await callbacks.recordFailure(created.jti, 'connection to portal.example:443 failed: ECONNREFUSED');
    expect(await callbacks.get(created.jti)).toMatchObject({ attempts: 1, lastError: 'connection to portal.example:443 failed: ECONNREFUSED', state: 'PENDING' });
    expect(await callbacks.markSent(created.jti)).toBe(true);
    expect(await callbacks.giveUp(created.jti, 'too late')).toBe(false);
    expect(await callbacks.get(created.jti)).toMatchObject({ attempts: 2, state: 'SENT' });
    const page = await callbacks.list({ submissionId, tenantIds: ['stadt-a'], limit: 10, offset: 0 });
    expect(page).toMatchObject({ total: 1, items: [{ tenantId: 'stadt-a', state: 'SENT' }] });
    expect((await callbacks.list({ submissionId, tenantIds: ['stadt-b'], limit: 10, offset: 0 })).total).toBe(0);
    const audit = await journal.listAudit({ submissionId, limit: 10 });
    expect(audit.filter((r) => r.stage === 'callback').map((r) => r.details)).toEqual([{ event: 'create-submission', jti: created.jti, outcome: 'sent', attempts: 2 }]);
    expect((await db.verify()).ok).toBe(true);
  });
});
