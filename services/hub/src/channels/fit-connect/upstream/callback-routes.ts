import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { z } from 'zod';
import { ErrorCode } from '@weiche/core';
import type { FitConnectUpstream } from '@weiche/config';
import { verifyCallback } from '@weiche/fit-connect';
import { httpProblem } from '../../../gateway/problems.js';
import { zodRoutes } from '../../../gateway/zod-routes.js';
import { NewSubmissionsCallback } from './api-schemas.js';
import type { UpstreamPoller } from './poller.js';

const CallbackParams = z.object({ id: z.string() });

/**
 * `POST /callbacks/fit-connect/{id}`: the Zustelldienst's new-submissions callback for an upstream with a
 * `callbackSecret` (404 otherwise). HMAC-SHA512 over `timestamp + "." + raw body` and the timestamp are
 * checked (401 otherwise); then the pickup starts at once and the answer is 204. The callback's type is never
 * a reason to refuse it; ids it names are picked up first, and the list is polled in any case.
 */
export function callbackRoutes(upstreams: ReadonlyMap<string, { config: FitConnectUpstream; poller: UpstreamPoller }>, log: Logger) {
  return async function plugin(fastify: FastifyInstance): Promise<void> {
    const app = zodRoutes(fastify);
    // the HMAC is over the body as sent: keep it as a string
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: 256 * 1024 }, (_request, body, done) => done(null, body));

    app.post('/callbacks/fit-connect/:id', { schema: { params: CallbackParams } }, async (request, reply) => {
      const upstream = upstreams.get(request.params.id);
      const secret = upstream?.config.callbackSecret;
      if (!upstream || !secret) throw httpProblem(404, ErrorCode.NOT_FOUND, 'no callback for this upstream');
      const body = typeof request.body === 'string' ? request.body : '';
      const verified = verifyCallback({ secret, body, headers: request.headers, maxFutureSeconds: 60 });
      // stale timestamps are refused as well: a replayed callback is as unauthenticated as a forged one
      if (!verified.ok) throw httpProblem(401, ErrorCode.UNAUTHORIZED, `callback refused: ${verified.reason}`);
      let ids: string[] = [];
      try {
        const parsed = NewSubmissionsCallback.safeParse(JSON.parse(body));
        if (parsed.success) ids = [...(parsed.data.submissionIds ?? []), ...(parsed.data.submissions ?? []).map((s) => s.submissionId)];
      } catch {
        // an authenticated callback we cannot read still means "look": poll
      }
      void upstream.poller.trigger([...new Set(ids)]).catch((error: unknown) => log.warn({ upstream: upstream.config.id, err: error }, 'pickup after callback failed'));
      return reply.status(204).send();
    });
  };
}
