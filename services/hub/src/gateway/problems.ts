import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCode, isWeicheError, WeicheError, type Problem } from '@weiche/core';
import { bearerToken } from './authorization-header.js';

const PROBLEM_TYPE_BASE = 'urn:weiche:problem:';

/** Throws an RFC 7807 problem from a route handler. */
export function httpProblem(status: number, code: ErrorCode, detail: string): WeicheError {
  return new WeicheError(code, detail, { status, retryable: status >= 500 });
}

/** A 403 for a valid bearer token that lacks the scope the request needs: RFC 6750 §3.1 `insufficient_scope`. */
class InsufficientScope extends WeicheError {
  constructor(
    readonly scope: string | undefined,
    detail: string,
  ) {
    super(ErrorCode.FORBIDDEN, detail, { status: 403 });
  }
}

/** Throws the 403 of a token without `scope` (undefined when no one scope would do); its WWW-Authenticate says so. */
export function insufficientScope(scope: string | undefined, detail: string): WeicheError {
  return new InsufficientScope(scope, detail);
}

/**
 * RFC 6750 §3: a 401 names the Bearer scheme (the APIs here take bearer tokens only) and, when a token was presented,
 * `invalid_token` (§3.1; none without a token); a 403 for a missing scope says `insufficient_scope` and which scope.
 */
function bearerChallenge(request: FastifyRequest, status: number, error: unknown): string | undefined {
  if (status === 401) return bearerToken(request.headers.authorization) === undefined ? 'Bearer' : 'Bearer error="invalid_token"';
  if (error instanceof InsufficientScope) return `Bearer error="insufficient_scope"${error.scope === undefined ? '' : `, scope="${error.scope}"`}`;
  return undefined;
}

function slug(code: string): string {
  return code.replace(/^WEICHE_ERR_/, '').toLowerCase().replace(/_/g, '-');
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

// Errors of the storage clients (pg, ioredis, fs) carry string codes like ECONNREFUSED or 57P01:
// the request may succeed later, so senders get 503 and retry — never a 2xx for unstored data.
function looksLikeStorageFailure(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && !code.startsWith('FST_');
}

/**
 * fastify's `request.protocol` reads the request's socket, which Node detaches once a body stream is destroyed (an upload
 * refused mid-body): the instance then began `undefined://`. The response's socket is the same connection.
 */
function protocolOf(request: FastifyRequest, reply: FastifyReply): string {
  return request.protocol ?? ((reply.raw.socket as TLSSocket | null)?.encrypted ? 'https' : 'http');
}

/**
 * Node's error for a request whose client closed the connection before the body's end (`aborted`, ECONNRESET): a string
 * code as a storage driver's, but the client's doing — it was logged as an error and counted as a 503 storage outage.
 */
function clientBrokeOff(error: unknown, request: FastifyRequest): boolean {
  return (error as { code?: unknown }).code === 'ECONNRESET' && (error as { message?: unknown }).message === 'aborted' && request.raw.aborted;
}

/** How problems name the request in `instance`. */
export interface ProblemOptions {
  /** `server.publicBaseUrl`: where clients reach the hub; without it the request's Host, when it is a plain host name. */
  readonly publicBaseUrl?: string | undefined;
}

// a host name, IPv4 or bracketed IPv6 address with an optional port: anything else in Host (or X-Forwarded-Host, which
// trustProxy reads) is the client's text, never put into a URL the hub answers with
const PLAIN_HOST = /^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/** The request target's path alone: an absolute-form target (RFC 9112 §3.2.2, `GET http://other/x`) names a host of the client's choosing. */
function pathOf(url: string): string {
  try {
    return new URL(url, 'http://localhost').pathname;
  } catch {
    return '/';
  }
}

/**
 * `instance` is `format: uri` in the FIT-Connect OpenAPI (Error): the request's own URL made absolute, without its query —
 * on the configured public base URL where there is one (the hub may sit behind a proxy that rewrites Host).
 */
function instanceOf(request: FastifyRequest, reply: FastifyReply, options: ProblemOptions): string {
  const path = pathOf(request.url);
  if (options.publicBaseUrl) return `${options.publicBaseUrl.replace(/\/+$/, '')}${path}`;
  const protocol = protocolOf(request, reply) === 'https' ? 'https' : 'http';
  return `${protocol}://${PLAIN_HOST.test(request.host) ? request.host : 'localhost'}${path}`;
}

/** Sends one problem document; the single place that writes application/problem+json. */
function sendProblem(request: FastifyRequest, reply: FastifyReply, options: ProblemOptions, status: number, code: string, detail: string, error?: unknown): FastifyReply {
  const instance = instanceOf(request, reply, options);
  const problem: Problem = { type: PROBLEM_TYPE_BASE + slug(code), title: TITLES[status] ?? 'Error', status, detail, instance };
  if (status === 503) void reply.header('retry-after', '5');
  const challenge = bearerChallenge(request, status, error);
  if (challenge) void reply.header('www-authenticate', challenge);
  // a refused upload may leave body bytes unread on the socket: close it rather than reuse it
  if (status === 413) void reply.header('connection', 'close');
  return reply.status(status).type('application/problem+json').send(problem);
}

/** What the client is told about an error: its own mistakes in full, the hub's only as a fixed text (and an id in the log). */
function classify(error: FastifyError | WeicheError, request: FastifyRequest): { status: number; code: string; detail: string } {
  if (isWeicheError(error) && error.status < 500) return { status: error.status, code: error.code, detail: error.message };
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return { status: 413, code: ErrorCode.PAYLOAD_TOO_LARGE, detail: 'request body exceeds the configured limit' };
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return { status: 415, code: ErrorCode.UNSUPPORTED_MEDIA_TYPE, detail: `unsupported content type ${String(request.headers['content-type'] ?? '(none)').slice(0, 100)}` };
  }
  if (!isWeicheError(error) && error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    // fastify's own client errors (malformed JSON, empty body, bad URL) describe the syntax only
    return { status: error.statusCode, code: ErrorCode.BAD_REQUEST, detail: error.message };
  }
  if (clientBrokeOff(error, request)) return { status: 400, code: ErrorCode.BAD_REQUEST, detail: 'the request body broke off before its end' };
  if ((isWeicheError(error) && error.code === ErrorCode.STORAGE_UNAVAILABLE) || (!isWeicheError(error) && looksLikeStorageFailure(error))) {
    // never the driver's text (host, port, SQLSTATE): what the sender can do is all it needs
    return { status: 503, code: ErrorCode.STORAGE_UNAVAILABLE, detail: 'storage is unavailable; nothing was accepted, try again later' };
  }
  return { status: 500, code: ErrorCode.INTERNAL, detail: 'internal error' };
}

