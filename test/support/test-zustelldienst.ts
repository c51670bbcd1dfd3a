/**
 * A FIT-Connect Zustelldienst for tests, written from the Submission API OpenAPI 1.1.3 with node:http and
 * `jose` only — it shares no code with the hub's gateway, so it checks the hub's subscriber from outside.
 * It serves both sides: senders (token, destination keys, create/upload/submit, which signs its own
 * `submit-submission` SET and fires the destination's `new-submissions` callback) and subscribers (pickup
 * list with paging, submission, attachments, event log, and events it verifies against the subscriber's
 * registered signing key). Hooks let fault tests stall a download or an answer.
 */
import { createHmac, createPublicKey, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, jwtVerify, SignJWT, type JWK } from 'jose';

type SigningKey = Parameters<SignJWT['sign']>[0];

const EVENT = (name: string): string => `https://schema.fitko.de/fit-connect/events/${name}`;

interface Client {
  readonly secret: string;
  readonly scopes: readonly string[];
  readonly tokenTtlSeconds?: number;
}

export interface ZdDestination {
  readonly destinationId: string;
  readonly encryptionKid: string;
  readonly publicEncryptionJwk: JWK;
  readonly services: readonly string[];
  /** The subscriber's public signing keys by kid: the only keys its SETs may be signed with. */
  readonly subscriberKeys: Map<string, KeyObject>;
  callback?: { url: string; secret: string };
}

export interface ZdSubmission {
  readonly submissionId: string;
  readonly caseId: string;
  readonly destinationId: string;
  readonly serviceType: { identifier: string; name?: string };
  readonly announced: readonly string[];
  readonly attachments: Map<string, string>;
  encryptedMetadata?: string;
  encryptedData?: string;
  state: 'created' | 'submitted' | 'accepted' | 'rejected';
}

/** A subscriber answer the Zustelldienst verified and recorded. */
export interface ZdAnswer {
  readonly submissionId: string;
  readonly event: 'accept-submission' | 'reject-submission';
  readonly payload: Record<string, unknown>;
  readonly jti: string;
}

/** The subscriber's calls a proxy may answer in the Zustelldienst's place (ZdHooks.answerInstead). */
export type ZdCall = 'list' | 'submission' | 'attachment' | 'events';

export interface ZdHooks {
  /**
   * A page served with 200 in place of the Zustelldienst's answer to a subscriber's call (a proxy's maintenance page,
   * JSON or HTML, whatever its content type claims); undefined lets the Zustelldienst answer.
   */
  answerInstead?: (call: ZdCall, submissionId?: string) => { type: string; body: string } | undefined;
  /** Changes a submission as the subscriber fetches it (an upstream answering outside the API's shape). */
  submissionAnswer?: (submissionId: string, body: Record<string, unknown>) => Record<string, unknown>;
  /** Before an attachment download is answered, whether the attachment exists or not (may stall, may throw an HttpError). */
  beforeAttachment?: (submissionId: string, attachmentId: string) => Promise<void>;
  /** Before a verified subscriber event is recorded (may stall: the event is then not recorded yet). */
  beforeAnswerRecorded?: (submissionId: string) => Promise<void>;
  /** After it is recorded, before the HTTP answer (may stall: recorded, but the subscriber has no answer yet). */
  afterAnswerRecorded?: (submissionId: string) => Promise<void>;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    detail: string,
  ) {
    super(detail);
  }
}

const tagOf = (jwe: string): string => jwe.split('.')[4] ?? '';

async function bodyOf(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, status: number, body?: unknown, type = 'application/json'): void {
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  res.writeHead(status, { 'content-type': type }).end(typeof body === 'string' ? body : JSON.stringify(body));
}

export class TestZustelldienst {
  readonly clients = new Map<string, Client>();
  readonly destinations = new Map<string, ZdDestination>();
  readonly submissions = new Map<string, ZdSubmission>();
  readonly caseEvents = new Map<string, string[]>();
  readonly answers: ZdAnswer[] = [];
  /** Answers refused (signature, claims, state), with the reason. */
  readonly refusedAnswers: string[] = [];
  readonly hooks: ZdHooks = {};
  /** Subscriber tokens issued. */
  tokensIssued = 0;
  /** Requests refused for an expired token. */
  expiredTokenRefusals = 0;
  /** Requests refused for a token that is unknown or revoked. */
  unknownTokenRefusals = 0;
  /** Pickup list pages served. */
  pagesServed = 0;
  /** Send submissions to subscribers chunked (no Content-Length), as a streaming server or proxy may. */
  chunkedSubmissions = false;
  /** Chunked submission answers: bytes written before the subscriber stopped reading, of the total; complete when all were sent. */
  readonly submissionTransfers: Array<{ submissionId: string; written: number; total: number; complete: boolean }> = [];
  /** Sign the next submit-submission SET with a key that is not in the JWKS (a forged event log). */
  forgeNextSubmitEvent = false;
  private readonly tokens = new Map<string, { clientId: string; scopes: readonly string[]; expiresAt: number }>();
  private server!: Server;
  url = '';

