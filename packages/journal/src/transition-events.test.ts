import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@weiche/core';
import { EventNotWritten, Journal } from './journal.js';
import { testDatabase, testSubmission } from './test-schema.js';

const db = testDatabase();
const journal = db.store(Journal);
beforeAll(() => db.migrate());
afterAll(() => db.drop());

// Issue 13 §5: "a kill between committing RECEIVED and writing submit-submission". The event is written
// in the transaction of the state, so there is no such point: here the database connection dies (the
// backend is terminated, as by a crash of either side) after the state row was updated and while the
// event is inserted — neither survives, and the retried submit writes both.
describe('the event a sender is owed commits with its state, or neither does', () => {
  it('a connection lost while the submit-submission event is written leaves CREATED and no event; the retry writes both', async () => {
    const caseId = randomUUID();
    const submissionId = await testSubmission(journal, { caseId }, 'CREATED');
    const s = `"${db.schema}"`;
    await db.pool.query(`CREATE FUNCTION ${s}.die_on_submit() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.event_name = 'submit-submission' THEN PERFORM pg_terminate_backend(pg_backend_pid()); END IF;
        RETURN NEW;
      END $$`);
    await db.pool.query(`CREATE TRIGGER die_on_submit BEFORE INSERT ON ${s}.events FOR EACH ROW EXECUTE FUNCTION ${s}.die_on_submit()`);
    const submit = () =>
      journal.transition(submissionId, {
        from: ['CREATED'],
        to: 'RECEIVED',
        actor: 'client:c',
        stage: 'intake',
        events: [{ caseId, submissionId, eventName: 'submit-submission', jti: randomUUID(), token: 'a.b.c' }],
      });
    // the dropped connection is an outage to the caller (503 at the gateway), not a crash of the process
    await expect(submit()).rejects.toMatchObject({ code: ErrorCode.STORAGE_UNAVAILABLE });
    expect((await journal.getSubmission(submissionId))?.state).toBe('CREATED');
    expect((await db.pool.query(`SELECT count(*)::int AS n FROM ${s}.events WHERE submission_id = $1`, [submissionId])).rows[0]?.n).toBe(0);

    await db.pool.query(`DROP TRIGGER die_on_submit ON ${s}.events`);
    expect((await submit())?.state).toBe('RECEIVED');
    const events = await db.pool.query<{ event_name: string }>(`SELECT event_name FROM ${s}.events WHERE submission_id = $1`, [submissionId]);
    expect(events.rows.map((r) => r.event_name)).toEqual(['submit-submission']);
  });

  it('writes the events of a step in order with the callbacks owed, only when the step applies, and a repeated one not again', async () => {
    const submissionId = randomUUID();
    const caseId = randomUUID();
    const s = `"${db.schema}"`;
    await journal.createSubmission({
      submissionId,
      tenantId: 'stadt-a',
      channel: 'test-channel',
      channelRef: submissionId,
      channelMeta: { caseId },
      serviceIdentifier: 'urn:de:fim:leika:leistung:99010003001006',
      state: 'CREATED',
      actor: 'gateway',
    });
    const event = (eventName: string, notifySender: boolean) => ({ caseId, submissionId, eventName, jti: randomUUID(), token: `t.${eventName}.s`, notifySender });
    const events = [event('e-1', true), event('e-2', false), event('e-3', true)];
    const step = { from: ['RECEIVED' as const], to: 'OPENED' as const, actor: 'w', stage: 'open', events };
    // not in RECEIVED yet: nothing written
    expect(await journal.transition(submissionId, step)).toBeUndefined();
    expect(await journal.listSubmissionEvents(submissionId)).toEqual([]);
    await journal.transition(submissionId, { from: ['CREATED'], to: 'RECEIVED', actor: 'c', stage: 'intake' });
    expect(await journal.transition(submissionId, step)).toMatchObject({ state: 'OPENED' });
    expect((await journal.listSubmissionEvents(submissionId)).map((e) => [e.eventName, e.token])).toEqual([
      ['e-1', 't.e-1.s'],
      ['e-2', 't.e-2.s'],
      ['e-3', 't.e-3.s'],
    ]);
    const owed = async (): Promise<string[]> =>
      (await db.pool.query<{ jti: string }>(`SELECT jti FROM ${s}.callbacks WHERE submission_id = $1 ORDER BY event_name`, [submissionId])).rows.map((r) => r.jti);
    expect(await owed()).toEqual([events[0]!.jti, events[2]!.jti]);
    // the same event name again (another jti) is ignored and owes no second callback
    await journal.transition(submissionId, { from: ['OPENED'], to: 'MAPPED', actor: 'w', stage: 'map', events: [event('e-1', true)] });
    expect(await journal.listSubmissionEvents(submissionId)).toHaveLength(3);
    expect(await owed()).toEqual([events[0]!.jti, events[2]!.jti]);
  });

  it('eventsRequired: a step whose event is not written (its jti in the log already) writes nothing and throws; a free jti moves it', async () => {
    const s = `"${db.schema}"`;
    const create = async () => {
      const caseId = randomUUID();
      return { submissionId: await testSubmission(journal, { caseId }), caseId };
    };
    const first = await create();
    const second = await create();
    const jti = randomUUID();
    const answer = (ref: { submissionId: string; caseId: string }, eventJti: string) =>
      journal.transition(ref.submissionId, {
        from: ['RECEIVED'],
        to: 'DELIVERED',
        actor: 'subscriber:s',
        stage: 'answer',
        events: [{ ...ref, eventName: 'accept-submission', jti: eventJti, token: `t.${ref.submissionId}.s`, notifySender: true }],
        eventsRequired: true,
      });
    expect(await answer(first, jti)).toMatchObject({ state: 'DELIVERED' });
    const refused = await answer(second, jti).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(EventNotWritten);
    expect(refused).toMatchObject({ code: ErrorCode.CONFLICT, jtis: [jti] });
    // rolled back: the state, the audit record and the callback of the step are not written
    expect((await journal.getSubmission(second.submissionId))?.state).toBe('RECEIVED');
    expect(await journal.listSubmissionEvents(second.submissionId)).toEqual([]);
    expect((await journal.listAudit({ submissionId: second.submissionId, limit: 10 })).map((a) => a.stage)).toEqual(['intake']);
    expect((await db.pool.query(`SELECT count(*)::int AS n FROM ${s}.callbacks WHERE submission_id = $1`, [second.submissionId])).rows[0]?.n).toBe(0);
    expect(await answer(second, randomUUID())).toMatchObject({ state: 'DELIVERED' });
  });
});