/**
 * Answers every error as application/problem+json, including fastify's own (bad URL encoding via
 * `frameworkErrorHandler`, body parsing, 404); never echoes request content, and a 5xx never carries
 * internal text: "internal error" with an id that names the log line holding the cause.
 */
export function registerProblemHandler(app: FastifyInstance, options: ProblemOptions = {}): void {
  app.setErrorHandler((error: FastifyError | WeicheError, request, reply) => {
    const { status, code, detail } = classify(error, request);
    if (status >= 500) {
      const errorId = randomUUID();
      request.log.error({ err: error, code, errorId }, 'request failed');
      return sendProblem(request, reply, options, status, code, status === 500 ? `${detail} (id ${errorId})` : detail);
    }
    request.log.info({ code, status }, 'request refused');
    return sendProblem(request, reply, options, status, code, detail, error);
  });
  app.setNotFoundHandler((request, reply) => sendProblem(request, reply, options, 404, ErrorCode.NOT_FOUND, 'no such resource'));
}

/** fastify's `frameworkErrors` option: a URL that cannot be decoded (`%C0%AF`, `%FF%FE`) is a 400 problem too. */
export function frameworkErrorHandler(options: ProblemOptions = {}) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
    request.log.info({ code: error.code }, 'request refused by the router');
    void sendProblem(request, reply, options, 400, ErrorCode.BAD_REQUEST, error.code === 'FST_ERR_BAD_URL' ? 'the URL is not valid percent-encoded UTF-8' : 'the request could not be routed');
  };
}

/**
 * fastify's `clientErrorHandler`: what Node's HTTP parser refuses before any route runs (header block over
 * the limit: 431; a request line or headers that do not parse: 400; a request too slow: 408) is answered as
 * application/problem+json too (fastify's default writes plain JSON), then the socket is closed — its
 * framing is unknown.
 */
export function clientErrorProblem(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, title, detail] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request Header Fields Too Large', 'the request headers exceed the limit']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout', 'the request was not received in time']
        : [400, 'Bad Request', 'the request is not valid HTTP/1.1'];
  const body = JSON.stringify({ type: PROBLEM_TYPE_BASE + (status === 431 ? 'header-too-large' : status === 408 ? 'request-timeout' : 'bad-request'), title, status, detail });
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${title}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy();
}
