import type { FastifyInstance } from 'fastify';
import { ErrorCode } from '@weiche/core';
import { httpProblem } from './problems.js';

const JSON_MEDIA = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/**
 * Routes that declare a body schema read JSON: a body of another media type is 415 Unsupported Media
 * Type (RFC 9110 §15.5.16), even where a sibling route of the plugin has a parser for it (the sender
 * API streams `application/jose` attachments) — not a 400 from the schema finding no fields.
 */
export function registerJsonBodyCheck(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    if (!request.routeOptions.schema?.body || request.body === undefined) return;
    const type = request.headers['content-type'] ?? '';
    if (!JSON_MEDIA.test(type)) throw httpProblem(415, ErrorCode.UNSUPPORTED_MEDIA_TYPE, 'this resource takes application/json');
  });
}
