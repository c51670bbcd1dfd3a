import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { FitConnectUpstream } from '@weiche/config';
import type { z } from 'zod';
import { describeTransportError } from '../../../transport-error.js';
import { payloadTooLarge, readBounded } from './bounded-body.js';
import { issuesOf, parseAnswer, parseJson, SubmissionOffApi, UpstreamAnswerError } from './answer-shape.js';
import { EventLogPage, SubmissionForPickup, SubmissionIdentity, SubmissionsForPickup, TokenResponse, UpstreamSubmission, type UnreadableListEntry } from './api-schemas.js';

/** A call that reached no answer (refused, DNS, TLS certificate): what it was and why, for the poll's error. */
export class UpstreamTransportError extends Error {
  override readonly name = 'UpstreamTransportError';
  constructor(what: string, cause: Error) {
    super(`${what}: ${describeTransportError(cause)}`, { cause });
  }
}

/** fetch, its "fetch failed" named by its cause; a timeout or abort passes as it is. */
async function send(url: string, init: RequestInit, what: string): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (error) {
    if (error instanceof TypeError) throw new UpstreamTransportError(what, error);
    throw error;
  }
}

/** A refused or failed call to the upstream (status and path only: never a body that could hold personal data). */
export class UpstreamHttpError extends Error {
  override readonly name = 'UpstreamHttpError';
  constructor(
    readonly status: number,
    what: string,
  ) {
    super(`${what} → HTTP ${status}`);
  }
}

const PAGE = 100;
/**
 * A redirect is an answer like any other that is not 2xx (UpstreamHttpError with its 3xx), never followed: fetch
 * would send the token request's body — the client secret — on to wherever a 307 points, and take the hub to
 * any address (an internal one) the upstream names. The configured URLs are the upstream's.
 */
const NO_REDIRECTS = 'manual';
/** How long a call may wait for an answer; for the body of a submission or an attachment, how long it may go without a byte. */
const TIMEOUT_MS = 30_000;
/**
 * The average rate a submission's or an attachment's body must keep after its first TIMEOUT_MS: 64 KiB/s brings
 * FIT-Connect's largest attachment (500 MB) in ~2 h on the slowest link still served, while an upstream trickling a
 * byte just before each idle timeout no longer holds its pass (and the submissions behind it) for days.
 */
const MIN_BYTES_PER_SECOND = 64 * 1024;

/**
 * Aborts a download when nothing arrives for `ms` (before the answer's head, and between chunks of its body), or when,
 * after `ms`, it has come slower than `minBytesPerSecond` on average. A total deadline would cut off a 500 MB
 * attachment on any link slower than ~20 MB/s — on every poll again, each time after downloading what fit into it.
 */
class TransferTimeout {
  private readonly controller = new AbortController();
  private readonly started = Date.now();
  private received = 0;
  private timer: NodeJS.Timeout;
  readonly signal = this.controller.signal;

  constructor(
    private readonly ms: number,
    private readonly minBytesPerSecond: number,
  ) {
    this.timer = this.arm();
  }

  private arm(): NodeJS.Timeout {
    return setTimeout(() => this.controller.abort(new DOMException(`no data for ${this.ms} ms`, 'TimeoutError')), this.ms).unref();
  }

  /** Counts a chunk of the body: re-arms the idle timer, or aborts a transfer below the minimum rate. */
  touch(bytes: number): void {
    clearTimeout(this.timer);
    this.received += bytes;
    const elapsedMs = Date.now() - this.started;
    if (elapsedMs > this.ms && this.received < (elapsedMs / 1000) * this.minBytesPerSecond) {
      this.controller.abort(new DOMException(`slower than ${this.minBytesPerSecond} bytes/s on average`, 'TimeoutError'));
      return;
    }
    this.timer = this.arm();
  }

  clear(): void {
    clearTimeout(this.timer);
  }

  /** `body` with each chunk counted; the timer cleared when it ends. */
  watch(body: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
    return body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform: (chunk, controller) => {
          this.touch(chunk.byteLength);
          controller.enqueue(chunk);
        },
        flush: () => this.clear(),
      }),
    );
  }
}
/**
 * What one case's event log may hold in all its pages together (SETs of 1–2 KB: thousands of events). The pages
 * follow `totalCount`, which the Zustelldienst names: without a bound, one answering ever more pages would grow
 * the list until the hub runs out of memory.
 */
export const MAX_EVENT_LOG_BYTES = 4 * 1024 * 1024;
/** A token answer is a few KB (a JWT and its lifetime); one without end would be read into memory until the timeout. */
const MAX_TOKEN_RESPONSE_BYTES = 64 * 1024;
/** What each SET counts beyond its characters, so a log of empty strings is bounded as well. */
const EVENT_ENTRY_BYTES = 16;
/**
 * Entries of the pickup list one pass reads at most. The pages follow the Zustelldienst's `totalCount`: one listing
 * ever more entries (or the same ones over and over) would hold a pass, and what it lists, without end. What lies
 * beyond is read by the next pass, once the first entries are answered and gone from the list.
 */
