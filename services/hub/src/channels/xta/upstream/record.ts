import type { AuditRecord, SubmissionRow } from '@weiche/journal';
import type { ChannelRecord } from '../../channel.js';
import { evidenceMetaData } from '../evidence-metadata.js';
import { XtaUpstreamMeta } from './meta.js';
import { UPSTREAM_CLOSE_STAGE } from './poller.js';

/**
 * What the XTA upstream channel keeps of a message (evidence bundles, retention): the container as the
 * intermediary handed it over, and the transport facts of the box — upstream, MessageID, reader, author,
 * MessageMetaData, and when it was closed upstream (the poller audits every close; after a crash it may close
 * again). Read from the journal only, so neither depends on the intermediary.
 */
export function xtaUpstreamRecord(row: SubmissionRow, audit: readonly AuditRecord[]): ChannelRecord {
  const meta = XtaUpstreamMeta.parse(row.channelMeta);
  return {
    // EncryptedData as received; a plain container or an answer that broke the profile is encrypted at rest
    // a message refused for its size was never fetched: nothing of it is kept
    received: meta.containerBlobKey === undefined ? [] : [{ part: 'container', blobKey: meta.containerBlobKey, ...(meta.container === 'encrypted' ? {} : { atRest: true }) }],
    transport: {
      upstream: meta.upstreamId,
      messageId: meta.messageMetaData.messageId,
      reader: meta.readerId,
      author: meta.authorId,
      container: meta.container,
      ...(meta.refusedReason !== undefined ? { refusedReason: meta.refusedReason } : {}),
      mtom: meta.mtom,
      ...(meta.upstreamSubmittedAt !== undefined ? { upstreamSubmittedAt: meta.upstreamSubmittedAt } : {}),
      closedUpstreamAt: audit.filter((a) => a.stage === UPSTREAM_CLOSE_STAGE).map((a) => a.at.toISOString()),
      messageMetaData: evidenceMetaData(meta.messageMetaData),
    },
  };
}
