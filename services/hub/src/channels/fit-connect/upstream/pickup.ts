import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { FsBlobStore } from '@weiche/blobstore';
import type { FitConnectUpstream, WeicheConfig } from '@weiche/config';
import { ErrorCode, isWeicheError } from '@weiche/core';
import { jweLimits } from '@weiche/fit-connect';
import type { Journal } from '@weiche/journal';
import type { HubQueues } from '@weiche/queue';
import { withTimeout } from '../../../timeout.js';
import type { SubmissionApiClient } from './api-client.js';
import { verifySubmitEvent, type zustelldienstKeys } from './event-log.js';
import { FIT_CONNECT_UPSTREAM_CHANNEL, type FitConnectUpstreamMeta } from './meta.js';

/** What picking up needs of the hub. */
export interface PickupDeps {
  readonly journal: Pick<Journal, 'findByChannelRef' | 'createSubmission'>;
  readonly blobs: Pick<FsBlobStore, 'put' | 'get'>;
  readonly queues: Pick<HubQueues, 'enqueueProcess'>;
  readonly limits: WeicheConfig['limits'];
  readonly log: Logger;
}

/** One upstream destination with its client and the Zustelldienst's keys. */
export interface UpstreamConnection {
  readonly config: FitConnectUpstream;
  readonly client: SubmissionApiClient;
  readonly keys: ReturnType<typeof zustelldienstKeys>;
}

export type PickupOutcome = 'picked-up' | 'known' | 'raced';

/** The fifth segment of a compact JWE (its GCM tag); '' for what is no JWE (opening rejects it then). */
function tagOf(jwe: string): string {
  return jwe.trim().split('.')[4] ?? '';
}

/** The last segment of a stored attachment JWE, read from the end of the blob (attachments are never held whole). */
async function storedTag(blobs: PickupDeps['blobs'], key: string, size: number): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of blobs.get(key, { start: Math.max(0, size - 128) })) chunks.push(Buffer.from(chunk as Uint8Array));
  const tail = Buffer.concat(chunks).toString('ascii').trim();
  return tail.includes('.') ? (tail.split('.').pop() ?? '') : '';
}

/**
 * Picks one submission up from the upstream (issue 10): fetches it and its attachments into the blob store,
 * checks the case's event log, and stores it RECEIVED in the journal — one transaction, unique per upstream
 * submission id (`channel_ref`), which is what keeps overlapping polls, a callback racing a poll, and two hub
 * replicas from taking it twice. Nothing is answered upstream here: the answer follows the outcome, after
 * commit. A crash before the commit leaves only unreferenced blobs; the submission is still listed upstream
 * and picked up by the next poll.
 */
export async function pickUp(deps: PickupDeps, up: UpstreamConnection, submissionId: string): Promise<PickupOutcome> {
  if (await deps.journal.findByChannelRef(FIT_CONNECT_UPSTREAM_CHANNEL, submissionId)) return 'known';
  const wire = jweLimits(deps.limits);
  const submission = await up.client.submission(submissionId, wire.metadataBytes + wire.dataBytes + 64 * 1024);
  // a callback may name any id: only this destination's submissions are ours to take (and to answer)
  if (submission.destinationId !== up.config.destinationId) throw new Error(`submission ${submissionId} belongs to another destination`);
  const put = (text: string, maxBytes: number) => deps.blobs.put(Buffer.from(text.trim(), 'utf8'), { maxBytes });
  const metadata = submission.encryptedMetadata === undefined ? undefined : await put(submission.encryptedMetadata, wire.metadataBytes);
  const data = submission.encryptedData === undefined ? undefined : await put(submission.encryptedData, wire.dataBytes);
  const attachmentBlobs: FitConnectUpstreamMeta['attachmentBlobs'] = [];
  const attachmentTags: Record<string, string> = {};
  for (const attachmentId of submission.attachments) {
    const ref = await deps.blobs.put(await up.client.attachment(submissionId, attachmentId), { maxBytes: wire.attachmentBytes });
    attachmentBlobs.push({ attachmentId, blobKey: ref.key, size: ref.size });
    attachmentTags[attachmentId] = await storedTag(deps.blobs, ref.key, ref.size);
  }
  const tags = {
    metadata: submission.encryptedMetadata === undefined ? '' : tagOf(submission.encryptedMetadata),
    ...(submission.encryptedData !== undefined ? { data: tagOf(submission.encryptedData) } : {}),
    attachments: attachmentTags,
  };
  const verdict = await verifySubmitEvent(up.keys, await up.client.events(submission.caseId), { submissionId, caseId: submission.caseId }, tags);
  const meta: FitConnectUpstreamMeta = {
    caseId: submission.caseId,
    destinationId: submission.destinationId,
    senderClientId: `upstream:${up.config.id}`,
    announcedAttachments: submission.attachments,
    ...(metadata ? { metadataBlobKey: metadata.key } : {}),
    ...(data ? { dataBlobKey: data.key } : {}),
    upstreamId: up.config.id,
    upstreamSubmissionId: submissionId,
    ...(verdict.ok && verdict.submittedAt ? { upstreamSubmittedAt: verdict.submittedAt } : {}),
    attachmentBlobs,
    ...(verdict.ok ? { submitEvent: verdict.token } : { eventLogProblem: verdict.detail }),
  };
  try {
    const row = await deps.journal.createSubmission({
      submissionId: randomUUID(),
      tenantId: up.config.tenant,
      channel: FIT_CONNECT_UPSTREAM_CHANNEL,
      channelRef: submissionId,
      channelMeta: meta,
      serviceIdentifier: submission.serviceType.identifier,
      ...(submission.serviceType.name ? { serviceName: submission.serviceType.name } : {}),
      state: 'RECEIVED',
      actor: `upstream:${up.config.id}`,
      inputHash: metadata?.sha256,
      details: { upstream: up.config.id, upstreamSubmissionId: submissionId, caseId: submission.caseId, attachments: attachmentBlobs.length, eventLog: verdict.ok ? 'verified' : 'invalid' },
    });
    if (!verdict.ok) deps.log.error({ upstream: up.config.id, submissionId: row.submissionId, upstreamSubmissionId: submissionId, reason: verdict.detail }, 'upstream event log does not verify; the submission is rejected unopened');
    // durable from here: the reconciler enqueues what has no job
    await withTimeout(deps.queues.enqueueProcess({ submissionId: row.submissionId }), 2000, 'enqueue').catch((error: unknown) =>
      deps.log.warn({ err: error, submissionId: row.submissionId }, 'enqueue failed; the reconciler will pick it up'),
    );
    return 'picked-up';
  } catch (error) {
    if (isWeicheError(error) && error.code === ErrorCode.CONFLICT) return 'raced';
    throw error;
  }
}
