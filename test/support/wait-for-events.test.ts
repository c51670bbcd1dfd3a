import { describe, expect, it } from 'vitest';
import { accepted, answered, waitForEvents, waitForState } from './wait-for-events.js';

/** An unsigned SET as the event log holds it (only the payload is read here). */
function set(event: string, body: Record<string, unknown> = {}): string {
  const part = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none' })}.${part({ events: { [`https://schema.fitko.de/fit-connect/events/${event}`]: body } })}.`;
}

/** An event log that grows by one event per read, up to `events`. */
function growingLog(events: string[]): { events: (caseId: string) => Promise<string[]>; reads: () => number } {
  let reads = 0;
  return { events: async () => events.slice(0, ++reads), reads: () => reads };
}

describe('waitForEvents', () => {
  it('returns the log once it holds the count, and once it holds an answer', async () => {
    const log = ['create-submission', 'submit-submission', 'accept-submission'].map((e) => set(e));
    expect(await waitForEvents(growingLog(log), 'c-1', 3, 5_000)).toEqual(log);
    expect(await waitForEvents(growingLog(log), 'c-1', answered, 5_000)).toEqual(log);
  });

  it('fails at the deadline naming the events it saw', async () => {
    const log = ['create-submission', 'submit-submission'].map((e) => set(e));
    await expect(waitForEvents(growingLog(log), 'c-2', 3, 600)).rejects.toThrow(
      /timed out after 600 ms waiting for 3 events in the event log of case c-2; last seen: \[create-submission, submit-submission\]/,
    );
  });

  it('waiting for accept-submission ends at once on a reject-submission, with its problems', async () => {
    const reader = growingLog([set('create-submission'), set('submit-submission'), set('reject-submission', { problems: [{ type: 'syntax-violation' }] })]);
    await expect(waitForEvents(reader, 'c-3', accepted, 30_000)).rejects.toThrow(/rejected: .*syntax-violation/);
    expect(reader.reads()).toBe(3);
  });
});

describe('waitForState', () => {
  it('fails at once when the row reached another final state, at the deadline with the state seen', async () => {
    const journal = (state: string) => ({ getSubmission: async () => ({ state, reason: 'no route' }) });
    await expect(waitForState(journal('FAILED'), 's-1', 'DELIVERED', 30_000)).rejects.toThrow('s-1 is FAILED, not DELIVERED: no route');
    await expect(waitForState(journal('MAPPED'), 's-1', 'DELIVERED', 300)).rejects.toThrow(/waiting for s-1 DELIVERED; last seen: MAPPED/);
    expect(await waitForState(journal('DELIVERED'), 's-1', 'DELIVERED', 300)).toMatchObject({ state: 'DELIVERED' });
  });
});
