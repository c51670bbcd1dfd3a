import type { FsBlobStore } from '@weiche/blobstore';
import { ErrorCode, WeicheError } from '@weiche/core';
import { acceptPayload, rejectPayload, type MetadataValidator } from '@weiche/fit-connect';
import type { SubmissionRow } from '@weiche/journal';
import type { Channel, ChannelRecord } from '../channel.js';
import { emitEvent } from './events.js';
import { FIT_CONNECT_CHANNEL, FitConnectMeta } from './meta.js';
import { openFitConnect } from './open.js';
import { fitConnectProblem } from './problems.js';
import { tokenRoutes } from './sender-auth.js';
import { senderRoutes, type SenderRoutesDeps } from './sender-routes.js';

export interface FitConnectChannelDeps extends SenderRoutesDeps {
  readonly blobs: SenderRoutesDeps['blobs'] & Pick<FsBlobStore, 'read' | 'get'>;
  readonly metadata: MetadataValidator;
}

/**
 * The FIT-Connect channel: the hub as its own Zustelldienst and subscriber (specs/fit-connect.md).
 * Senders post through the Submission API and read the case's event log; the outcome is told with a
 * signed accept-submission (echoing the JWE authentication tags) or reject-submission (with the problem).
 */
export function createFitConnectChannel(deps: FitConnectChannelDeps): Channel {
  const metaOf = (row: SubmissionRow): FitConnectMeta => FitConnectMeta.parse(row.channelMeta);
  return {
    name: FIT_CONNECT_CHANNEL,
    open: (row) => openFitConnect(deps, row, metaOf(row)),
    async acknowledge(row) {
      const meta = metaOf(row);
      const ref = { submissionId: row.submissionId, caseId: meta.caseId };
      if (row.state === 'DELIVERED') {
        const tags = meta.authenticationTags;
        if (!tags) throw new WeicheError(ErrorCode.INTERNAL, 'a delivered FIT-Connect submission has no authentication tags');
        const payload = acceptPayload({ metadata: tags.metadata, attachments: tags.attachments, ...(tags.data !== undefined ? { data: tags.data } : {}) });
        const event = await emitEvent(deps, ref, 'accept-submission', payload);
        return { event: 'accept-submission', ...(event ? { jti: event.jti } : {}) };
      }
      if (row.state === 'REJECTED') {
        const problem = fitConnectProblem(row.problem ?? { code: ErrorCode.INTERNAL, stage: 'open', detail: row.reason ?? 'rejected' });
        const event = await emitEvent(deps, ref, 'reject-submission', rejectPayload([problem]));
        return { event: 'reject-submission', problem: problem.type, ...(event ? { jti: event.jti } : {}) };
      }
      throw new WeicheError(ErrorCode.INTERNAL, `nothing to acknowledge in state ${row.state}`);
    },
    async record(row): Promise<ChannelRecord> {
      const meta = metaOf(row);
      const [attachments, events] = await Promise.all([deps.journal.listAttachments(row.submissionId), deps.journal.listSubmissionEvents(row.submissionId)]);
      return {
        received: [
          ...(meta.metadataBlobKey ? [{ part: 'metadata', blobKey: meta.metadataBlobKey }] : []),
          ...(meta.dataBlobKey ? [{ part: 'data', blobKey: meta.dataBlobKey }] : []),
          ...attachments.map((a) => ({ part: `attachment:${a.attachmentId}`, blobKey: a.blobKey, size: a.size })),
        ],
        transport: { caseId: meta.caseId, destinationId: meta.destinationId, events: events.map((e) => ({ event: e.eventName, at: e.at.toISOString(), token: e.token })) },
      };
    },
    async routes(app) {
      await app.register(tokenRoutes(deps));
      await app.register(senderRoutes(deps));
    },
  };
}
