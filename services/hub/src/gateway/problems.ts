import type { FastifyError, FastifyInstance } from 'fastify';
import { ErrorCode, isWeicheError, WeicheError, type Problem } from '@weiche/core';

const PROBLEM_TYPE_BASE = 'urn:weiche:problem:';

/** Throws an RFC 7807 problem from a route handler. */
export function httpProblem(status: number, code: ErrorCode, detail: string): WeicheError {
  return new WeicheError(code, detail, { status, retryable: status >= 500 });
}

function slug(code: string): string {
  return code.replace(/^WEICHE_ERR_/, '').toLowerCase().replace(/_/g, '-');
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
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

/** Answers every error as application/problem+json; never echoes request content. */
export function registerProblemHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | WeicheError, request, reply) => {
    let status: number;
    let code: string;
    let detail: string;
    if (isWeicheError(error)) {
      status = error.status;
      code = error.code;
      detail = error.message;
    } else if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      status = 413;
      code = ErrorCode.PAYLOAD_TOO_LARGE;
      detail = 'request body exceeds the configured limit';
    } else if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      status = 415;
      code = ErrorCode.UNSUPPORTED_MEDIA_TYPE;
      detail = `unsupported content type ${request.headers['content-type'] ?? '(none)'}`;
    } else if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      status = error.statusCode;
      code = ErrorCode.BAD_REQUEST;
      // fastify's own client errors (malformed JSON, empty body) describe the syntax only
      detail = error.message;
    } else if (looksLikeStorageFailure(error)) {
      status = 503;
      code = ErrorCode.STORAGE_UNAVAILABLE;
      detail = 'storage is unavailable; nothing was accepted, try again later';
    } else {
      status = 500;
      code = ErrorCode.INTERNAL;
      detail = 'internal error';
    }
    if (status >= 500) request.log.error({ err: error, code }, 'request failed');
    else request.log.info({ code, status }, 'request refused');
    const problem: Problem = { type: PROBLEM_TYPE_BASE + slug(code), title: TITLES[status] ?? 'Error', status, detail, instance: request.url };
    if (status === 503) void reply.header('retry-after', '5');
    // a refused upload may leave body bytes unread on the socket: close it rather than reuse it
    if (status === 413) void reply.header('connection', 'close');
    void reply.status(status).type('application/problem+json').send(problem);
  });
  app.setNotFoundHandler((request, reply) => {
    void reply
      .status(404)
      .type('application/problem+json')
      .send({ type: PROBLEM_TYPE_BASE + 'not-found', title: 'Not Found', status: 404, detail: 'no such resource', instance: request.url });
  });
}
