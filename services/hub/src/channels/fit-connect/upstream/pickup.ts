import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { BlobRef, FsBlobStore } from '@weiche/blobstore';
import type { FitConnectUpstream, WeicheConfig } from '@weiche/config';
import { ErrorCode, isWeicheError } from '@weiche/core';
import { jweLimits, maxSubmissionJweBytes } from '@weiche/fit-connect';
import type { Journal } from '@weiche/journal';
import type { HubQueues } from '@weiche/queue';
import { withTimeout } from '../../../timeout.js';
import { UpstreamHttpError, type SubmissionApiClient } from './api-client.js';
import { SubmissionOffApi, UpstreamAnswerError } from './answer-shape.js';
import type { SubmissionForPickup, UpstreamSubmission } from './api-schemas.js';
import { verifySubmitEvent, type EventLogVerdict, type zustelldienstKeys } from './event-log.js';
import { FIT_CONNECT_UPSTREAM_CHANNEL, type FitConnectUpstreamMeta } from './meta.js';
import type { MissingAttachments } from './missing-attachments.js';

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

/** How a pickup came about: `listed` is the pickup list's entry (absent for a callback's), `missing` counts 404s on attachments. */
export interface PickupSource {
  readonly listed?: SubmissionForPickup;
  readonly missing?: MissingAttachments;
}

/** `refused`: recorded to be rejected, the upstream's data can never be taken as it is (see pickUp). */
export type PickupOutcome = 'picked-up' | 'refused' | 'known' | 'raced';

/** The fifth segment of a compact JWE (its GCM tag); '' for what is no JWE (opening rejects it then). */
function tagOf(jwe: string): string {
  return jwe.trim().split('.')[4] ?? '';
}

/** The last segment of a stored attachment JWE, read from the end of the blob (attachments are never held whole). */
export async function storedTag(blobs: Pick<FsBlobStore, 'get'>, key: string, size: number): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of blobs.get(key, { start: Math.max(0, size - 128) })) chunks.push(Buffer.from(chunk as Uint8Array));
  const tail = Buffer.concat(chunks).toString('ascii').trim();
  return tail.includes('.') ? (tail.split('.').pop() ?? '') : '';
}

/** Why a fetched part can never be taken: it broke a size limit of the hub (the operator's `limits`). */
function tooLarge(error: unknown): boolean {
  return isWeicheError(error) && error.code === ErrorCode.PAYLOAD_TOO_LARGE;
}

/**
 * Why the upstream's answer for a submission can never be taken as it is — over the hub's limits, or the submission
 * itself (named by its ids, in the case the pickup list names) with fields outside the API — as the detail the sender
 * is told; undefined for what may pass on a later poll (network, 5xx, timeouts, an answer that is no submission at
 * all: a proxy's page, JSON or not; our own storage), which is thrown and tried again.
 */
function submissionRefusal(error: unknown, limits: PickupDeps['limits'], listed: SubmissionForPickup): string | undefined {
  if (tooLarge(error)) return `Die Einreichung überschreitet die Größengrenzen des Empfängers (Metadaten höchstens ${limits.metadataBytes} Bytes, Fachdaten höchstens ${limits.dataBytes} Bytes).`;
  if (error instanceof SubmissionOffApi && error.caseId === listed.caseId) return 'Die Einreichung entspricht nicht der Submission API und kann nicht übernommen werden.';
  return undefined;
}

type PickupProblem = NonNullable<FitConnectUpstreamMeta['pickupProblem']>;

/** What was fetched of a submission, for its journal row. */
interface Fetched {
  readonly submissionId: string;
  readonly caseId: string;
  readonly announced: readonly string[];
  readonly serviceType?: UpstreamSubmission['serviceType'];
  metadata?: BlobRef;
  data?: BlobRef;
  readonly attachmentBlobs: FitConnectUpstreamMeta['attachmentBlobs'];
}

/**
 * Picks one submission up from the upstream (issue 10): fetches it and its attachments into the blob store,
 * checks the case's event log, and stores it RECEIVED in the journal — one transaction, unique per upstream
 * submission id (`channel_ref`), which is what keeps overlapping polls, a callback racing a poll, and two hub
 * replicas from taking it twice. Nothing is answered upstream here: the answer follows the outcome, after
 * commit. A crash before the commit leaves only unreferenced blobs; the submission is still listed upstream
 * and picked up by the next poll. A submission that can never be taken as it is (a part over the hub's
 * limits, an answer not of the API's shape) is stored the same way with what was fetched within the limits and
 * why (`pickupProblem`): `open` rejects it, and the answer tells the sender — instead of a retry every poll.
 * That needs its case: `listed` (the pickup list's entry) names it when the submission itself does not read. So is
 * one over the operator's `submissionBytes` (metadata, data and attachments together; what is left of it bounds each
 * download), and — once missing for the upstream's `missingAttachmentGraceMs` over `MISSING_ATTACHMENT_TRIES` pickups
 * from the list — one whose announced attachment the Zustelldienst answers 404 for (`missing-attachments`).
 */
