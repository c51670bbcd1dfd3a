import { parse as parseQuery } from 'node:querystring';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { WeicheConfig } from '@weiche/config';
import { constantTimeEqual, ErrorCode, isWeicheError, type WeicheError } from '@weiche/core';
import type { JwtSigner } from '@weiche/crypto';
import { basicCredentials, bearerToken } from '../../gateway/authorization-header.js';
import { httpProblem, insufficientScope } from '../../gateway/problems.js';
import { destinationScope, grantOf, isSenderScope, type ScopedDestination } from './sender-scopes.js';

/**
 * A sender client; as its token authenticates it, `destinations` narrowed to those its scopes reach and `grant` saying
 * which services at each (`'all'`, or those a `send:service:`/`send:region:` scope covers).
 */
export type SenderClient = WeicheConfig['senderClients'][number] & { readonly grant?: ReadonlyMap<string, 'all' | readonly string[]> };
/** A subscriber of relay destinations (docs/relay-destinations.md): picks their submissions up and answers them. */
export type SubscriberClient = WeicheConfig['subscriberClients'][number];

const TokenRequest = z.object({
  grant_type: z.literal('client_credentials'),
  client_id: z.string().min(1).optional(),
  client_secret: z.string().min(1).optional(),
  scope: z.string().optional(),
});

/** What the token endpoint and the sender API's authentication need. */
export interface SenderAuthDeps {
  readonly senderClients: readonly SenderClient[];
  /** Subscribers of relay destinations: tokens with `subscribe:destination:<id>`, which never send. */
  readonly subscriberClients?: readonly SubscriberClient[];
  readonly tokenTtlSeconds: number;
  readonly signer: Pick<JwtSigner, 'signAccessToken' | 'verifyAccessToken'>;
  /** Issuer and audience of access tokens: the hub's public base URL. */
  readonly issuer: string;
  /** The destinations' services and regions, for `send:region:` and `send:service:` scopes. */
  readonly destinations?: ReadonlyMap<string, { readonly config: ScopedDestination }>;
}

/** Scopes in FIT-Connect's form for what a client may do: a sender sends, a subscriber picks up. */
function scopesOf(client: SenderClient | SubscriberClient, kind: 'sender' | 'subscriber'): string[] {
  return client.destinations.map((id) => scopeOf(kind, id));
}

function scopeOf(kind: 'sender' | 'subscriber', destinationId: string): string {
  return kind === 'sender' ? destinationScope(destinationId) : `subscribe:destination:${destinationId}`;
}

/** The services at each of the sender's configured destinations its token's scopes reach. */
function senderGrant(deps: SenderAuthDeps, client: Pick<SenderClient, 'destinations'>, scopes: readonly string[]): Map<string, 'all' | string[]> {
  return grantOf(client.destinations, scopes, (id) => deps.destinations?.get(id)?.config);
}

/**
 * Whether the client may hold a requested scope: one of its own (`send:destination:`, `subscribe:destination:`), or
 * for a sender a `send:region:`/`send:service:` scope that reaches at least one of its destinations.
 */
function mayHold(deps: SenderAuthDeps, found: { kind: 'sender' | 'subscriber'; client: SenderClient | SubscriberClient }, scope: string): boolean {
  if (scopesOf(found.client, found.kind).includes(scope)) return true;
  return found.kind === 'sender' && isSenderScope(scope) && senderGrant(deps, found.client, [scope]).size > 0;
}

/** The client of an id, sender or subscriber (their ids are unique across both, load.ts checks). */
function clientOf(deps: SenderAuthDeps, clientId: string | undefined): { kind: 'sender' | 'subscriber'; client: SenderClient | SubscriberClient } | undefined {
  const sender = deps.senderClients.find((c) => c.clientId === clientId);
  if (sender) return { kind: 'sender', client: sender };
  const subscriber = deps.subscriberClients?.find((c) => c.clientId === clientId);
  return subscriber ? { kind: 'subscriber', client: subscriber } : undefined;
}

