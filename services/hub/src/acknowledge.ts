import type { Logger } from 'pino';
import type { Journal, SubmissionRow } from '@weiche/journal';
import type { ChannelRegistry } from './channels/registry.js';

export interface AcknowledgeDeps {
  readonly journal: Pick<Journal, 'markAcknowledged'>;
  readonly channels: ChannelRegistry;
  readonly log: Logger;
}

/**
 * Lets the submission's channel tell the sender the final outcome (DELIVERED or REJECTED), then records
 * that it did. Runs after the outcome is committed, so nothing is acknowledged that is not durable; a
 * failure here is logged and the reconciler tries again (channels acknowledge idempotently).
 */
export async function acknowledgeOutcome(deps: AcknowledgeDeps, row: SubmissionRow): Promise<boolean> {
  try {
    const details = await deps.channels.get(row.channel).acknowledge(row);
    await deps.journal.markAcknowledged(row.submissionId, { actor: `channel:${row.channel}`, details });
    return true;
  } catch (error) {
    deps.log.warn({ submissionId: row.submissionId, channel: row.channel, err: error }, 'acknowledgement failed; the reconciler retries it');
    return false;
  }
}