export async function pickUp(deps: PickupDeps, up: UpstreamConnection, submissionId: string, source: PickupSource = {}): Promise<PickupOutcome> {
  const { listed } = source;
  if (await deps.journal.findByChannelRef(FIT_CONNECT_UPSTREAM_CHANNEL, submissionId)) return 'known';
  const wire = jweLimits(deps.limits);
  let submission: UpstreamSubmission;
  try {
    submission = await up.client.submission(submissionId, wire.metadataBytes + wire.dataBytes + 64 * 1024);
  } catch (error) {
    // a callback's pickup knows no case to answer in: the next poll lists it with its case
    const detail = listed === undefined ? undefined : submissionRefusal(error, deps.limits, listed);
    if (detail === undefined || listed === undefined) throw error;
    return record(deps, up, { submissionId, caseId: listed.caseId, announced: [], attachmentBlobs: [] }, { problem: { part: 'submission', detail } });
  }
  // a callback may name any id: only this destination's submissions are ours to take (and to answer); one the list
  // gave as ours whose answer names another is the upstream's wrong answer (invalid-answer), tried again
  if (submission.destinationId !== up.config.destinationId) throw new UpstreamAnswerError(`get submission ${submissionId}`, 'the answer names another destination');
  const fetched: Fetched = {
    submissionId,
    caseId: submission.caseId,
    announced: submission.attachments,
    serviceType: submission.serviceType,
    attachmentBlobs: [],
  };
  const put = (text: string, maxBytes: number) => deps.blobs.put(Buffer.from(text.trim(), 'utf8'), { maxBytes });
  try {
    if (submission.encryptedMetadata !== undefined) fetched.metadata = await put(submission.encryptedMetadata, wire.metadataBytes);
  } catch (error) {
    if (!tooLarge(error)) throw error;
    return record(deps, up, fetched, { problem: { part: 'metadata', detail: `Die Metadaten überschreiten die Größengrenze des Empfängers von ${deps.limits.metadataBytes} Bytes.` } });
  }
  try {
    if (submission.encryptedData !== undefined) fetched.data = await put(submission.encryptedData, wire.dataBytes);
  } catch (error) {
    if (!tooLarge(error)) throw error;
    return record(deps, up, fetched, { problem: { part: 'data', detail: `Die Fachdaten überschreiten die Größengrenze des Empfängers von ${deps.limits.dataBytes} Bytes.` } });
  }
  // FIT-Connect announces no sizes: the actual ones count, each download bounded by what is left of the limit
  const budget = maxSubmissionJweBytes(deps.limits.submissionBytes, submission.attachments.length + 2);
  const overSubmissionLimit = `Die Einreichung überschreitet die Größengrenze des Empfängers von ${deps.limits.submissionBytes} Bytes je Einreichung (Metadaten, Fachdaten und Anlagen zusammen).`;
  let used = (fetched.metadata?.size ?? 0) + (fetched.data?.size ?? 0);
  if (used > budget) return record(deps, up, fetched, { problem: { part: 'submission', detail: overSubmissionLimit } });
  const attachmentTags: Record<string, string> = {};
  for (const attachmentId of submission.attachments) {
    const left = budget - used;
    const maxBytes = Math.min(wire.attachmentBytes, left);
    let ref: BlobRef;
    try {
      // the blob store stops reading at the limit: an oversized attachment is never downloaded whole
      ref = await deps.blobs.put(await up.client.attachment(submissionId, attachmentId, maxBytes), { maxBytes });
    } catch (error) {
      const problem = await attachmentProblem(error, attachmentId, { deps, source, submissionId, bySubmissionLimit: left < wire.attachmentBytes, overSubmissionLimit });
      if (problem === undefined) throw error;
      const outcome = await record(deps, up, fetched, { problem });
      // in the journal now (by this pickup or a racing one): nothing left to count
      if (problem.code === ErrorCode.MISSING_ATTACHMENTS) await source.missing?.forget(submissionId);
      return outcome;
    }
    used += ref.size;
    fetched.attachmentBlobs.push({ attachmentId, blobKey: ref.key, size: ref.size });
    attachmentTags[attachmentId] = await storedTag(deps.blobs, ref.key, ref.size);
  }
  // every announced attachment arrived: a 404 before was passing
  await source.missing?.forget(submissionId);
  const tags = {
    metadata: submission.encryptedMetadata === undefined ? '' : tagOf(submission.encryptedMetadata),
    ...(submission.encryptedData !== undefined ? { data: tagOf(submission.encryptedData) } : {}),
    attachments: attachmentTags,
  };
  const verdict = await verifySubmitEvent(up.keys, await up.client.events(submission.caseId), { submissionId, caseId: submission.caseId }, tags);
  return record(deps, up, fetched, { verdict });
}

/**
 * Why an attachment download can never succeed, or undefined for what the next poll tries again: over a limit (the
 * attachment's own, or what the submission's limit leaves), or a 404 for an announced attachment once it has
 * lasted (MissingAttachments; a callback's pickup does not count, the submission may just have been answered).
 */
