import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { sealSecret, type FsBlobStore, type TenantKeyring } from '@weiche/blobstore';
import type { WeicheConfig } from '@weiche/config';
import { ErrorCode, isWeicheError } from '@weiche/core';
import { findByKid, withFormerKids, type JwtSigner, type PublicJwk } from '@weiche/crypto';
import { CreateSubmission, jweLimits, maxSubmissionJweBytes, SubmitSubmission, type AuthenticationTags } from '@weiche/fit-connect';
import type { AttachmentRow, Journal, SubmissionRow } from '@weiche/journal';
import type { HubQueues } from '@weiche/queue';
import { httpProblem } from '../../gateway/problems.js';
import { zodRoutes } from '../../gateway/zod-routes.js';
import { withTimeout } from '../../timeout.js';
import type { LoadedDestination } from './destinations.js';
import { enqueueCallbacks, signEvent } from './events.js';
import { literalAddress, refusalOf, targetCheck } from './callbacks/callback-target.js';
import { compactJweBytes, isJoseMediaType } from './jwe-body.js';
import { uuidParam } from './uuid-param.js';
import { FIT_CONNECT_CHANNEL, FIT_CONNECT_RELAY_CHANNEL, FitConnectMeta, isSenderApiChannel } from './meta.js';
import { storedTag } from './upstream/pickup.js';
import { assertMayPickUp, assertMaySend, authenticate, authenticateAny, maySend, type SenderAuthDeps, type SenderClient } from './sender-auth.js';
import { queryInteger } from '../../gateway/query-integer.js';
import { assertRelayJwe, assertRelayJweHeader } from './relay/relay-jwes.js';

export interface SenderRoutesDeps extends SenderAuthDeps {
  readonly journal: Journal;
  readonly blobs: Pick<FsBlobStore, 'put' | 'get'>;
  readonly destinations: ReadonlyMap<string, LoadedDestination>;
  readonly limits: WeicheConfig['limits'];
  readonly queues: Pick<HubQueues, 'enqueueProcess' | 'enqueueCallback'>;
  /** Seals callback secrets with the tenant's data key. */
  readonly keyring: Pick<TenantKeyring, 'dataKey'>;
  readonly signer: SenderAuthDeps['signer'] & Pick<JwtSigner, 'signSet' | 'publicJwks'>;
  readonly hub: { readonly product: string; readonly version: string };
}

const DestinationParams = z.object({ destinationId: z.string() });
const KeyParams = z.object({ destinationId: z.string(), keyId: z.string() });
const SubmissionParams = z.object({ submissionId: z.string() });
const AttachmentParams = z.object({ submissionId: z.string(), attachmentId: z.string() });
const CaseParams = z.object({ caseId: z.string() });
// OpenAPI `offset`: int32 — a larger one was echoed back in an EventLog that fails its own schema
const Paging = z.object({
  offset: queryInteger({ min: 0, max: 2 ** 31 - 1, default: 0 }),
  limit: queryInteger({ min: 1, max: 500, default: 100 }),
});

/**
 * A callback URL naming an internal address literally is refused at once (names are checked when each callback
 * connects, on the addresses they resolve to then: post-callback.ts).
 */
function assertCallbackTarget(client: SenderClient, url: string): void {
  const target = new URL(url);
  // fetch refuses a URL with credentials, and port 0 reaches nothing: such a callback could never be delivered
  if (target.username !== '' || target.password !== '') throw httpProblem(400, ErrorCode.BAD_REQUEST, 'callback.url: must not carry user credentials');
  if (target.port === '0') throw httpProblem(400, ErrorCode.BAD_REQUEST, 'callback.url: port 0 reaches no receiver');
  const literal = literalAddress(target);
  if (literal !== undefined && !targetCheck(client.callbackTargets, target)(literal)) {
    throw httpProblem(400, ErrorCode.BAD_REQUEST, `callback.url: ${refusalOf(literal, literal)}`);
  }
}

