import { ErrorCode, WeicheError } from '@weiche/core';
import type { Journal, SubmissionRow } from '@weiche/journal';
import type { Channel, ChannelRecord } from '../../channel.js';
import { FIT_CONNECT_RELAY_CHANNEL, FitConnectMeta } from '../meta.js';
import { announceRejection, type RejectEventDeps } from '../reject-event.js';

export interface RelayChannelDeps extends Omit<RejectEventDeps, 'journal'> {
  readonly journal: Pick<Journal, 'listSubmissionEvents' | 'hasEvent' | 'appendEvent'>;
  /** The FIT-Connect channel's record (the same parts and event log). */
  readonly record: (row: SubmissionRow) => Promise<ChannelRecord>;
}

const ANSWERS = new Set(['accept-submission', 'reject-submission']);

/**
 * Submissions to relay destinations (docs/adr/0017-relay-destinations.md): the hub is only the delivery service.
 * They arrive through the FIT-Connect sender routes, wait RECEIVED until their subscriber picks them up and answers
 * (relay/receiver-routes.ts) and are never opened, mapped or routed here: the processor skips and the reconciler
 * leaves out channels that `awaitPickup`.
 */
export function createRelayChannel(deps: RelayChannelDeps): Channel {
  return {
    name: FIT_CONNECT_RELAY_CHANNEL,
    awaitsPickup: true,
    async open() {
      throw new WeicheError(ErrorCode.INTERNAL, 'a relay submission is opened by its subscriber, never by the hub', { retryable: false });
    },
    /**
     * The subscriber's own SET is the answer, written with the end state: acknowledging only names it (idempotent).
     * REJECTED without one: nobody picked it up in time (janitor, processing.relayRetentionMs); as FIT-Connect's
     * delivery service does, the hub tells the sender with its own reject-submission.
     */
    async acknowledge(row) {
      const answer = (await deps.journal.listSubmissionEvents(row.submissionId)).find((e) => ANSWERS.has(e.eventName));
      if (answer) return { event: answer.eventName };
      if (row.state === 'REJECTED') {
        const meta = FitConnectMeta.parse(row.channelMeta);
        return announceRejection(deps, row, { submissionId: row.submissionId, caseId: meta.caseId, notifySender: meta.callback !== undefined });
      }
      throw new WeicheError(ErrorCode.INTERNAL, `the relay submission is ${row.state} without the subscriber's answer in its event log`);
    },
    record: deps.record,
  };
}
