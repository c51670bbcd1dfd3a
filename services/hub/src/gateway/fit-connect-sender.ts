import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ErrorCode, isWeicheError, type SubmissionState } from '@weiche/core';
import { CreateSubmission, jweLimits, maxSubmissionJweBytes, SubmitSubmission } from '@weiche/fit-connect';
import type { SubmissionRow } from '@weiche/journal';
import type { HubDeps } from '../context.js';
import { emitEvent } from '../events.js';
import { assertMaySend, authenticate, type SenderClient } from './auth.js';
import { withTimeout } from '../timeout.js';
import { httpProblem } from './problems.js';

const Uuid = z.uuid();
const Paging = z.object({
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  // names the offending fields, never their values
  const fields = result.error.issues.map((i) => `${i.path.join('.') || what}: ${i.message}`).join('; ');
  throw httpProblem(400, ErrorCode.BAD_REQUEST, `invalid ${what}: ${fields}`);
}

function uuidParam(value: unknown, what: string): string {
  const result = Uuid.safeParse(value);
  if (!result.success) throw httpProblem(404, ErrorCode.NOT_FOUND, `no such ${what}`);
  return result.data;
}

/**
 * The sender side of the FIT-Connect Submission API 1.1.3, served by the hub as its own delivery
 * service (paths and payloads as in the official OpenAPI; specs/fit-connect.md).
 */
export function fitConnectSenderRoutes(deps: HubDeps) {
  const { journal, blobs, config } = deps;
  // config.limits are plaintext sizes; what arrives is a compact JWE per part
  const wire = jweLimits(config.limits);

  async function ownSubmission(client: SenderClient, submissionId: string): Promise<SubmissionRow> {
    const row = await journal.getSubmission(submissionId);
    if (!row) throw httpProblem(404, ErrorCode.NOT_FOUND, 'no such submission');
    if (row.senderClientId !== client.clientId) throw httpProblem(403, ErrorCode.FORBIDDEN, 'the submission belongs to another client');
    return row;
  }

  function requireState(row: SubmissionRow, state: SubmissionState): void {
    if (row.state !== state) throw httpProblem(409, ErrorCode.CONFLICT, `the submission has already been submitted (state ${row.state})`);
  }

  return async function plugin(app: FastifyInstance): Promise<void> {
    // Attachment bodies are streamed straight to the blob store (never buffered whole).
    app.addContentTypeParser('application/jose', (_request, payload, done) => done(null, payload));

    app.get('/v1/info', async () => ({
      description: 'Weiche — FIT-Connect-compatible delivery service and subscriber of the hub',
      version: '1.1.3',
      product: deps.hub,
    }));

    app.get('/.well-known/jwks.json', async () => ({ keys: [deps.signer.publicJwk()] }));

    app.get('/v1/destinations/:destinationId', async (request) => {
      const client = await authenticate(deps, request);
      const id = uuidParam((request.params as { destinationId: string }).destinationId, 'destination');
      const destination = deps.destinations.get(id);
      if (!destination) throw httpProblem(404, ErrorCode.NOT_FOUND, 'no such destination');
      assertMaySend(client, id);
      return {
        destinationId: id,
        status: 'active',
        encryptionKid: destination.kid,
        metadataVersions: ['1.0.0', '2.1.0'],
        services: destination.config.services.map((s) => ({
          identifier: s.identifier,
          submissionSchemas: s.submissionSchemas,
          regions: s.regions,
        })),
      };
    });

    app.get('/v1/destinations/:destinationId/keys/:keyId', async (request) => {
      const client = await authenticate(deps, request);
      const params = request.params as { destinationId: string; keyId: string };
      const id = uuidParam(params.destinationId, 'destination');
      const destination = deps.destinations.get(id);
      if (!destination || destination.kid !== params.keyId) throw httpProblem(404, ErrorCode.NOT_FOUND, 'no such key');
      assertMaySend(client, id);
      return destination.publicJwk;
    });

    app.post('/v1/submissions', { bodyLimit: 64 * 1024 }, async (request, reply) => {
      const client = await authenticate(deps, request);
      const body = parse(CreateSubmission, request.body, 'CreateSubmission');
      const destination = deps.destinations.get(body.destinationId);
      if (!destination) throw httpProblem(404, ErrorCode.NOT_FOUND, 'no such destination');
      assertMaySend(client, body.destinationId);
      const service = destination.config.services.find((s) => s.identifier === body.serviceType.identifier);
      if (!service) throw httpProblem(422, ErrorCode.UNPROCESSABLE, 'the destination does not offer this service');
      const announced = body.announcedAttachments ?? [];
      if (new Set(announced).size !== announced.length) throw httpProblem(400, ErrorCode.BAD_REQUEST, 'announcedAttachments contains duplicates');
      const submissionId = randomUUID();
      const caseId = randomUUID();
      await journal.createSubmission(
        {
          submissionId,
          caseId,
          destinationId: body.destinationId,
          tenantId: destination.config.tenant,
          senderClientId: client.clientId,
          serviceIdentifier: service.identifier,
          serviceName: body.serviceType.name ?? service.name,
          announcedAttachments: announced,
          ...(body.callback ? { callback: { url: body.callback.url, secret: body.callback.secret } } : {}),
        },
        `client:${client.clientId}`,
      );
      await emitEvent(deps, { submissionId, caseId }, 'create-submission');
      return reply.status(201).send({ destinationId: body.destinationId, submissionId, caseId });
    });

    app.put('/v1/submissions/:submissionId/attachments/:attachmentId', async (request: FastifyRequest, reply) => {
      const client = await authenticate(deps, request);
      const params = request.params as { submissionId: string; attachmentId: string };
      const row = await ownSubmission(client, uuidParam(params.submissionId, 'submission'));
      if (!(request.headers['content-type'] ?? '').startsWith('application/jose')) {
        throw httpProblem(415, ErrorCode.UNSUPPORTED_MEDIA_TYPE, 'attachments are sent as application/jose (one compact JWE)');
      }
      requireState(row, 'CREATED');
      if (!row.announcedAttachments.includes(params.attachmentId)) {
        throw httpProblem(422, ErrorCode.UNPROCESSABLE, 'attachment was not announced; upload attachments under their announced ids');
      }
      // what the other attachments already use counts against the submission's total
      const others = (await journal.listAttachments(row.submissionId)).filter((a) => a.attachmentId !== params.attachmentId);
      const budget = maxSubmissionJweBytes(config.limits.submissionBytes, row.announcedAttachments.length) - others.reduce((sum, a) => sum + a.size, 0);
      const limit = Math.min(wire.attachmentBytes, budget);
      const tooLarge = `attachment exceeds the limit of ${config.limits.attachmentBytes} bytes per attachment or ${config.limits.submissionBytes} bytes per submission (plaintext)`;
      const declared = Number(request.headers['content-length'] ?? NaN);
      if (declared > limit) throw httpProblem(413, ErrorCode.PAYLOAD_TOO_LARGE, tooLarge);
      const ref = await blobs.put(request.body as NodeJS.ReadableStream, { maxBytes: limit }).catch((error: unknown) => {
        throw isWeicheError(error) && error.code === ErrorCode.PAYLOAD_TOO_LARGE ? httpProblem(413, ErrorCode.PAYLOAD_TOO_LARGE, tooLarge) : error;
      });
      await journal.recordAttachment({ submissionId: row.submissionId, attachmentId: params.attachmentId, blobKey: ref.key, size: ref.size });
      return reply.status(204).send();
    });

    const metadataLimit = wire.metadataBytes;
    const dataLimit = wire.dataBytes;
    // the body limit is only the outer guard; each part is checked against its own limit below
    const submitLimit = metadataLimit + dataLimit + 1024;
    app.put('/v1/submissions/:submissionId', { bodyLimit: submitLimit }, async (request, reply) => {
      const client = await authenticate(deps, request);
      const params = request.params as { submissionId: string };
      const row = await ownSubmission(client, uuidParam(params.submissionId, 'submission'));
      const body = parse(SubmitSubmission, request.body, 'SubmitSubmission');
      if (body.encryptedMetadata.length > metadataLimit) throw httpProblem(413, ErrorCode.PAYLOAD_TOO_LARGE, `encryptedMetadata exceeds the limit for ${config.limits.metadataBytes} bytes of metadata`);
      if (body.encryptedData !== undefined && body.encryptedData.length > dataLimit) throw httpProblem(413, ErrorCode.PAYLOAD_TOO_LARGE, `encryptedData exceeds the limit for ${config.limits.dataBytes} bytes of data`);
      requireState(row, 'CREATED');
      const attachments = await journal.listAttachments(row.submissionId);
      const total = attachments.reduce((sum, a) => sum + a.size, body.encryptedMetadata.length + (body.encryptedData?.length ?? 0));
      if (total > maxSubmissionJweBytes(config.limits.submissionBytes, attachments.length + 2)) {
        throw httpProblem(413, ErrorCode.PAYLOAD_TOO_LARGE, `the submission exceeds the limit of ${config.limits.submissionBytes} bytes (plaintext)`);
      }
      const uploaded = new Set(attachments.map((a) => a.attachmentId));
      const missing = row.announcedAttachments.filter((id) => !uploaded.has(id));
      if (missing.length > 0) {
        throw httpProblem(422, ErrorCode.UNPROCESSABLE, `announced attachments not uploaded yet: ${missing.join(', ')}`);
      }
      const metadata = await blobs.put(Buffer.from(body.encryptedMetadata, 'utf8'), { maxBytes: metadataLimit });
      const data = body.encryptedData === undefined ? undefined : await blobs.put(Buffer.from(body.encryptedData, 'utf8'), { maxBytes: dataLimit });
      const moved = await journal.transition(row.submissionId, {
        from: ['CREATED'],
        to: 'RECEIVED',
        actor: `client:${client.clientId}`,
        stage: 'intake',
        inputHash: metadata.sha256,
        details: { attachments: row.announcedAttachments.length, dataSha256: data?.sha256 ?? null },
        patch: { metadataBlobKey: metadata.key, dataBlobKey: data?.key ?? null, submittedAt: new Date() },
      });
      if (!moved) throw httpProblem(409, ErrorCode.CONFLICT, 'the submission has already been submitted');
      // From here the submission is durable: event and queue problems must not turn it into an error
      // (the reconciler enqueues whatever has no job).
      await emitEvent(deps, row, 'submit-submission').catch((error: unknown) => request.log.error({ err: error, submissionId: row.submissionId }, 'could not write submit-submission event'));
      await withTimeout(deps.queues.enqueueProcess({ submissionId: row.submissionId }), 2000, 'enqueue').catch((error: unknown) => request.log.warn({ err: error, submissionId: row.submissionId }, 'enqueue failed; the reconciler will pick it up'));
      return reply.status(202).send({
        destinationId: row.destinationId,
        submissionId: row.submissionId,
        caseId: row.caseId,
        attachments: row.announcedAttachments,
        serviceType: { identifier: row.serviceIdentifier, ...(row.serviceName ? { name: row.serviceName } : {}) },
      });
    });

    app.get('/v1/cases/:caseId/events', async (request) => {
      const client = await authenticate(deps, request);
      const caseId = uuidParam((request.params as { caseId: string }).caseId, 'case');
      const paging = parse(Paging, request.query, 'query');
      const owner = await journal.findSubmissionByCase(caseId);
      if (!owner) throw httpProblem(404, ErrorCode.NOT_FOUND, 'no such case');
      if (owner.senderClientId !== client.clientId) throw httpProblem(403, ErrorCode.FORBIDDEN, 'the case belongs to another client');
      const { totalCount, tokens } = await journal.listEvents(caseId, paging);
      return { count: tokens.length, offset: paging.offset, totalCount, eventLog: tokens };
    });
  };
}
