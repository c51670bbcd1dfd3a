import type { FastifyInstance } from 'fastify';
import { EDGE_STRING_MAX, findUnstorableString, unstorableInput } from '@weiche/core';

/**
 * The HTTP edge of the one storable-string check (`findUnstorableString` in @weiche/core): path
 * parameters, query values and parsed JSON/form bodies of every route (FIT-Connect, token, admin API,
 * DMS confirmations) are refused with a 400 problem before a handler can pass a NUL or an unpaired
 * surrogate to PostgreSQL. Raw bodies (streams, buffers: JWE uploads, SOAP) are the channel's to read.
 */
export function registerEdgeStringCheck(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    const fault =
      findUnstorableString(request.params, 'path', EDGE_STRING_MAX) ??
      findUnstorableString(request.query, 'query', EDGE_STRING_MAX) ??
      (isParsedBody(request.body) ? findUnstorableString(request.body, 'body') : undefined);
    if (fault) throw unstorableInput(fault);
  });
}

function isParsedBody(body: unknown): boolean {
  return typeof body === 'string' || (typeof body === 'object' && body !== null && !Buffer.isBuffer(body) && typeof (body as { pipe?: unknown }).pipe !== 'function');
}