/** OAuth2 client-credentials token endpoint (RFC 6749 §4.4), as FIT-Connect senders use it. */
export function tokenRoutes(deps: SenderAuthDeps) {
  return async function plugin(app: FastifyInstance): Promise<void> {
    // RFC 6749 §4.4.2: the token request is application/x-www-form-urlencoded, and nothing else — a JSON body was read as well
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 8192 }, (_req, body, done) => {
      done(null, parseQuery(body as string));
    });
    // RFC 6749 §5.2: the token endpoint's errors are {error, error_description} with 400 — also what the body parser and the
    // edge checks refuse (another media type, too large, a NUL), which were problem+json documents an OAuth client cannot read
    app.setErrorHandler((error: FastifyError | WeicheError, _request, reply) => {
      const status = isWeicheError(error) ? error.status : (error.statusCode ?? 500);
      if (status >= 500) throw error;
      return reply.status(400).send({ error: 'invalid_request', error_description: tokenRequestRefusal(error) });
    });
    app.post('/token', async (request, reply) => {
      const grantType = (request.body as { grant_type?: unknown } | undefined)?.grant_type;
      // RFC 6749 §5.2: another grant (password, authorization_code) is unsupported_grant_type, not a malformed request
      if (typeof grantType === 'string' && grantType !== 'client_credentials') {
        return reply.status(400).send({ error: 'unsupported_grant_type', error_description: 'only grant_type=client_credentials is supported' });
      }
      const parsed = TokenRequest.safeParse(request.body ?? {});
      if (!parsed.success) {
        return reply.status(400).send({ error: 'invalid_request', error_description: 'grant_type=client_credentials with client credentials expected' });
      }
      const basic = basicCredentials(request.headers.authorization);
      if (basic === 'malformed') return invalidClient(reply, 'the Basic authorization header cannot be read', true);
      // RFC 6749 §2.3: one authentication method per request — Basic and a secret (or another id) in the body was read as Basic alone
      if (basic && (parsed.data.client_secret !== undefined || (parsed.data.client_id !== undefined && parsed.data.client_id !== basic.id))) {
        return reply.status(400).send({ error: 'invalid_request', error_description: 'client credentials in the Authorization header and in the body: use one method' });
      }
      const clientId = basic?.id ?? parsed.data.client_id;
      const secret = basic?.secret ?? parsed.data.client_secret;
      const found = clientOf(deps, clientId);
      const client = found?.client;
      if (!found || !client || secret === undefined || !constantTimeEqual(secret, client.clientSecret.reveal())) {
        return invalidClient(reply, 'unknown client or wrong secret', basic !== undefined);
      }
      const granted = scopesOf(client, found.kind);
      const requested = parsed.data.scope?.split(' ').filter(Boolean);
      // RFC 6749 §3.3: the token carries exactly the requested scopes; one the client does not hold is refused (§5.2)
      if (requested && (requested.length === 0 || requested.some((s) => !mayHold(deps, found, s)))) {
        return reply.status(400).send({ error: 'invalid_scope', error_description: 'the requested scope is not granted to this client' });
      }
      const scopes = requested ? [...new Set(requested)] : granted;
      const ttl = deps.tokenTtlSeconds;
      const token = await deps.signer.signAccessToken({ issuer: deps.issuer, audience: deps.issuer, clientId: client.clientId, scopes, ttlSeconds: ttl });
      return reply.header('cache-control', 'no-store').send({ access_token: token, token_type: 'Bearer', expires_in: ttl, scope: scopes.join(' ') });
    });
  };
}

/**
 * 401 invalid_client. RFC 6749 §5.2: a client that authenticated with the Authorization header MUST be answered with a
 * WWW-Authenticate challenge of its scheme (RFC 7617 §2: Basic with a realm; UTF-8, as the credentials are read).
 */
function invalidClient(reply: FastifyReply, description: string, viaHeader: boolean): FastifyReply {
  if (viaHeader) void reply.header('www-authenticate', 'Basic realm="weiche", charset="UTF-8"');
  return reply.status(401).send({ error: 'invalid_client', error_description: description });
}

