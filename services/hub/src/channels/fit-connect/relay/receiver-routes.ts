import type { FastifyInstance } from 'fastify';
import { decodeJwt } from 'jose';
import { z } from 'zod';
import type { FsBlobStore } from '@weiche/blobstore';
import { ErrorCode, isWeicheError } from '@weiche/core';
import type { AuthenticationTags } from '@weiche/fit-connect';
import { EventNotWritten, type AttachmentRow, type Journal, type SubmissionProblem, type SubmissionRow } from '@weiche/journal';
import type { HubQueues } from '@weiche/queue';
import { httpProblem } from '../../../gateway/problems.js';
import { zodRoutes } from '../../../gateway/zod-routes.js';
import type { LoadedDestination } from '../destinations.js';
import { enqueueCallbacks } from '../events.js';
import { isJoseMediaType } from '../jwe-body.js';
import { FIT_CONNECT_RELAY_CHANNEL, FitConnectMeta } from '../meta.js';
import { rejectedFor } from '../problems.js';
import { assertMayPickUp, authenticateSubscriber, type SenderAuthDeps, type SubscriberClient } from '../sender-auth.js';
import { storedTag } from '../upstream/pickup.js';
import { uuidParam } from '../uuid-param.js';
import { assertTags, verifyAnswer, type RelayAnswer } from './answer-set.js';
import { queryInteger } from '../../../gateway/query-integer.js';

export interface ReceiverRoutesDeps extends SenderAuthDeps {
  readonly journal: Journal;
  readonly blobs: Pick<FsBlobStore, 'read' | 'get'>;
  readonly destinations: ReadonlyMap<string, LoadedDestination>;
  readonly queues: Pick<HubQueues, 'enqueueCallback'>;
}

const Uuid = z.uuid();
const SubmissionParams = z.object({ submissionId: z.string() });
const AttachmentParams = z.object({ submissionId: z.string(), attachmentId: z.string() });
const CaseParams = z.object({ caseId: z.string() });
const PickupQuery = z.object({
  // in capitals the same destination (uuid-param.ts)
  destinationId: z.uuid().transform((id) => id.toLowerCase()).optional(),
  offset: queryInteger({ min: 0, max: 2 ** 31 - 1, default: 0 }),
  limit: queryInteger({ min: 1, max: 500, default: 100 }),
});
const REPEATED_JTI = 'a SET with this jti was sent before';
// the OpenAPI's 404 of get-submission and get-submission-attachment: "not in state submitted or forwarded"
const notSubmitted = () => httpProblem(404, ErrorCode.NOT_FOUND, 'the submission is not in state submitted');
// the OpenAPI's 409 of send-case-event: "Invalid state transition"
const notAnswerable = (state: string) => httpProblem(409, ErrorCode.CONFLICT, `the submission cannot be answered (state ${state})`);
// a reject-submission with its problems is a few KiB; this leaves room and no more
const SET_BODY_LIMIT = 256 * 1024;

/**
 * The receiver side of the FIT-Connect Submission API 1.1.3 for relay destinations (docs/relay-destinations.md):
 * a subscriber lists what it may pick up, fetches the submission and its attachments as stored (the hub cannot
 * read them) and answers with one SET, which is appended to the case's event log unchanged.
 */
