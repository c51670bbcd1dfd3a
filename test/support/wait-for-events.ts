import { waitUntil } from './env.js';
import { eventNames, eventPayload } from './fit-connect-sender.js';

/** Whatever reads a case's event log (SET tokens): the test sender, a hub's sender. */
export interface EventLogReader {
  events(caseId: string): Promise<string[]>;
}

/** The answer events of a case: the hub accepted or rejected the submission. */
export const ANSWERS = ['accept-submission', 'reject-submission'] as const;

/** What waitForEvents waits for: `until` gets the event names and the tokens; it may throw to end the wait at once. */
export interface EventsAwaited {
  readonly what: string;
  until(names: string[], tokens: string[]): boolean;
}

/**
 * The case's event log (SET tokens) once it holds `count` events, or once `until(names)` holds. Fails at the deadline
 * with the event names seen, so a log that went elsewhere (or nowhere) says so.
 */
export function waitForEvents(
  sender: EventLogReader,
  caseId: string,
  until: number | EventsAwaited,
  timeoutMs = 60_000,
): Promise<string[]> {
  const wanted: EventsAwaited = typeof until === 'number' ? { what: `${until} events`, until: (names) => names.length >= until } : until;
  return waitUntil(`${wanted.what} in the event log of case ${caseId}`, () => sender.events(caseId), (tokens) => wanted.until(eventNames(tokens), tokens), {
    timeoutMs,
    intervalMs: 250,
    show: (tokens) => `[${eventNames(tokens).join(', ')}]`,
  });
}

/** For waitForEvents: the log holds an answer, accept-submission or reject-submission. */
export const answered: EventsAwaited = { what: 'accept-submission or reject-submission', until: (names) => ANSWERS.some((a) => names.includes(a)) };

/** For waitForEvents: the log holds accept-submission; a reject-submission ends the wait at once, with its problems. */
export const accepted: EventsAwaited = {
  what: 'accept-submission',
  until: (names, tokens) => {
    const rejected = names.indexOf('reject-submission');
    if (rejected >= 0) throw new Error(`rejected: ${JSON.stringify(eventPayload(tokens[rejected]!))}`);
    return names.includes('accept-submission');
  },
};

/** Whatever reads a submission's journal row: the journal of an in-process hub. */
export interface SubmissionReader<R extends { state: string }> {
  getSubmission(submissionId: string): Promise<R | undefined>;
}

const FINAL = ['DELIVERED', 'REJECTED', 'FAILED'];

/**
 * The submission's journal row once it is in `state`. A row that reached another final state fails at once, with its
 * reason; at the deadline it fails with the state seen.
 */
export function waitForState<R extends { state: string; reason?: string | null | undefined }>(
  journal: SubmissionReader<R>,
  submissionId: string,
  state: string,
  timeoutMs = 60_000,
): Promise<R> {
  return waitUntil(
    `${submissionId} ${state}`,
    () => journal.getSubmission(submissionId),
    (row) => {
      if (row && row.state !== state && FINAL.includes(row.state)) throw new Error(`${submissionId} is ${row.state}, not ${state}: ${row.reason ?? ''}`);
      return row?.state === state;
    },
    { timeoutMs, intervalMs: 100, show: (row) => row?.state ?? 'no row' },
  ) as Promise<R>;
}