/** What is wrong with a token request refused before the endpoint ran, in fixed words (never the request's own text). */
function tokenRequestRefusal(error: FastifyError | WeicheError): string {
  if (isWeicheError(error)) return error.message;
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return 'the token request is sent as application/x-www-form-urlencoded';
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return 'the token request is too large';
  return 'the token request cannot be read';
}

/**
 * Verifies the bearer token and returns the sender client it belongs to, its destinations narrowed to
 * the token's scopes (a token asked for with a narrower `scope` sends only there); 401 when missing,
 * invalid or expired.
 */
export async function authenticate(deps: SenderAuthDeps, request: FastifyRequest): Promise<SenderClient> {
  const principal = await authenticateAny(deps, request);
  if (!principal.sender) throw insufficientScope(undefined, 'a subscriber client does not send submissions');
  return principal.sender;
}

/**
 * The client of the bearer token, sender or subscriber, its destinations narrowed to the token's scopes (a
 * `send:` scope never lets a subscriber send, a `subscribe:` scope never lets a sender pick up); 401 as above.
 */
export async function authenticateAny(deps: SenderAuthDeps, request: FastifyRequest): Promise<{ sender: SenderClient; subscriber?: never } | { subscriber: SubscriberClient; sender?: never }> {
  const token = bearerToken(request.headers.authorization);
  if (!token) throw httpProblem(401, ErrorCode.UNAUTHORIZED, 'a bearer access token from POST /token is required');
  const { clientId, scopes } = await deps.signer.verifyAccessToken(token, { issuer: deps.issuer, audience: deps.issuer });
  const found = clientOf(deps, clientId);
  if (!found) throw httpProblem(401, ErrorCode.UNAUTHORIZED, 'the token belongs to no configured client');
  if (found.kind === 'sender') {
    const sender = found.client as SenderClient;
    const grant = senderGrant(deps, sender, scopes);
    return { sender: { ...sender, destinations: [...grant.keys()], grant } };
  }
  const subscriber = found.client as SubscriberClient;
  return { subscriber: { ...subscriber, destinations: subscriber.destinations.filter((id) => scopes.includes(scopeOf('subscriber', id))) } };
}

/** The subscriber client of the bearer token; 403 for a sender's token (it never reads submissions). */
export async function authenticateSubscriber(deps: SenderAuthDeps, request: FastifyRequest): Promise<SubscriberClient> {
  const principal = await authenticateAny(deps, request);
  if (!principal.subscriber) throw insufficientScope(undefined, 'a sender client does not pick up submissions');
  return principal.subscriber;
}

/**
 * 403 unless the client may send to the destination (its token holds `send:destination:<id>`, or a region or service
 * scope reaching it) and, given a service, submit that service there.
 */
export function assertMaySend(client: SenderClient, destinationId: string, serviceIdentifier?: string): void {
  if (!client.destinations.includes(destinationId)) {
    throw insufficientScope(scopeOf('sender', destinationId), 'this client may not send to that destination');
  }
  if (!maySend(client, destinationId, serviceIdentifier)) {
    throw insufficientScope(undefined, 'the token’s scopes do not reach this service at that destination');
  }
}

/** Whether the client's token reaches the destination and, given a service, that service there (assertMaySend without the problem). */
export function maySend(client: SenderClient, destinationId: string, serviceIdentifier?: string): boolean {
  if (!client.destinations.includes(destinationId)) return false;
  const services = client.grant?.get(destinationId) ?? 'all';
  return serviceIdentifier === undefined || services === 'all' || services.includes(serviceIdentifier);
}

/** 403 unless the subscriber may pick up submissions of the destination (its token holds `subscribe:destination:<id>`). */
export function assertMayPickUp(client: SubscriberClient, destinationId: string): void {
  if (!client.destinations.includes(destinationId)) {
    throw insufficientScope(scopeOf('subscriber', destinationId), 'this client does not pick up submissions of that destination');
  }
}
