/** Pickups an announced attachment must be missing on before the submission is refused (with the time below). */
export const MISSING_ATTACHMENT_TRIES = 5;

/**
 * Counts, per upstream submission, the pickups on which the Zustelldienst answered 404 for an attachment the
 * submission announced. The Submission API lists a submission for pickup only once it is submitted, and it is
 * submitted only with every announced attachment uploaded (422 otherwise): a 404 for a listed submission's
 * attachment ("attachment for submission not found", get-submission-attachment) cannot heal by itself. It is still
 * tried `MISSING_ATTACHMENT_TRIES` times over at least that many poll intervals — a Zustelldienst's passing
 * inconsistency is not a reason to reject a citizen's submission — and then refused once (`missing-attachments`).
 * Held in memory: a restart or another replica counts afresh, which only delays the refusal by the same bound.
 */
export class MissingAttachments {
  private readonly seen = new Map<string, { first: number; tries: number }>();

  constructor(private readonly pollIntervalMs: number) {}

  /** Records one more pickup with the attachment missing; true once the bound is reached and the pickup is to be refused. */
  missed(upstreamSubmissionId: string, now = Date.now()): boolean {
    const entry = this.seen.get(upstreamSubmissionId) ?? { first: now, tries: 0 };
    entry.tries += 1;
    this.seen.set(upstreamSubmissionId, entry);
    // callbacks can run passes back to back: the bound is in time as well as in tries
    return entry.tries >= MISSING_ATTACHMENT_TRIES && now - entry.first >= (MISSING_ATTACHMENT_TRIES - 1) * this.pollIntervalMs;
  }

  /** Forgets a submission whose pickup got past its attachments (or ended otherwise). */
  forget(upstreamSubmissionId: string): void {
    this.seen.delete(upstreamSubmissionId);
  }

  /** Forgets what the last pass no longer listed (answered meanwhile, e.g. by another replica): the map stays small. */
  keepOnly(listed: ReadonlySet<string>): void {
    for (const id of this.seen.keys()) if (!listed.has(id)) this.seen.delete(id);
  }
}
