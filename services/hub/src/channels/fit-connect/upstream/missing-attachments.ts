import type { MissingAttachmentStore } from '@weiche/journal';

/** Pickups an announced attachment must be missing on before the submission is refused (with the grace time). */
export const MISSING_ATTACHMENT_TRIES = 5;

/**
 * Counts, per upstream submission, the pickups on which the Zustelldienst answered 404 for an attachment the
 * submission announced. The Submission API lists a submission for pickup only once it is submitted, and it is
 * submitted only with every announced attachment uploaded (422 otherwise): a 404 for a listed submission's
 * attachment ("attachment for submission not found", get-submission-attachment) cannot heal by itself. A
 * Zustelldienst's outage or lag is still no reason to reject a citizen's submission: it is refused
 * (`missing-attachments`) only once missing for the upstream's `missingAttachmentGraceMs` and on at least
 * `MISSING_ATTACHMENT_TRIES` pickups. Counted in the journal, by its clock: a restart or another replica counts on,
 * and replicas agree on the time. That the refusal is recorded once, whoever reaches the bound, is the journal's
 * (one row per upstream submission id, see pickUp).
 */
export class MissingAttachments {
  constructor(
    private readonly store: Pick<MissingAttachmentStore, 'missed' | 'forget' | 'keepOnly'>,
    private readonly upstreamId: string,
    private readonly graceMs: number,
  ) {}

  /** Records one more pickup with the attachment missing; true once the bound is reached and the pickup is to be refused. */
  async missed(upstreamSubmissionId: string): Promise<boolean> {
    const { pickups, missingMs } = await this.store.missed(this.upstreamId, upstreamSubmissionId);
    return pickups >= MISSING_ATTACHMENT_TRIES && missingMs >= this.graceMs;
  }

  /** Forgets a submission whose attachments arrived, or that was refused. */
  forget(upstreamSubmissionId: string): Promise<void> {
    return this.store.forget(this.upstreamId, upstreamSubmissionId);
  }

  /** Forgets what a list read in full from `listedSince` on no longer held (answered meanwhile, e.g. by another replica). */
  keepOnly(listed: ReadonlySet<string>, listedSince: Date): Promise<void> {
    return this.store.keepOnly(this.upstreamId, [...listed], listedSince);
  }
}