  private constructor(
    private readonly signing: { privateKey: SigningKey; publicJwk: JWK; kid: string },
    private readonly options: { tokenTtlSeconds: number; maxPageSize: number },
  ) {}

  static async start(options: { tokenTtlSeconds?: number; maxPageSize?: number } = {}): Promise<TestZustelldienst> {
    const { privateKey, publicKey } = await generateKeyPair('PS512', { modulusLength: 2048 });
    const kid = randomUUID();
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'PS512', use: 'sig' };
    const zd = new TestZustelldienst({ privateKey, publicJwk, kid }, { tokenTtlSeconds: options.tokenTtlSeconds ?? 300, maxPageSize: options.maxPageSize ?? 500 });
    zd.server = createServer((req, res) => {
      zd.handle(req, res).catch((error: unknown) => {
        const status = error instanceof HttpError ? error.status : 500;
        if (!res.headersSent) send(res, status, { type: 'about:blank', title: String(status), status, detail: (error as Error).message }, 'application/problem+json');
      });
    });
    await new Promise<void>((resolve) => zd.server.listen(0, '127.0.0.1', resolve));
    zd.url = `http://127.0.0.1:${(zd.server.address() as AddressInfo).port}`;
    return zd;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** A client; its tokens live `tokenTtlSeconds` (default: the Zustelldienst's). */
  addClient(clientId: string, scopes: readonly string[], tokenTtlSeconds?: number): string {
    const secret = randomBytes(16).toString('hex');
    this.clients.set(clientId, { secret, scopes, ...(tokenTtlSeconds !== undefined ? { tokenTtlSeconds } : {}) });
    return secret;
  }

  addDestination(destination: Omit<ZdDestination, 'subscriberKeys'> & { subscriberKeys?: Map<string, KeyObject> }): ZdDestination {
    const d = { ...destination, subscriberKeys: destination.subscriberKeys ?? new Map<string, KeyObject>() };
    this.destinations.set(d.destinationId, d);
    return d;
  }

  /** Registers the subscriber's signing key (public part of a private PEM) under a kid. */
  registerSubscriberKey(destinationId: string, kid: string, privateKeyPem: string): void {
    this.destinations.get(destinationId)?.subscriberKeys.set(kid, createPublicKey(privateKeyPem));
  }

  /** Revokes every subscriber token issued so far (as an authorization server may at any time): its next call answers 401. */
  revokeSubscriberTokens(): void {
    for (const [token, grant] of this.tokens) if (grant.scopes.some((s) => s.startsWith('subscribe:'))) this.tokens.delete(token);
  }

  answersFor(submissionId: string): ZdAnswer[] {
    return this.answers.filter((a) => a.submissionId === submissionId);
  }

  private auth(req: IncomingMessage): { clientId: string; scopes: readonly string[] } {
    const header = req.headers.authorization ?? '';
    const token = this.tokens.get(header.replace(/^Bearer /, ''));
    if (!token) {
      this.unknownTokenRefusals += 1;
      throw new HttpError(401, 'no valid token');
    }
    if (Date.now() >= token.expiresAt) {
      this.expiredTokenRefusals += 1;
      throw new HttpError(401, 'token expired');
    }
    return token;
  }

  private mustSubscribe(req: IncomingMessage, destinationId: string): void {
    if (!this.auth(req).scopes.includes(`subscribe:destination:${destinationId}`)) throw new HttpError(403, 'not a subscriber of this destination');
  }

  private submissionOf(id: string): ZdSubmission {
    const s = this.submissions.get(id);
    if (!s) throw new HttpError(404, 'no such submission');
    return s;
  }

  private async signSet(claims: Record<string, unknown>, key: SigningKey, kid: string): Promise<string> {
    return new SignJWT(claims).setProtectedHeader({ typ: 'secevent+jwt', alg: 'PS512', kid }).sign(key);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const path = url.pathname;
    const method = req.method ?? 'GET';
    let m: RegExpMatchArray | null;

    if (method === 'POST' && path === '/token') {
      const form = new URLSearchParams(await bodyOf(req));
      const client = this.clients.get(form.get('client_id') ?? '');
      if (form.get('grant_type') !== 'client_credentials' || !client || client.secret !== form.get('client_secret')) return send(res, 401, { error: 'invalid_client' });
      const requested = (form.get('scope') ?? '').split(' ').filter(Boolean);
      if (requested.some((s) => !client.scopes.includes(s))) return send(res, 400, { error: 'invalid_scope' });
      const token = randomBytes(24).toString('base64url');
      const scopes = requested.length > 0 ? requested : client.scopes;
      const ttl = client.tokenTtlSeconds ?? this.options.tokenTtlSeconds;
      this.tokens.set(token, { clientId: form.get('client_id') ?? '', scopes, expiresAt: Date.now() + ttl * 1000 });
      if (requested.some((s) => s.startsWith('subscribe:'))) this.tokensIssued += 1;
      return send(res, 200, { access_token: token, token_type: 'Bearer', expires_in: ttl, scope: scopes.join(' ') });
    }
    if (method === 'GET' && path === '/.well-known/jwks.json') return send(res, 200, { keys: [this.signing.publicJwk] });

    // sender side
    if (method === 'GET' && (m = path.match(/^\/v1\/destinations\/([^/]+)$/))) {
      this.auth(req);
      const d = this.destinations.get(m[1]!);
      if (!d) throw new HttpError(404, 'no such destination');
      return send(res, 200, { destinationId: d.destinationId, status: 'active', encryptionKid: d.encryptionKid, metadataVersions: ['2.1.0'], services: d.services.map((identifier) => ({ identifier, submissionSchemas: [], regions: ['DE'] })) });
    }
    if (method === 'GET' && (m = path.match(/^\/v1\/destinations\/([^/]+)\/keys\/([^/]+)$/))) {
      this.auth(req);
      const d = this.destinations.get(m[1]!);
      if (!d || d.encryptionKid !== m[2]) throw new HttpError(404, 'no such key');
      return send(res, 200, d.publicEncryptionJwk);
    }
    if (method === 'POST' && path === '/v1/submissions') {
      this.auth(req);
      const body = JSON.parse(await bodyOf(req)) as { destinationId: string; serviceType: { identifier: string; name?: string }; announcedAttachments?: string[] };
      if (!this.destinations.has(body.destinationId)) throw new HttpError(404, 'no such destination');
      const s: ZdSubmission = {
        submissionId: randomUUID(),
        caseId: randomUUID(),
        destinationId: body.destinationId,
        serviceType: body.serviceType,
        announced: body.announcedAttachments ?? [],
        attachments: new Map(),
        state: 'created',
      };
      this.submissions.set(s.submissionId, s);
      return send(res, 201, { destinationId: s.destinationId, submissionId: s.submissionId, caseId: s.caseId });
    }
    if (method === 'PUT' && (m = path.match(/^\/v1\/submissions\/([^/]+)\/attachments\/([^/]+)$/))) {
      this.auth(req);
      const s = this.submissionOf(m[1]!);
      if (!s.announced.includes(m[2]!)) throw new HttpError(422, 'not announced');
      s.attachments.set(m[2]!, (await bodyOf(req)).trim());
      return send(res, 204);
    }
    if (method === 'PUT' && (m = path.match(/^\/v1\/submissions\/([^/]+)$/))) {
      this.auth(req);
      const s = this.submissionOf(m[1]!);
      if (s.state !== 'created') throw new HttpError(409, 'already submitted');
      const body = JSON.parse(await bodyOf(req)) as { encryptedMetadata: string; encryptedData?: string };
      s.encryptedMetadata = body.encryptedMetadata;
      if (body.encryptedData !== undefined) s.encryptedData = body.encryptedData;
      const authenticationTags = {
        metadata: tagOf(body.encryptedMetadata),
        ...(body.encryptedData !== undefined ? { data: tagOf(body.encryptedData) } : {}),
        attachments: Object.fromEntries([...s.attachments].map(([id, jwe]) => [id, tagOf(jwe)])),
      };
      const claims = { iss: this.url, iat: Math.floor(Date.now() / 1000), jti: randomUUID(), sub: `submission:${s.submissionId}`, txn: `case:${s.caseId}`, events: { [EVENT('submit-submission')]: { authenticationTags } } };
      let token: string;
      if (this.forgeNextSubmitEvent) {
        this.forgeNextSubmitEvent = false;
        // same kid as the real key, signed by another: only the signature check can tell
        const forger = await generateKeyPair('PS512', { modulusLength: 2048 });
        token = await this.signSet(claims, forger.privateKey, this.signing.kid);
      } else {
        token = await this.signSet(claims, this.signing.privateKey, this.signing.kid);
      }
      this.caseEvents.set(s.caseId, [...(this.caseEvents.get(s.caseId) ?? []), token]);
      s.state = 'submitted';
      void this.notify(s);
      return send(res, 202, { destinationId: s.destinationId, submissionId: s.submissionId, caseId: s.caseId, attachments: s.announced, serviceType: s.serviceType });
    }

    // subscriber side
    if (method === 'GET' && path === '/v1/submissions') {
      const destinationId = url.searchParams.get('destinationId') ?? '';
      this.mustSubscribe(req, destinationId);
      if (this.insteadOf(res, 'list')) return;
      const offset = Number(url.searchParams.get('offset') ?? 0);
      const limit = Math.min(Number(url.searchParams.get('limit') ?? 100), this.options.maxPageSize);
      const ready = [...this.submissions.values()].filter((s) => s.destinationId === destinationId && s.state === 'submitted');
      const page = ready.slice(offset, offset + limit);
      this.pagesServed += 1;
      return send(res, 200, { count: page.length, offset, totalCount: ready.length, submissions: page.map((s) => ({ destinationId: s.destinationId, submissionId: s.submissionId, caseId: s.caseId })) });
    }
    if (method === 'GET' && (m = path.match(/^\/v1\/submissions\/([^/]+)$/))) {
      const s = this.submissionOf(m[1]!);
      this.mustSubscribe(req, s.destinationId);
      if (s.state === 'created') throw new HttpError(404, 'not submitted');
      if (this.insteadOf(res, 'submission', s.submissionId)) return;
      const body = {
        destinationId: s.destinationId,
        submissionId: s.submissionId,
        caseId: s.caseId,
        attachments: s.announced,
        serviceType: s.serviceType,
        encryptedMetadata: s.encryptedMetadata,
        ...(s.encryptedData !== undefined ? { encryptedData: s.encryptedData } : {}),
      };
      const answer = this.hooks.submissionAnswer?.(s.submissionId, body) ?? body;
      if (this.chunkedSubmissions) return this.sendChunked(res, s.submissionId, Buffer.from(JSON.stringify(answer)));
      return send(res, 200, answer);
    }
    if (method === 'GET' && (m = path.match(/^\/v1\/submissions\/([^/]+)\/attachments\/([^/]+)$/))) {
      const s = this.submissionOf(m[1]!);
      this.mustSubscribe(req, s.destinationId);
      await this.hooks.beforeAttachment?.(s.submissionId, m[2]!);
      if (this.insteadOf(res, 'attachment', s.submissionId)) return;
      const jwe = s.attachments.get(m[2]!);
      if (jwe === undefined) throw new HttpError(404, 'no such attachment');
      return send(res, 200, jwe, 'application/jose');
    }
    if ((m = path.match(/^\/v1\/cases\/([^/]+)\/events$/))) {
      const caseId = m[1]!;
      const s = [...this.submissions.values()].find((x) => x.caseId === caseId);
      if (!s) throw new HttpError(404, 'no such case');
      this.auth(req);
      if (method === 'GET') {
        if (this.insteadOf(res, 'events', s.submissionId)) return;
        const log = this.caseEvents.get(caseId) ?? [];
        const offset = Number(url.searchParams.get('offset') ?? 0);
        const limit = Math.min(Number(url.searchParams.get('limit') ?? 100), this.options.maxPageSize);
        const page = log.slice(offset, offset + limit);
        return send(res, 200, { count: page.length, offset, totalCount: log.length, eventLog: page });
      }
      if (method === 'POST') {
        this.mustSubscribe(req, s.destinationId);
        if (!(req.headers['content-type'] ?? '').startsWith('application/jose')) throw new HttpError(415, 'events are application/jose');
        const token = (await bodyOf(req)).trim();
        return this.receiveAnswer(res, s, token);
      }
    }
    throw new HttpError(404, `no route ${method} ${path}`);
  }

  /** Answers `call` with the page of hooks.answerInstead, if it has one for it. */
  private insteadOf(res: ServerResponse, call: ZdCall, submissionId?: string): boolean {
    const page = this.hooks.answerInstead?.(call, submissionId);
    if (page) send(res, 200, page.body, page.type);
    return page !== undefined;
  }

  /** Writes a JSON answer in 64 KiB chunks as the subscriber reads them (backpressure), until done or the subscriber hangs up. */
  private async sendChunked(res: ServerResponse, submissionId: string, body: Buffer): Promise<void> {
    res.writeHead(200, { 'content-type': 'application/json' });
    const transfer = { submissionId, written: 0, total: body.length, complete: false };
    this.submissionTransfers.push(transfer);
    for (let at = 0; at < body.length && !res.destroyed; at += 64 * 1024) {
      const chunk = body.subarray(at, at + 64 * 1024);
      const more = res.write(chunk);
      transfer.written += chunk.length;
      if (!more) {
        await new Promise<void>((resolve) => {
          const done = (): void => {
            res.off('drain', done).off('close', done);
            resolve();
          };
          res.on('drain', done).on('close', done);
        });
      }
    }
    if (res.destroyed) return;
    await new Promise<void>((resolve) => res.once('close', resolve).end(() => resolve()));
    transfer.complete = res.writableFinished;
  }

  /** Verifies a subscriber's SET against its registered key and the submission, records it, and moves the state. */
  private async receiveAnswer(res: ServerResponse, s: ZdSubmission, token: string): Promise<void> {
    const d = this.destinations.get(s.destinationId)!;
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, async (header) => {
        const key = header.kid ? d.subscriberKeys.get(header.kid) : undefined;
        if (!key) throw new Error(`unknown kid ${header.kid ?? ''}`);
        return key;
      }, { typ: 'secevent+jwt', algorithms: ['PS512'], issuer: s.destinationId, subject: `submission:${s.submissionId}` }));
    } catch (error) {
      this.refusedAnswers.push(`signature: ${(error as Error).message}`);
      throw new HttpError(422, `SET refused: ${(error as Error).message}`);
    }
    const events = (payload.events ?? {}) as Record<string, Record<string, unknown>>;
    const names = Object.keys(events);
    const event = names.length === 1 && (names[0] === EVENT('accept-submission') ? 'accept-submission' : names[0] === EVENT('reject-submission') ? 'reject-submission' : undefined);
    if (!event || payload.txn !== `case:${s.caseId}` || typeof payload.jti !== 'string' || typeof payload.iat !== 'number') {
      this.refusedAnswers.push('claims');
      throw new HttpError(422, 'SET claims refused');
    }
    if (s.state !== 'submitted') {
      this.refusedAnswers.push(`state ${s.state}`);
      throw new HttpError(409, `submission is ${s.state}`);
    }
    await this.hooks.beforeAnswerRecorded?.(s.submissionId);
    if (s.state !== 'submitted') throw new HttpError(409, `submission is ${s.state}`);
    this.caseEvents.set(s.caseId, [...(this.caseEvents.get(s.caseId) ?? []), token]);
    s.state = event === 'accept-submission' ? 'accepted' : 'rejected';
    this.answers.push({ submissionId: s.submissionId, event, payload: events[EVENT(event)] ?? {}, jti: payload.jti });
    await this.hooks.afterAnswerRecorded?.(s.submissionId);
    send(res, 204);
  }

  /** The destination's new-submissions callback (HMAC-SHA512 over "timestamp.body"), a few tries. */
  private async notify(s: ZdSubmission): Promise<void> {
    const callback = this.destinations.get(s.destinationId)?.callback;
    if (!callback) return;
    const body = JSON.stringify({ type: 'https://schema.fitko.de/fit-connect/submission-api/callbacks/new-submissions', submissions: [{ destinationId: s.destinationId, submissionId: s.submissionId, caseId: s.caseId }] });
    for (let attempt = 0; attempt < 3; attempt++) {
      const timestamp = String(Math.floor(Date.now() / 1000));
      const hmac = createHmac('sha512', callback.secret).update(`${timestamp}.${body}`).digest('hex');
      const ok = await fetch(callback.url, { method: 'POST', headers: { 'content-type': 'application/json', 'callback-authentication': hmac, 'callback-timestamp': timestamp }, body })
        .then((r) => r.ok)
        .catch(() => false);
      if (ok) return;
      await new Promise((r) => setTimeout(r, 200 * (attempt + 1)));
    }
  }
}
