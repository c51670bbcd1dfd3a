import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { putEncrypted, type FsBlobStore, type TenantKeyring } from '@weiche/blobstore';
import type { XtaUpstreamConfig } from '@weiche/config';
import { ErrorCode, isWeicheError } from '@weiche/core';
import type { Journal } from '@weiche/journal';
import type { HubQueues } from '@weiche/queue';
import { contentContainerDocument, type FetchResult, type MessageMetaData } from '@weiche/xta';
import { withTimeout } from '../../../timeout.js';
import { XTA_UPSTREAM_CHANNEL, xtaUpstreamRef, type XtaUpstreamMeta } from './meta.js';

export interface TakeInDeps {
  readonly journal: Pick<Journal, 'createSubmission'>;
  readonly blobs: FsBlobStore;
  readonly keyring: TenantKeyring;
  readonly queues: Pick<HubQueues, 'enqueueProcess'>;
  readonly log: Logger;
}

/**
 * Makes a fetched message durable: the container exactly as received (ciphertext; a plain container
 * encrypted at rest with the tenant's key) in the blob store, and a RECEIVED journal row for the upstream's
 * tenant. An answer whose content broke the profile is kept whole (encrypted at rest: it may hold plaintext)
 * and rejected by `open` with the reason. Returns once both are committed — only then may the box entry be
 * closed. A row that already exists (a crash before close, another replica) counts as taken in: `created` is false.
 */
export async function takeIn(deps: TakeInDeps, upstream: XtaUpstreamConfig, fetched: FetchResult & { messageMetaData: MessageMetaData }, raw: Buffer): Promise<{ created: boolean }> {
  const meta = fetched.messageMetaData;
  const stored =
    fetched.kind === 'unreadable'
      ? await putEncrypted(deps.blobs, deps.keyring, upstream.tenant, raw)
      : fetched.container.kind === 'encrypted'
        ? await deps.blobs.put(Buffer.from(fetched.container.encryptedDataXml, 'utf8'))
        : await putEncrypted(deps.blobs, deps.keyring, upstream.tenant, Buffer.from(contentContainerDocument(fetched.container), 'utf8'));
  const container = fetched.kind === 'unreadable' ? 'unreadable' : fetched.container.kind;
  return createRow(deps, upstream, meta, {
    container,
    ...(fetched.kind === 'unreadable' ? { unreadableReason: fetched.problem.message } : {}),
    mtom: fetched.mtom,
    containerBlobKey: stored.key,
    inputHash: stored.sha256,
  });
}

/**
 * Takes in a message whose answer was over the hub's limit: it can never be fetched, and nothing of it is kept. A
 * RECEIVED row under the MessageMetaData the box listed it with, and the reason; `open` rejects it, and the box entry
 * is closed like any other taken in (ADR 0016) instead of being fetched again every poll.
 */
export async function takeInRefused(deps: TakeInDeps, upstream: XtaUpstreamConfig, meta: MessageMetaData, reason: string): Promise<{ created: boolean }> {
  const created = await createRow(deps, upstream, meta, { container: 'refused', refusedReason: reason, mtom: false });
  if (created.created) deps.log.error({ upstream: upstream.id, xtaMessageId: meta.messageId, reason }, 'xta upstream message over the limit; taken in to be rejected and closed');
  return created;
}

/** The RECEIVED row of a box entry (unique per reader and MessageID), then the process job. */
async function createRow(
  deps: TakeInDeps,
  upstream: XtaUpstreamConfig,
  meta: MessageMetaData,
  taken: Pick<XtaUpstreamMeta, 'container' | 'unreadableReason' | 'refusedReason' | 'mtom' | 'containerBlobKey'> & { inputHash?: string },
): Promise<{ created: boolean }> {
  const { inputHash, ...received } = taken;
  const { container, mtom } = received;
  // normalised: the upstream status reads it as timestamptz, and one unparsable date must not break that for all
  const sentTime = Date.parse(meta.deliveryAttributes.initialSend ?? meta.deliveryAttributes.origin ?? '');
  const sentAt = Number.isNaN(sentTime) ? undefined : new Date(sentTime).toISOString();
  const submissionId = randomUUID();
  const channelMeta: XtaUpstreamMeta = {
    upstreamId: upstream.id,
    readerId: upstream.reader,
    authorId: meta.author.value,
    messageMetaData: meta,
    ...received,
    ...(sentAt !== undefined ? { upstreamSubmittedAt: sentAt } : {}),
  };
  try {
    await deps.journal.createSubmission({
      submissionId,
      tenantId: upstream.tenant,
      channel: XTA_UPSTREAM_CHANNEL,
      channelRef: xtaUpstreamRef(upstream.reader, meta.messageId),
      channelMeta,
      // routed by the MessageMetaData service with the tenant's routes (an upstream box has no service list)
      serviceIdentifier: meta.qualifier.service,
      state: 'RECEIVED',
      actor: `xta-upstream:${upstream.id}`,
      inputHash,
      details: { upstream: upstream.id, xtaMessageId: meta.messageId, readerId: upstream.reader, container, mtom, ...(received.refusedReason !== undefined ? { refused: received.refusedReason } : {}) },
    });
  } catch (error) {
    if (isWeicheError(error) && error.code === ErrorCode.CONFLICT) return { created: false };
    throw error;
  }
  // durable from here: a queue problem must not hold up the close (the reconciler enqueues it)
  await withTimeout(deps.queues.enqueueProcess({ submissionId }), 2000, 'enqueue').catch((error: unknown) =>
    deps.log.warn({ err: error, submissionId }, 'enqueue failed; the reconciler will pick it up'),
  );
  deps.log.info({ submissionId, upstream: upstream.id, container, mtom }, 'xta upstream message received');
  return { created: true };
}
