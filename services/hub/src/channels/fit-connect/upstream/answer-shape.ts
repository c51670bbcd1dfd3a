import type { z } from 'zod';

/**
 * A 2xx answer that is not what the Submission API answers there: no JSON (a proxy's HTML page, even when it calls
 * itself application/json), JSON of another shape (`{"status":"maintenance"}`), another media type than the one asked
 * for, or the answer for another resource. That is the upstream's or a proxy's fault, not the sender's: the call is
 * tried again on a later pass, and the poll reports it. Its message names the schema's complaints, never a value of
 * the answer (which could hold personal data).
 */
export class UpstreamAnswerError extends Error {
  override readonly name = 'UpstreamAnswerError';
  readonly retryable = true;
  constructor(what: string, why: string) {
    super(`${what}: the answer is not of the Submission API (${why})`);
  }
}

/** The schema's complaints, by path (`whole` for the value itself), without the values. */
export function issuesOf(error: z.ZodError, whole = 'answer'): string {
  return error.issues.map((i) => `${i.path.join('.') || whole}: ${i.message}`).join('; ');
}

/** `text` as JSON; what is none is an UpstreamAnswerError. */
export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new UpstreamAnswerError(what, 'no JSON');
  }
}

/** `value` as `schema`; what is not of it is an UpstreamAnswerError. */
export function parseAnswer<T extends z.ZodType>(schema: T, value: unknown, what: string): z.infer<T> {
  const read = schema.safeParse(value);
  if (!read.success) throw new UpstreamAnswerError(what, issuesOf(read.error));
  return read.data;
}

/**
 * The submission asked for, named by its own ids in the answer, with fields outside the API. Those fields (the
 * service, the announced attachments, the encrypted parts) are what the sender submitted: it may be refused — where
 * the pickup list's entry names the same case (pickUp), so that no proxy's page, which names neither id, is ever
 * taken for the submission.
 */
export class SubmissionOffApi extends Error {
  override readonly name = 'SubmissionOffApi';
  constructor(
    readonly caseId: string,
    readonly issues: string,
  ) {
    super(`get submission: the submission's fields are not of the Submission API (${issues})`);
  }
}