/**
 * The sender side of the FIT-Connect Submission API 1.1.3, served by the hub as its own delivery
 * service (paths and payloads as in the official OpenAPI; specs/fit-connect.md). Request shapes are
 * the zod schemas of `@weiche/fit-connect`, validated by fastify-type-provider-zod.
 */
export function senderRoutes(deps: SenderRoutesDeps) {
  const { journal, blobs, limits } = deps;
  // limits are plaintext sizes; what arrives is a compact JWE per part
  const wire = jweLimits(limits);

  function metaOf(row: SubmissionRow): FitConnectMeta | undefined {
    // a relay destination's submissions are the sender's as any other (docs/relay-destinations.md)
    return isSenderApiChannel(row.channel) ? FitConnectMeta.parse(row.channelMeta) : undefined;
  }

  /**
   * The case a reply (CreateSubmission with `caseId`) joins: one this sender opened, at the same destination —
   * the new submission's events go into its event log after the earlier ones'.
   */
  async function replyCase(client: SenderClient, requested: string, destinationId: string): Promise<string> {
    const found = await journal.findCase(requested.toLowerCase());
    const meta = found ? metaOf(found.submission) : undefined;
    if (!found || !meta) throw httpProblem(404, ErrorCode.NOT_FOUND, 'no such case');
    if (meta.senderClientId !== client.clientId) throw httpProblem(403, ErrorCode.FORBIDDEN, 'the case belongs to another client');
    if (meta.destinationId !== destinationId) throw httpProblem(422, ErrorCode.UNPROCESSABLE, 'the case belongs to another destination');
    return meta.caseId;
  }

  /** The sender's own submission, with its attachments as uploaded so far (both callers count them; one statement). */
  async function ownSubmission(client: SenderClient, submissionId: string): Promise<{ row: SubmissionRow; meta: FitConnectMeta; attachments: AttachmentRow[] }> {
    const found = await journal.getSubmissionWithAttachments(submissionId);
    const meta = found ? metaOf(found.row) : undefined;
    if (!found || !meta) throw httpProblem(404, ErrorCode.NOT_FOUND, 'no such submission');
    if (meta.senderClientId !== client.clientId) throw httpProblem(403, ErrorCode.FORBIDDEN, 'the submission belongs to another client');
    // a token narrowed by scope continues only submissions to its destinations, of the services it covers there
    assertMaySend(client, meta.destinationId, found.row.serviceIdentifier);
    return { row: found.row, meta, attachments: found.attachments };
  }

  /** The fifth segment of each JWE of a submission, the attachments' read from the end of their blobs. */
  async function submittedTags(body: { encryptedMetadata: string; encryptedData?: string | undefined }, attachments: readonly AttachmentRow[]): Promise<AuthenticationTags> {
    const tagOf = (jwe: string): string => jwe.trim().split('.')[4] ?? '';
    const tags: Record<string, string> = {};
    for (const a of attachments) tags[a.attachmentId] = await storedTag(blobs, a.blobKey, a.size);
    return { metadata: tagOf(body.encryptedMetadata), ...(body.encryptedData !== undefined ? { data: tagOf(body.encryptedData) } : {}), attachments: tags };
  }

  /** The destination of a relay submission, whose JWEs the hub checks without opening them (relay-jwes.ts); undefined for the hub's own. */
  function relayDestinationOf(row: SubmissionRow, meta: FitConnectMeta): LoadedDestination | undefined {
    return row.channel === FIT_CONNECT_RELAY_CHANNEL ? deps.destinations.get(meta.destinationId) : undefined;
  }

  function requireCreated(row: SubmissionRow): void {
    if (row.state !== 'CREATED') throw httpProblem(409, ErrorCode.CONFLICT, `the submission has already been submitted (state ${row.state})`);
  }

  return async function plugin(fastify: FastifyInstance): Promise<void> {
    const app = zodRoutes(fastify);
    // Attachment bodies are streamed straight to the blob store (never buffered whole).
    app.addContentTypeParser('application/jose', (_request, payload, done) => done(null, payload));
    // checked before the body is parsed: a type the hub has no parser for (application/octet-stream, text/plain) was refused by
    // the parser with only "unsupported content type …", which does not tell the portal what to send instead
    const bodyOfType = (accepts: (contentType: string | undefined) => boolean, detail: string) => async (request: FastifyRequest): Promise<void> => {
      if (!accepts(request.headers['content-type'])) throw httpProblem(415, ErrorCode.UNSUPPORTED_MEDIA_TYPE, detail);
    };
    const jsonBodyOnly = bodyOfType((type) => /^application\/json\s*(?:;|$)/i.test(type ?? ''), 'the request body is JSON (content-type: application/json)');
    const joseBodyOnly = bodyOfType(isJoseMediaType, 'attachments are sent as application/jose (one compact JWE)');

    // OpenAPI `Info`: the API version as {major, minor, patch} (a string fails a client that validates it)
    app.get('/v1/info', async () => ({
      description: 'Weiche — FIT-Connect-compatible delivery service and subscriber of the hub',
      version: { major: 1, minor: 1, patch: 3 },
      product: deps.hub,
    }));

    // during a signing key rotation the JWKS holds the previous and the next key too
    app.get('/.well-known/jwks.json', async () => ({ keys: withFormerKids(await deps.signer.publicJwks()) }));

    // OpenAPI: both answers carry `Cache-Control: no-cache` (a cached encryptionKid or key outlives a rotation).
    // get-destination-info is for the destination's senders and its subscriber (`subscribe:destination:<id>`, a relay's)
    app.get('/v1/destinations/:destinationId', { schema: { params: DestinationParams } }, async (request, reply) => {
      const principal = await authenticateAny(deps, request);
      const id = uuidParam(request.params.destinationId, 'destination', 404);
      const destination = deps.destinations.get(id);
      if (!destination) throw httpProblem(404, ErrorCode.NOT_FOUND, 'no such destination');
      if (principal.sender) assertMaySend(principal.sender, id);
      else assertMayPickUp(principal.subscriber, id);
      void reply.header('cache-control', 'no-cache');
      return {
        destinationId: id,
        status: 'active',
        encryptionKid: destination.kid,
        metadataVersions: ['1.0.0', '2.1.0'],
        // all the destination's services, also for a sender whose scope covers only some: OpenAPI Destination describes
        // the destination (the Routing API publishes its services to anyone), not the grant; create-submission enforces that.
        // OpenAPI DestinationService.regions: at least one ARS; a service configured without regions is offered in all of Germany
        services: destination.config.services.map((s) => ({ identifier: s.identifier, submissionSchemas: s.submissionSchemas, regions: s.regions.length > 0 ? s.regions : ['DE'] })),
      };
    });

    /**
     * The keys the subscriber of a destination signs its answers (accept-, reject-submission) with: the hub's own signing
     * keys for its destinations (it is their subscriber), the relay subscriber's for a relay destination.
     */
    async function signatureKeysOf(destination: LoadedDestination): Promise<readonly PublicJwk[]> {
      return destination.relay ? destination.relay.signatureKeys.keys : deps.signer.publicJwks();
    }

    // OpenAPI get-destination-key names no security: a public key is for anyone who encrypts to the destination or
    // verifies its subscriber's events (by the SET's kid, as FIT-Connect senders do); the details above stay behind the token
    app.get('/v1/destinations/:destinationId/keys/:keyId', { schema: { params: KeyParams } }, async (request, reply) => {
      const id = uuidParam(request.params.destinationId, 'destination', 404);
      const destination = deps.destinations.get(id);
      const { keyId } = request.params;
      const jwk = destination && (findByKid(destination.publicJwks, keyId) ?? findByKid(new Map((await signatureKeysOf(destination)).map((k) => [k.kid, k])), keyId));
      if (!jwk) throw httpProblem(404, ErrorCode.NOT_FOUND, 'no such key');
      void reply.header('cache-control', 'no-cache');
      // under the kid asked for: a sender that cached a kid's former 43-character form checks the key names it
      return { ...jwk, kid: keyId };
    });

    app.post('/v1/submissions', { bodyLimit: 64 * 1024, schema: { body: CreateSubmission }, onRequest: jsonBodyOnly }, async (request, reply) => {
      const client = await authenticate(deps, request);
      const body = request.body;
      // as the ids in paths (uuid-param.ts): in capitals the same destination
      const destinationId = body.destinationId.toLowerCase();
      const destination = deps.destinations.get(destinationId);
      if (!destination) throw httpProblem(404, ErrorCode.NOT_FOUND, 'no such destination');
      assertMaySend(client, destinationId);
      const service = destination.config.services.find((s) => s.identifier === body.serviceType.identifier);
      if (!service) {
        // a portal's usual slip (a LeiKa key mistyped, the wrong destination): name what is offered, as GET destination does
        const offered = destination.config.services.map((s) => s.identifier).join(', ');
        throw httpProblem(422, ErrorCode.UNPROCESSABLE, `the destination does not offer the service ${body.serviceType.identifier}; it offers ${offered} (GET /v1/destinations/${destinationId})`);
      }
      // a token reaching the destination by a service or region scope sends only the services it covers
      assertMaySend(client, destinationId, service.identifier);
      // as the ids in paths (uuid-param.ts): an attachment id in capitals is the same attachment, kept in lower case
      const announced = body.announcedAttachments.map((id) => id.toLowerCase());
      if (new Set(announced).size !== announced.length) throw httpProblem(400, ErrorCode.BAD_REQUEST, 'announcedAttachments contains duplicates');
      if (body.callback) assertCallbackTarget(client, body.callback.url);
      const submissionId = randomUUID();
      // OpenAPI CreateSubmission.caseId: a reply within an existing case of this sender, else a new case
      const caseId = body.caseId === undefined ? randomUUID() : await replyCase(client, body.caseId, destinationId);
      const tenantId = destination.config.tenant;
      const callback = body.callback ? { url: body.callback.url, sealedSecret: await sealSecret(deps.keyring, tenantId, submissionId, body.callback.secret) } : undefined;
      const meta: FitConnectMeta = {
        caseId,
        destinationId,
        senderClientId: client.clientId,
        announcedAttachments: announced,
        ...(callback ? { callback } : {}),
      };
      const created = await signEvent(deps, { submissionId, caseId, notifySender: callback !== undefined }, 'create-submission');
      await journal.createSubmission({
        submissionId,
        tenantId,
        // a relay destination's submissions wait for its subscriber: never opened, mapped or routed by the hub (ADR 0017)
        channel: destination.relay ? FIT_CONNECT_RELAY_CHANNEL : FIT_CONNECT_CHANNEL,
        channelRef: submissionId,
        channelMeta: meta,
        serviceIdentifier: service.identifier,
        serviceName: body.serviceType.name || service.name,
        state: 'CREATED',
        actor: `client:${client.clientId}`,
        // ids and counts only: never the callback secret
        details: { caseId, destinationId, announcedAttachments: announced.length },
        events: [created],
      });
      await enqueueCallbacks({ queues: deps.queues, log: request.log }, [created]);
      return reply.status(201).send({ destinationId, submissionId, caseId });
    });

    app.put('/v1/submissions/:submissionId/attachments/:attachmentId', { schema: { params: AttachmentParams }, onRequest: joseBodyOnly }, async (request, reply) => {
      const client = await authenticate(deps, request);
      // the OpenAPI names no 404 for this operation: malformed ids are 400, both checked before anything is looked up
      const submissionId = uuidParam(request.params.submissionId, 'submission', 400);
      const attachmentId = uuidParam(request.params.attachmentId, 'attachment', 400);
      const { row, meta, attachments } = await ownSubmission(client, submissionId);
      requireCreated(row);
      if (!meta.announcedAttachments.includes(attachmentId)) {
        throw httpProblem(422, ErrorCode.UNPROCESSABLE, 'attachment was not announced; upload attachments under their announced ids');
      }
      // what the other attachments already use counts against the submission's total
      const others = attachments.filter((a) => a.attachmentId !== attachmentId);
      const budget = maxSubmissionJweBytes(limits.submissionBytes, meta.announcedAttachments.length) - others.reduce((sum, a) => sum + a.size, 0);
      const limit = Math.min(wire.attachmentBytes, budget);
      const tooLarge = `attachment exceeds the limit of ${limits.attachmentBytes} bytes per attachment or ${limits.submissionBytes} bytes per submission (plaintext)`;
      const declared = Number(request.headers['content-length'] ?? NaN);
      if (declared > limit) throw httpProblem(413, ErrorCode.PAYLOAD_TOO_LARGE, tooLarge);
      const relay = relayDestinationOf(row, meta);
      const checkHeader = relay ? (segment: string) => assertRelayJweHeader(relay, `attachment ${attachmentId}`, segment) : undefined;
      const ref = await blobs.put(compactJweBytes(request.body as AsyncIterable<Buffer>, checkHeader), { maxBytes: limit }).catch((error: unknown) => {
        // refused mid-body, the rest is unread on the socket: close it rather than reuse it (as the 413 does)
        if (isWeicheError(error) && error.code === ErrorCode.BAD_REQUEST) void reply.header('connection', 'close');
        throw isWeicheError(error) && error.code === ErrorCode.PAYLOAD_TOO_LARGE ? httpProblem(413, ErrorCode.PAYLOAD_TOO_LARGE, tooLarge) : error;
      });
      await journal.recordAttachment({ submissionId: row.submissionId, attachmentId, blobKey: ref.key, size: ref.size });
      return reply.status(204).send();
    });

    const metadataLimit = wire.metadataBytes;
    const dataLimit = wire.dataBytes;
    // the body limit is only the outer guard; each part is checked against its own limit below
    const submitLimit = metadataLimit + dataLimit + 1024;
    app.put('/v1/submissions/:submissionId', { bodyLimit: submitLimit, schema: { params: SubmissionParams, body: SubmitSubmission }, onRequest: jsonBodyOnly }, async (request, reply) => {
      const client = await authenticate(deps, request);
      const { row, meta, attachments } = await ownSubmission(client, uuidParam(request.params.submissionId, 'submission', 400));
      const body = request.body;
      if (body.encryptedMetadata.length > metadataLimit) throw httpProblem(413, ErrorCode.PAYLOAD_TOO_LARGE, `encryptedMetadata exceeds the limit for ${limits.metadataBytes} bytes of metadata`);
      if (body.encryptedData !== undefined && body.encryptedData.length > dataLimit) throw httpProblem(413, ErrorCode.PAYLOAD_TOO_LARGE, `encryptedData exceeds the limit for ${limits.dataBytes} bytes of data`);
      requireCreated(row);
      const total = attachments.reduce((sum, a) => sum + a.size, body.encryptedMetadata.length + (body.encryptedData?.length ?? 0));
      if (total > maxSubmissionJweBytes(limits.submissionBytes, attachments.length + 2)) {
        throw httpProblem(413, ErrorCode.PAYLOAD_TOO_LARGE, `the submission exceeds the limit of ${limits.submissionBytes} bytes (plaintext)`);
      }
      const uploaded = new Set(attachments.map((a) => a.attachmentId));
      const missing = meta.announcedAttachments.filter((id) => !uploaded.has(id));
      if (missing.length > 0) throw httpProblem(422, ErrorCode.UNPROCESSABLE, `announced attachments not uploaded yet: ${missing.join(', ')}`);
      const relay = relayDestinationOf(row, meta);
      if (relay) {
        assertRelayJwe(relay, 'encryptedMetadata', body.encryptedMetadata);
        if (body.encryptedData !== undefined) assertRelayJwe(relay, 'encryptedData', body.encryptedData);
      }
      const metadata = await blobs.put(Buffer.from(body.encryptedMetadata, 'utf8'), { maxBytes: metadataLimit });
      const data = body.encryptedData === undefined ? undefined : await blobs.put(Buffer.from(body.encryptedData, 'utf8'), { maxBytes: dataLimit });
      // the sender is owed submit-submission with RECEIVED: both in one transaction. It carries the authentication tags of
      // every part, as FIT-Connect's delivery service writes it (docs.fitko.de "Ereignisse", submit-submission), for any
      // destination: the sender sees what was received, and a relay destination's subscriber checks what it fetches.
      const tags = await submittedTags(body, attachments);
      const submitted = await signEvent(deps, { submissionId: row.submissionId, caseId: meta.caseId, notifySender: meta.callback !== undefined }, 'submit-submission', { authenticationTags: tags });
      const moved = await journal.transition(row.submissionId, {
        from: ['CREATED'],
        to: 'RECEIVED',
        actor: `client:${client.clientId}`,
        stage: 'intake',
        inputHash: metadata.sha256,
        details: { attachments: meta.announcedAttachments.length, dataSha256: data?.sha256 ?? null },
        patch: { channelMeta: { ...meta, metadataBlobKey: metadata.key, ...(data ? { dataBlobKey: data.key } : {}) } satisfies FitConnectMeta, submittedAt: new Date() },
        events: [submitted],
      });
      if (!moved) throw httpProblem(409, ErrorCode.CONFLICT, 'the submission has already been submitted');
      await enqueueCallbacks({ queues: deps.queues, log: request.log }, [submitted]);
      // durable from here: a queue problem must not turn it into an error (the reconciler enqueues whatever has no job);
      // a relay submission is not processed here, it waits for its subscriber
      if (row.channel !== FIT_CONNECT_RELAY_CHANNEL) {
        await withTimeout(deps.queues.enqueueProcess({ submissionId: row.submissionId }), 2000, 'enqueue').catch((error: unknown) =>
          request.log.warn({ err: error, submissionId: row.submissionId }, 'enqueue failed; the reconciler will pick it up'),
        );
      }
      return reply.status(202).send({
        destinationId: meta.destinationId,
        submissionId: row.submissionId,
        caseId: meta.caseId,
        attachments: meta.announcedAttachments,
        serviceType: { identifier: row.serviceIdentifier, ...(row.serviceName ? { name: row.serviceName } : {}) },
      });
    });

    // Senders poll this until accept- or reject-submission appears. The log only grows, so its length
    // fixes every page: the ETag names it, and a poll with a matching If-None-Match gets 304 without the
    // tokens being read or sent (RFC 9110 §13.1.2).
    app.get('/v1/cases/:caseId/events', { schema: { params: CaseParams, querystring: Paging } }, async (request, reply) => {
      // the sender of the case, or the subscriber of its relay destination (get-case-events serves both)
      const principal = await authenticateAny(deps, request);
      const caseId = uuidParam(request.params.caseId, 'case', 404);
      const found = await journal.findCase(caseId);
      const meta = found ? metaOf(found.submission) : undefined;
      if (!found || !meta) throw httpProblem(404, ErrorCode.NOT_FOUND, 'no such case');
      // a sender's token narrowed by scope reads only the cases it could continue: its destinations' and services'
      const allowed = principal.sender
        ? meta.senderClientId === principal.sender.clientId && maySend(principal.sender, meta.destinationId, found.submission.serviceIdentifier)
        : found.submission.channel === FIT_CONNECT_RELAY_CHANNEL && principal.subscriber.destinations.includes(meta.destinationId);
      if (!allowed) throw httpProblem(403, ErrorCode.FORBIDDEN, 'the case belongs to another client');
      const { offset, limit } = request.query;
      const totalCount = found.eventCount;
      const etag = `"events-${totalCount}-${offset}-${limit}"`;
      reply.header('etag', etag).header('cache-control', 'private, no-cache');
      if (ifNoneMatch(request.headers['if-none-match'], etag)) return reply.status(304).send();
      // an event appended since the count shows up at the next poll (its ETag no longer matches)
      const tokens = (await journal.eventTokens(caseId, { offset, limit })).slice(0, Math.max(0, totalCount - offset));
      return { count: tokens.length, offset, totalCount, eventLog: tokens };
    });
  };
}

/** If-None-Match (RFC 9110 §13.1.2): `*` or a list of entity tags, compared weakly. */
function ifNoneMatch(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}