export const MAX_PICKUP_LIST_ENTRIES = 10_000;

/**
 * The receiver side of a FIT-Connect Submission API (OpenAPI 1.1.3) for one destination: OAuth2 client
 * credentials with scope `subscribe:destination:<id>` (renewed before expiry, and once more when the
 * upstream answers 401), the pickup list page by page, submissions, attachments, event log, and events.
 */
export class SubmissionApiClient {
  private token: { value: string; renewAt: number } | undefined;
  private fetching: Promise<string> | undefined;
  private readonly base: string;

  constructor(
    private readonly upstream: Pick<FitConnectUpstream, 'submissionApiUrl' | 'tokenUrl' | 'clientId' | 'clientSecret' | 'destinationId'>,
    private readonly timeoutMs = TIMEOUT_MS,
    private readonly minBytesPerSecond = MIN_BYTES_PER_SECOND,
  ) {
    this.base = upstream.submissionApiUrl.replace(/\/$/, '');
  }

  private async fetchToken(): Promise<string> {
    const response = await send(this.upstream.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: this.upstream.clientId,
        client_secret: this.upstream.clientSecret.reveal(),
        scope: `subscribe:destination:${this.upstream.destinationId}`,
      }),
      signal: AbortSignal.timeout(this.timeoutMs),
      redirect: NO_REDIRECTS,
    }, 'token request');
    if (!response.ok) throw new UpstreamHttpError(response.status, 'token request');
    const body = (await readBounded(response, MAX_TOKEN_RESPONSE_BYTES, 'token request')).toString('utf8');
    const token = parseAnswer(TokenResponse, parseJson(body, 'token request'), 'token request');
    const lifetimeMs = (token.expires_in ?? 300) * 1000;
    // renewed ahead of expiry: a quarter of its lifetime early, at most 60 s
    this.token = { value: token.access_token, renewAt: Date.now() + lifetimeMs - Math.min(60_000, lifetimeMs / 4) };
    return token.access_token;
  }

  private async accessToken(): Promise<string> {
    if (this.token && Date.now() < this.token.renewAt) return this.token.value;
    // one token request at a time, however many calls need one
    this.fetching ??= this.fetchToken().finally(() => (this.fetching = undefined));
    return this.fetching;
  }

  private async call(method: string, path: string, init: { body?: string; contentType?: string; accept?: string; signal?: AbortSignal } = {}): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      const token = await this.accessToken();
      const response = await send(`${this.base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: init.accept ?? 'application/json',
          ...(init.contentType ? { 'content-type': init.contentType } : {}),
        },
        ...(init.body !== undefined ? { body: init.body } : {}),
        signal: init.signal ?? AbortSignal.timeout(this.timeoutMs),
        redirect: NO_REDIRECTS,
      }, `${method} ${path.split('?')[0] ?? ''}`);
      // a token the upstream no longer takes (expired early, revoked): one fresh token, one retry
      if (response.status === 401 && attempt === 0) {
        await response.body?.cancel();
        this.token = undefined;
        continue;
      }
      return response;
    }
  }

  /**
   * GETs `path` as JSON, read up to `maxBytes` (UpstreamAnswerError for what is none). Without `transfer`, the call's
   * one deadline bounds the whole answer; with it, the answer's idle time and rate do (a body of tens of MB).
   */
  private async jsonOf(path: string, what: string, maxBytes = 4 * 1024 * 1024, transfer?: TransferTimeout): Promise<unknown> {
    const response = await this.call('GET', path, transfer ? { signal: transfer.signal } : {});
    if (!response.ok || !response.body) {
      await response.body?.cancel();
      throw new UpstreamHttpError(response.status, what);
    }
    // what the limits refuse is not read into memory first, declared or not (chunked)
    const body = await readBounded(transfer ? new Response(transfer.watch(response.body), { headers: response.headers }) : response, maxBytes, what);
    return parseJson(body.toString('utf8'), what);
  }

  /** GETs `path` as JSON of `schema` (UpstreamAnswerError for JSON of another shape). */
  private async json<T extends z.ZodType>(schema: T, path: string, what: string, maxBytes?: number): Promise<z.infer<T>> {
    return parseAnswer(schema, await this.jsonOf(path, what, maxBytes), what);
  }

  /**
   * Every submission ready for pickup, page by page: `offset +=` the entries a page carries until `offset ≥ totalCount` (a page
   * shorter than the limit is not the end; an empty page is, whatever totalCount says) — at most
   * MAX_PICKUP_LIST_ENTRIES of them (a caller that got that many has not read the list to its end). An entry not of
   * the API's shape comes as UnreadableListEntry, in its place: the others are read on.
   */
  async *readyForPickup(): AsyncGenerator<SubmissionForPickup | UnreadableListEntry> {
    let offset = 0;
    let entries = 0;
    for (;;) {
      const query = new URLSearchParams({ destinationId: this.upstream.destinationId, offset: String(offset), limit: String(PAGE) });
      const page = await this.json(SubmissionsForPickup, `/v1/submissions?${query.toString()}`, 'list submissions');
      for (const entry of page.submissions) {
        if (entries++ >= MAX_PICKUP_LIST_ENTRIES) return;
        const read = SubmissionForPickup.safeParse(entry);
        yield read.success ? read.data : { unreadable: issuesOf(read.error, 'entry') };
      }
      // by what the page carries, not the count it claims: a claim above it would skip entries, and a page of none
      // that claims some would page on by its count towards whatever totalCount says, request after request
      offset += page.submissions.length;
      if (page.submissions.length === 0 || page.totalCount === undefined || offset >= page.totalCount) return;
    }
  }

  /**
   * One submission with its encrypted metadata and data (`maxBytes`: what the hub's limits allow for both). Tens of MB
   * at the default limits: bound by the transfer's idle time and rate, not by one deadline for the whole answer.
   * An answer that does not name itself this submission (`submissionId`, `caseId`) is none — a proxy's page, another
   * submission's answer: UpstreamAnswerError, tried again. One that does, with other fields outside the API, is
   * SubmissionOffApi (the sender's content).
   */
  async submission(submissionId: string, maxBytes: number): Promise<UpstreamSubmission> {
    const transfer = new TransferTimeout(this.timeoutMs, this.minBytesPerSecond);
    let answer: unknown;
    try {
      answer = await this.jsonOf(`/v1/submissions/${encodeURIComponent(submissionId)}`, 'get submission', maxBytes, transfer);
    } finally {
      transfer.clear();
    }
    const named = SubmissionIdentity.safeParse(answer);
    if (!named.success) throw new UpstreamAnswerError('get submission', issuesOf(named.error));
    if (named.data.submissionId !== submissionId.toLowerCase()) throw new UpstreamAnswerError('get submission', 'the answer names another submission');
    const read = UpstreamSubmission.safeParse(answer);
    if (!read.success) throw new SubmissionOffApi(named.data.caseId, issuesOf(read.error));
    return read.data;
  }

  /** One attachment's JWE (`application/jose`) as a stream, for the blob store (which stops at `maxBytes`; a declared length over it is refused unread). */
  async attachment(submissionId: string, attachmentId: string, maxBytes: number): Promise<Readable> {
    const transfer = new TransferTimeout(this.timeoutMs, this.minBytesPerSecond);
    const response = await this.call('GET', `/v1/submissions/${encodeURIComponent(submissionId)}/attachments/${encodeURIComponent(attachmentId)}`, { accept: 'application/jose', signal: transfer.signal }).catch((error: unknown) => {
      transfer.clear();
      throw error;
    });
    if (!response.ok || !response.body) {
      transfer.clear();
      await response.body?.cancel();
      throw new UpstreamHttpError(response.status, 'get attachment');
    }
    // a proxy's page in its place would be stored as the attachment and fail the event log's tags: the submission
    // rejected for good for what is no fault of the sender's
    const type = response.headers.get('content-type') ?? '';
    if (!/^application\/jose\s*(;|$)/i.test(type)) {
      transfer.clear();
      await response.body.cancel();
      throw new UpstreamAnswerError('get attachment', `content type ${type.split(';')[0]?.trim() || 'none'} instead of application/jose`);
    }
    if (Number(response.headers.get('content-length') ?? 0) > maxBytes) {
      transfer.clear();
      await response.body.cancel();
      throw payloadTooLarge('get attachment', maxBytes);
    }
    const body = Readable.fromWeb(transfer.watch(response.body) as WebReadableStream<Uint8Array>);
    body.once('close', () => transfer.clear());
    return body;
  }

  /** The whole event log of a case (all pages), at most MAX_EVENT_LOG_BYTES (PAYLOAD_TOO_LARGE beyond). */
  async events(caseId: string): Promise<string[]> {
    const tokens: string[] = [];
    let held = 0;
    for (;;) {
      const query = new URLSearchParams({ offset: String(tokens.length), limit: String(PAGE) });
      // each page is read within what is left of the bound (a page is never smaller than the SETs it carries)
      const page = await this.json(EventLogPage, `/v1/cases/${encodeURIComponent(caseId)}/events?${query.toString()}`, 'get event log', MAX_EVENT_LOG_BYTES - held);
      for (const token of page.eventLog) held += token.length + EVENT_ENTRY_BYTES;
      if (held > MAX_EVENT_LOG_BYTES) throw payloadTooLarge('get event log', MAX_EVENT_LOG_BYTES);
      tokens.push(...page.eventLog);
      if (page.eventLog.length === 0 || page.totalCount === undefined || tokens.length >= page.totalCount) return tokens;
    }
  }

  /** Posts one signed SET to the case's event log; returns the status (2xx, or 409 when the submission is already answered). */
  async postEvent(caseId: string, token: string): Promise<number> {
    const response = await this.call('POST', `/v1/cases/${encodeURIComponent(caseId)}/events`, { body: token, contentType: 'application/jose' });
    await response.body?.cancel();
    if (!response.ok && response.status !== 409) throw new UpstreamHttpError(response.status, 'post event');
    return response.status;
  }
}
