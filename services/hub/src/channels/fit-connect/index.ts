import type { FsBlobStore, TenantKeyring } from '@weiche/blobstore';
import { ErrorCode, WeicheError } from '@weiche/core';
import { acceptPayload, type MetadataValidator } from '@weiche/fit-connect';
import type { Journal, SubmissionRow } from '@weiche/journal';
import type { Channel, ChannelRecord } from '../channel.js';
import type { Logger } from 'pino';
import type { WeicheConfig } from '@weiche/config';
import type { CallbackStore } from '@weiche/journal';
import type { HubQueues, RedisConnection } from '@weiche/queue';
import type { RedisOutage } from '../../redis-outage.js';
import { startCallbackWorker } from './callbacks/callback-worker.js';
import type { ResolveHost } from './callbacks/post-callback.js';
import { emitEvent, enqueueCallbacks } from './events.js';
import { FIT_CONNECT_CHANNEL, FitConnectMeta } from './meta.js';
import { openFitConnect } from './open.js';
import { announceRejection } from './reject-event.js';
import { tokenRoutes } from './sender-auth.js';
import { receiverRoutes } from './relay/receiver-routes.js';
import { senderRoutes, type SenderRoutesDeps } from './sender-routes.js';
import { withMethodNotAllowed } from './method-not-allowed.js';

export interface FitConnectChannelDeps extends SenderRoutesDeps {
  readonly blobs: SenderRoutesDeps['blobs'] & Pick<FsBlobStore, 'read' | 'get'>;
  readonly metadata: MetadataValidator;
  readonly queues: SenderRoutesDeps['queues'] & Pick<HubQueues, 'callback' | 'hasLiveJob'>;
  readonly callbacks: CallbackStore;
  /** Seals callback secrets at intake and opens them to sign each callback. */
  readonly keyring: Pick<TenantKeyring, 'dataKey' | 'findDataKey'>;
  readonly redis: RedisConnection;
  /** Where the callback worker's errors go (a Redis outage is told once). */
  readonly redisOutage: Pick<RedisOutage, 'workerError'>;
  readonly config: Pick<WeicheConfig, 'callbacks' | 'processing'> & { readonly redis: { readonly prefix: string } };
  readonly log: Logger;
  /** How callback host names are resolved (the system resolver unless given). */
  readonly resolveHost?: ResolveHost;
}

/**
 * The FIT-Connect channel: the hub as its own Zustelldienst and subscriber (specs/fit-connect.md).
 * Senders post through the Submission API and read the case's event log; the outcome is told with a
 * signed accept-submission (echoing the JWE authentication tags) or reject-submission (with the problem).
 */
export function createFitConnectChannel(deps: FitConnectChannelDeps): Channel {
  const metaOf = (row: SubmissionRow): FitConnectMeta => FitConnectMeta.parse(row.channelMeta);
  let callbackWorker: { stop(): Promise<void> } | undefined;
  return {
    name: FIT_CONNECT_CHANNEL,
    open: (row) => openFitConnect(deps, row, metaOf(row)),
    async acknowledge(row) {
      const meta = metaOf(row);
      // the hub answers as the destination's subscriber: iss is the destination (FIT-Connect set-payload schema)
      const ref = { submissionId: row.submissionId, caseId: meta.caseId, notifySender: meta.callback !== undefined, subscriberOf: meta.destinationId };
      if (row.state === 'DELIVERED') {
        const tags = meta.authenticationTags;
        if (!tags) throw new WeicheError(ErrorCode.INTERNAL, 'a delivered FIT-Connect submission has no authentication tags');
        const payload = acceptPayload({ metadata: tags.metadata, attachments: tags.attachments, ...(tags.data !== undefined ? { data: tags.data } : {}) });
        const event = await emitEvent(deps, ref, 'accept-submission', payload);
        await enqueueCallbacks(deps, [event]);
        return { event: 'accept-submission', ...(event ? { jti: event.jti } : {}) };
      }
      if (row.state === 'REJECTED') return announceRejection(deps, row, ref);
      throw new WeicheError(ErrorCode.INTERNAL, `nothing to acknowledge in state ${row.state}`);
    },
    // callbacks to senders are sent by the processor role (which runs channels' background work)
    async start() {
      const { callbacks, processing, redis } = deps.config;
      callbackWorker = startCallbackWorker({
        ...deps,
        redisPrefix: redis.prefix,
        policy: callbacks,
        lockDurationMs: processing.lockDurationMs,
        reconcileIntervalMs: processing.reconcileIntervalMs,
      });
    },
    async stop() {
      await callbackWorker?.stop();
      callbackWorker = undefined;
    },
    record: (row) => fitConnectRecord(deps, row),
    async routes(app) {
      await withMethodNotAllowed(app, async (scope) => {
        await scope.register(tokenRoutes(deps));
        await scope.register(senderRoutes(deps));
        // the receiver side for subscribers of relay destinations (docs/relay-destinations.md)
        await scope.register(receiverRoutes(deps));
      });
    },
  };
}

/** What the FIT-Connect channels keep of a submission: the JWEs as received and the case's event log. */
export async function fitConnectRecord(deps: { readonly journal: Pick<Journal, 'listAttachments' | 'listSubmissionEvents'> }, row: SubmissionRow): Promise<ChannelRecord> {
  const meta = FitConnectMeta.parse(row.channelMeta);
  const [attachments, events] = await Promise.all([deps.journal.listAttachments(row.submissionId), deps.journal.listSubmissionEvents(row.submissionId)]);
  return {
    received: [
      ...(meta.metadataBlobKey ? [{ part: 'metadata', blobKey: meta.metadataBlobKey }] : []),
      ...(meta.dataBlobKey ? [{ part: 'data', blobKey: meta.dataBlobKey }] : []),
      ...attachments.map((a) => ({ part: `attachment:${a.attachmentId}`, blobKey: a.blobKey, size: a.size })),
    ],
    transport: { caseId: meta.caseId, destinationId: meta.destinationId, events: events.map((e) => ({ event: e.eventName, at: e.at.toISOString(), token: e.token })) },
  };
}
