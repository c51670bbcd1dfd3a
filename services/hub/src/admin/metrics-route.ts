import type { FastifyInstance } from 'fastify';
import { constantTimeEqual, ErrorCode } from '@weiche/core';
import type { HubDeps } from '../context.js';
import { bearerToken } from '../gateway/authorization-header.js';
import { httpProblem } from '../gateway/problems.js';
import { resolveSecret } from './authenticate.js';

/** What GET /metrics answers: Prometheus text exposition. */
export interface MetricsSource {
  scrape(): Promise<string>;
  readonly contentType: string;
}

/**
 * Serves GET /metrics (hidden from the OpenAPI document), behind `admin.metricsToken` as a bearer token when
 * one is set — the same on the gateway and on a worker-only process's health listener, so one scrape config
 * with one credential reaches every process.
 */
export function metricsRoute(app: FastifyInstance, config: HubDeps['config'], metrics: MetricsSource): void {
  const token = config.admin.metricsToken === undefined ? undefined : resolveSecret(config.admin.metricsToken);
  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    if (token && !constantTimeEqual(bearerToken(request.headers.authorization) ?? '', token.reveal())) throw httpProblem(401, ErrorCode.UNAUTHORIZED, 'the metrics token is required');
    const text = await metrics.scrape();
    return reply.type(metrics.contentType).send(text);
  });
}