export function receiverRoutes(deps: ReceiverRoutesDeps) {
  const { journal } = deps;

  /** A relay submission of one of the subscriber's destinations; 404 for none, 403 for another destination's. */
  async function subscribersSubmission(client: SubscriberClient, submissionId: string): Promise<{ row: SubmissionRow; meta: FitConnectMeta; attachments: AttachmentRow[] }> {
    const found = await journal.getSubmissionWithAttachments(submissionId);
    if (!found || found.row.channel !== FIT_CONNECT_RELAY_CHANNEL) throw httpProblem(404, ErrorCode.NOT_FOUND, 'no such submission');
    const meta = FitConnectMeta.parse(found.row.channelMeta);
    assertMayPickUp(client, meta.destinationId);
    return { row: found.row, meta, attachments: found.attachments };
  }

  /** OpenAPI: only submitted ones (here RECEIVED, not yet answered) are served; 404 otherwise. */
  function requireSubmitted(row: SubmissionRow): void {
    if (row.state !== 'RECEIVED') throw notSubmitted();
  }

  /**
   * Reads the content of a submission found RECEIVED. Expiry may reject it and delete its content in between (the
   * janitor holds no lock the reader waits for): a blob gone because the submission is no longer RECEIVED gets the
   * answer for its new state, `moved(state)`, not the blob store's NOT_FOUND. A blob missing from a submission still
   * RECEIVED is a fault of the store and stays one.
   */
  async function whileReceived<T>(row: SubmissionRow, read: () => T | Promise<T>, moved: (state: string) => Error): Promise<T> {
    try {
      return await read();
    } catch (error) {
      if (!(isWeicheError(error) && error.code === ErrorCode.NOT_FOUND)) throw error;
      const now = await journal.getSubmission(row.submissionId);
      if (now && now.state !== 'RECEIVED') throw moved(now.state);
      throw error;
    }
  }

  /**
   * The submission of the case a SET answers: the one its `sub` names when that is one of the case's relay submissions (a
   * case holds the submission that opened it and any replies, CreateSubmission.caseId), else the one that opened it —
   * verifyAnswer then refuses a `sub` naming anything else. The SET is only read here; it is verified against that one.
   */
  async function answeredSubmission(token: string, caseId: string, opening: string): Promise<string> {
    let sub: unknown;
    try {
      sub = decodeJwt(token).sub;
    } catch {
      return opening;
    }
    const named = typeof sub === 'string' && sub.startsWith('submission:') ? sub.slice('submission:'.length) : '';
    if (named === opening || !Uuid.safeParse(named).success) return opening;
    const row = await journal.getSubmission(named);
    const isReply = row?.channel === FIT_CONNECT_RELAY_CHANNEL && FitConnectMeta.parse(row.channelMeta).caseId === caseId;
    return isReply ? named : opening;
  }

  async function auditPickup(client: SubscriberClient, row: SubmissionRow, part: string): Promise<void> {
    await journal.audit({ submissionId: row.submissionId, actor: `subscriber:${client.clientId}`, stage: 'pickup', details: { part } });
  }

  /** The authentication tags of the JWEs as stored: what an accept-submission must echo. */
  async function storedTags(meta: FitConnectMeta, attachments: readonly AttachmentRow[]): Promise<AuthenticationTags> {
    const tagOf = (jwe: Buffer): string => jwe.toString('ascii').trim().split('.')[4] ?? '';
    const metadata = meta.metadataBlobKey ? tagOf(await deps.blobs.read(meta.metadataBlobKey)) : '';
    const data = meta.dataBlobKey ? tagOf(await deps.blobs.read(meta.dataBlobKey)) : undefined;
    const tags: Record<string, string> = {};
    for (const a of attachments) tags[a.attachmentId] = await storedTag(deps.blobs, a.blobKey, a.size);
    return { metadata, ...(data !== undefined ? { data } : {}), attachments: tags };
  }

  return async function plugin(fastify: FastifyInstance): Promise<void> {
    const app = zodRoutes(fastify);
    app.addContentTypeParser('application/jose', { parseAs: 'string', bodyLimit: SET_BODY_LIMIT }, (_request, body, done) => done(null, body));

    app.get('/v1/submissions', { schema: { querystring: PickupQuery } }, async (request) => {
      const client = await authenticateSubscriber(deps, request);
      const { destinationId, offset, limit } = request.query;
      if (destinationId !== undefined) assertMayPickUp(client, destinationId);
      const destinationIds = destinationId !== undefined ? [destinationId] : client.destinations;
      const { totalCount, rows } = await journal.listForPickup({ channel: FIT_CONNECT_RELAY_CHANNEL, state: 'RECEIVED', destinationIds, offset, limit });
      const submissions = rows.map((row) => {
        const meta = FitConnectMeta.parse(row.channelMeta);
        return { destinationId: meta.destinationId, submissionId: row.submissionId, caseId: meta.caseId };
      });
      return { count: submissions.length, offset, totalCount, submissions };
    });

    app.get('/v1/submissions/:submissionId', { schema: { params: SubmissionParams } }, async (request) => {
      const client = await authenticateSubscriber(deps, request);
      const { row, meta } = await subscribersSubmission(client, uuidParam(request.params.submissionId, 'submission', 400));
      requireSubmitted(row);
      const { metadataBlobKey, dataBlobKey } = meta;
      if (!metadataBlobKey) throw notSubmitted();
      const [encryptedMetadata, encryptedData] = await whileReceived(
        row,
        () => Promise.all([deps.blobs.read(metadataBlobKey), dataBlobKey ? deps.blobs.read(dataBlobKey) : undefined]),
        notSubmitted,
      );
      await auditPickup(client, row, 'submission');
      // the sender's callback (its URL and secret) is the sender's: not passed on
      return {
        destinationId: meta.destinationId,
        submissionId: row.submissionId,
        caseId: meta.caseId,
        serviceType: { identifier: row.serviceIdentifier, ...(row.serviceName ? { name: row.serviceName } : {}) },
        attachments: meta.announcedAttachments,
        encryptedMetadata: encryptedMetadata.toString('utf8'),
        ...(encryptedData ? { encryptedData: encryptedData.toString('utf8') } : {}),
      };
    });

    app.get('/v1/submissions/:submissionId/attachments/:attachmentId', { schema: { params: AttachmentParams } }, async (request, reply) => {
      const client = await authenticateSubscriber(deps, request);
      const submissionId = uuidParam(request.params.submissionId, 'submission', 400);
      const attachmentId = uuidParam(request.params.attachmentId, 'attachment', 400);
      const { row, attachments } = await subscribersSubmission(client, submissionId);
      requireSubmitted(row);
      const attachment = attachments.find((a) => a.attachmentId === attachmentId);
      if (!attachment) throw httpProblem(404, ErrorCode.NOT_FOUND, 'no such attachment');
      // streamed from the blob store: attachments are never held whole (get opens it, or throws NOT_FOUND, at once)
      const body = await whileReceived(row, () => deps.blobs.get(attachment.blobKey), notSubmitted);
      await auditPickup(client, row, `attachment:${attachment.attachmentId}`);
      return reply.header('content-type', 'application/jose').header('content-length', String(attachment.size)).send(body);
    });

    app.post('/v1/cases/:caseId/events', { schema: { params: CaseParams } }, async (request, reply) => {
      const client = await authenticateSubscriber(deps, request);
      if (!isJoseMediaType(request.headers['content-type'])) {
        throw httpProblem(415, ErrorCode.UNSUPPORTED_MEDIA_TYPE, 'events are sent as application/jose (one SET)');
      }
      const caseId = uuidParam(request.params.caseId, 'case', 400);
      const found = await journal.findCase(caseId);
      if (!found || found.submission.channel !== FIT_CONNECT_RELAY_CHANNEL) throw httpProblem(404, ErrorCode.NOT_FOUND, 'no such case');
      const token = typeof request.body === 'string' ? request.body.trim() : '';
      const { row, meta, attachments } = await subscribersSubmission(client, await answeredSubmission(token, caseId, found.submission.submissionId));
      const destination = deps.destinations.get(meta.destinationId);
      if (!destination?.relay) throw httpProblem(404, ErrorCode.NOT_FOUND, 'no such case');
      const answer = await verifyAnswer(token, { destinationId: meta.destinationId, caseId: meta.caseId, submissionId: row.submissionId, signatureKeys: destination.relay.signatureKeys });
      if (row.state !== 'RECEIVED') throw notAnswerable(row.state);
      if (answer.event === 'accept-submission') assertTags(answer.authenticationTags, await whileReceived(row, () => storedTags(meta, attachments), notAnswerable));
      if (await journal.hasEventJti(answer.jti)) throw httpProblem(422, ErrorCode.UNPROCESSABLE, REPEATED_JTI);
      const event = { caseId: meta.caseId, submissionId: row.submissionId, eventName: answer.event, jti: answer.jti, token, ...(meta.callback ? { notifySender: true } : {}) };
      // the subscriber's SET goes into the log as it came, in one transaction with the end state; the check above misses a
      // concurrent SET with the same jti, so the transition fails unless the event is written (then 422 as above)
      const moved = await journal.transition(row.submissionId, {
        from: ['RECEIVED'],
        to: answer.event === 'accept-submission' ? 'DELIVERED' : 'REJECTED',
        actor: `subscriber:${client.clientId}`,
        stage: 'answer',
        details: { event: answer.event, jti: answer.jti, destinationId: meta.destinationId, ...(answer.event === 'reject-submission' ? { problems: answer.problems.map((p) => p.type) } : {}) },
        ...(answer.event === 'reject-submission' ? { patch: rejection(answer) } : {}),
        events: [event],
        eventsRequired: true,
      }).catch((error: unknown) => {
        throw error instanceof EventNotWritten ? httpProblem(422, ErrorCode.UNPROCESSABLE, REPEATED_JTI) : error;
      });
      if (!moved) throw notAnswerable((await journal.getSubmission(row.submissionId))?.state ?? 'unknown');
      await enqueueCallbacks({ queues: deps.queues, log: request.log }, [event]);
      // the outcome is told: the sender reads the subscriber's own SET (the reconciler repeats this after a crash)
      await journal.markAcknowledged(row.submissionId, { actor: `channel:${FIT_CONNECT_RELAY_CHANNEL}`, details: { event: answer.event, jti: answer.jti } });
      return reply.status(204).send();
    });
  };
}

/** The journal's reason and problem of a submission the subscriber rejected: its first problem, as the catalogue knows it. */
function rejection(answer: Extract<RelayAnswer, { event: 'reject-submission' }>): { reason: string; problem: SubmissionProblem } {
  const [first] = answer.problems;
  const detail = first?.detail ?? first?.title ?? 'rejected by the subscriber';
  const part = first?.instance;
  const problem: SubmissionProblem = { code: first ? rejectedFor(first).code : ErrorCode.UNPROCESSABLE, stage: 'answer', detail, ...(part ? { part } : {}) };
  return { reason: `rejected by the subscriber: ${answer.problems.map((p) => p.type).join(', ')}`, problem };
}
