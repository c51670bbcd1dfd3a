import type { AuditRecord, SubmissionRow } from '@weiche/journal';
import type { ChannelRecord } from '../../channel.js';
import { FitConnectUpstreamMeta } from './meta.js';

/**
 * What the FIT-Connect upstream channel keeps of a submission (evidence bundles, retention): the JWEs as fetched
 * from the Zustelldienst, and the upstream's side of the case — the Zustelldienst's submit-submission SET that
 * verified (or why the event log did not), and our answer SET as posted (from the acknowledge audit record).
 * Read from the journal only: neither an evidence bundle nor retention depends on the upstream being reachable
 * or still configured.
 */
export function fitConnectUpstreamRecord(row: SubmissionRow, audit: readonly AuditRecord[]): ChannelRecord {
  const meta = FitConnectUpstreamMeta.parse(row.channelMeta);
  const ack = audit.find((a) => a.stage === 'acknowledge');
  const answer = ack && typeof ack.details.event === 'string' ? { at: ack.at.toISOString(), event: ack.details.event, jti: ack.details.jti ?? null, token: ack.details.token ?? null } : null;
  return {
    received: [
      ...(meta.metadataBlobKey ? [{ part: 'metadata', blobKey: meta.metadataBlobKey }] : []),
      ...(meta.dataBlobKey ? [{ part: 'data', blobKey: meta.dataBlobKey }] : []),
      ...meta.attachmentBlobs.map((a) => ({ part: `attachment:${a.attachmentId}`, blobKey: a.blobKey, size: a.size })),
    ],
    transport: {
      upstream: meta.upstreamId,
      destinationId: meta.destinationId,
      caseId: meta.caseId,
      upstreamSubmissionId: meta.upstreamSubmissionId,
      ...(meta.upstreamSubmittedAt !== undefined ? { upstreamSubmittedAt: meta.upstreamSubmittedAt } : {}),
      // a submission refused at pickup was never checked against the event log
      ...(meta.pickupProblem !== undefined
        ? { pickupProblem: meta.pickupProblem }
        : { eventLog: meta.eventLogProblem === undefined ? { verified: true, submitSubmission: meta.submitEvent ?? null } : { verified: false, problem: meta.eventLogProblem } }),
      answer,
    },
  };
}