async function attachmentProblem(
  error: unknown,
  attachmentId: string,
  at: { deps: PickupDeps; source: PickupSource; submissionId: string; bySubmissionLimit: boolean; overSubmissionLimit: string },
): Promise<PickupProblem | undefined> {
  if (tooLarge(error)) {
    if (at.bySubmissionLimit) return { part: 'submission', detail: at.overSubmissionLimit };
    return { part: `attachment:${attachmentId}`, detail: `Die Anlage ${attachmentId} überschreitet die Größengrenze des Empfängers von ${at.deps.limits.attachmentBytes} Bytes je Anlage.` };
  }
  const missing = error instanceof UpstreamHttpError && error.status === 404 && at.source.listed !== undefined;
  if (missing && (await at.source.missing?.missed(at.submissionId))) {
    const detail = `Die angekündigte Anlage ${attachmentId} ist beim Zustelldienst nicht vorhanden und kann nicht abgerufen werden.`;
    return { part: `attachment:${attachmentId}`, detail, code: ErrorCode.MISSING_ATTACHMENTS };
  }
  return undefined;
}

/**
 * Stores a fetched submission RECEIVED (unique per upstream submission id) and enqueues it. With a verdict on the
 * event log that did not hold, or a pickup problem, `open` rejects it unopened and the answer tells the upstream.
 */
async function record(
  deps: PickupDeps,
  up: UpstreamConnection,
  fetched: Fetched,
  outcome: { verdict: EventLogVerdict } | { problem: PickupProblem },
): Promise<PickupOutcome> {
  const { submissionId, metadata, data, attachmentBlobs } = fetched;
  const verdict = 'verdict' in outcome ? outcome.verdict : undefined;
  const problem = 'problem' in outcome ? outcome.problem : undefined;
  const meta: FitConnectUpstreamMeta = {
    caseId: fetched.caseId,
    destinationId: up.config.destinationId,
    senderClientId: `upstream:${up.config.id}`,
    announcedAttachments: [...fetched.announced],
    ...(metadata ? { metadataBlobKey: metadata.key } : {}),
    ...(data ? { dataBlobKey: data.key } : {}),
    upstreamId: up.config.id,
    upstreamSubmissionId: submissionId,
    ...(verdict?.ok && verdict.submittedAt ? { upstreamSubmittedAt: verdict.submittedAt } : {}),
    attachmentBlobs,
    ...(verdict ? (verdict.ok ? { submitEvent: verdict.token } : { eventLogProblem: verdict.detail }) : {}),
    ...(problem ? { pickupProblem: problem } : {}),
  };
  try {
    const row = await deps.journal.createSubmission({
      submissionId: randomUUID(),
      tenantId: up.config.tenant,
      channel: FIT_CONNECT_UPSTREAM_CHANNEL,
      channelRef: submissionId,
      channelMeta: meta,
      // a submission that did not read names no service; it is rejected before anything routes by it
      serviceIdentifier: fetched.serviceType?.identifier ?? '',
      ...(fetched.serviceType?.name ? { serviceName: fetched.serviceType.name } : {}),
      state: 'RECEIVED',
      actor: `upstream:${up.config.id}`,
      inputHash: metadata?.sha256,
      details: {
        upstream: up.config.id,
        upstreamSubmissionId: submissionId,
        caseId: fetched.caseId,
        attachments: attachmentBlobs.length,
        ...(verdict ? { eventLog: verdict.ok ? 'verified' : 'invalid' } : {}),
        ...(problem ? { pickupRefused: problem } : {}),
      },
    });
    // logged as it is: every such text is the hub's own sentence (submissionRefusal, attachmentProblem, the size
    // checks above, verifySubmitEvent's verdicts) with nothing of the upstream's but a schema-checked UUID, the
    // operator's limits and jose's error code — no far side's words, no file name, no data. A detail that ever
    // quotes the upstream's answer must not come here but be logged by its kind, its text kept in the journal.
    const reason = problem?.detail ?? (verdict?.ok === false ? verdict.detail : undefined);
    if (reason !== undefined) {
      const what = problem ? 'upstream submission cannot be taken as it is' : 'upstream event log does not verify';
      deps.log.error({ upstream: up.config.id, submissionId: row.submissionId, upstreamSubmissionId: submissionId, reason }, `${what}; the submission is rejected unopened`);
    }
    // durable from here: the reconciler enqueues what has no job
    await withTimeout(deps.queues.enqueueProcess({ submissionId: row.submissionId }), 2000, 'enqueue').catch((error: unknown) =>
      deps.log.warn({ err: error, submissionId: row.submissionId }, 'enqueue failed; the reconciler will pick it up'),
    );
    return problem ? 'refused' : 'picked-up';
  } catch (error) {
    if (isWeicheError(error) && error.code === ErrorCode.CONFLICT) return 'raced';
    throw error;
  }
}
