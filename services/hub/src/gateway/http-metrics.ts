import type { FastifyInstance } from 'fastify';
import { Histogram, type Registry } from 'prom-client';

/** Label of requests that matched no route: their raw URLs would make one series per scanned path. */
const UNMATCHED = '(unmatched)';

/**
 * Times every HTTP request into `weiche_http_request_duration_seconds{method,route,status}` — the route
 * pattern (`/v1/submissions/:submissionId`), never the raw URL, so ids make no new series — and writes
 * the access log line at debug (method, route pattern, status, time; no query string, no body).
 * Add it to the root app before the routes are registered.
 */
export function httpMetrics(app: FastifyInstance, registry: Registry): void {
  const duration = new Histogram({
    name: 'weiche_http_request_duration_seconds',
    help: 'HTTP request duration by method, route pattern and status code',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 120],
    registers: [registry],
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? UNMATCHED;
    const seconds = reply.elapsedTime / 1000;
    duration.observe({ method: request.method, route, status: String(reply.statusCode) }, seconds);
    request.log.debug({ method: request.method, route, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'http request');
  });
}
