import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { metricsRoute } from './admin/metrics-route.js';
import { registerProcessMetrics } from './admin/process-metrics.js';
import type { HubDeps } from './context.js';
import { readiness } from './readiness.js';
import { frameworkErrorHandler, registerProblemHandler } from './gateway/problems.js';

/**
 * The health endpoints of a process whose roles serve no HTTP (processor, dispatcher), for the
 * orchestrator's probes: `/healthz` (liveness) fails when a queue worker of this process stopped
 * running, `/readyz` (readiness) when a backing service does not answer or the process is draining —
 * and `/metrics` for Prometheus with this process's own metrics only (registerProcessMetrics: crypto pool,
 * Node runtime, readiness), behind `admin.metricsToken` like the gateway's. The journal and queue metrics
 * describe the whole hub and are the admin side's: a replica serving them too would count them again.
 */
export async function startHealthListener(
  deps: Pick<HubDeps, 'journal' | 'blobs' | 'redis' | 'log' | 'config'>,
  options: { host: string; port: number; workersRunning: () => boolean; draining: () => boolean },
): Promise<{ app: FastifyInstance; url: string }> {
  const app = Fastify({ loggerInstance: deps.log as FastifyBaseLogger, logController: new LogController({ disableRequestLogging: true }), forceCloseConnections: true, frameworkErrors: frameworkErrorHandler() });
  // probes are HTTP too: errors and unknown paths answer as problems like every other listener
  registerProblemHandler(app);
  app.get('/healthz', async (_request, reply) => {
    const alive = options.workersRunning();
    return reply.status(alive ? 200 : 503).send({ status: alive ? 'ok' : 'workers stopped' });
  });
  app.get('/readyz', async (_request, reply) => {
    if (options.draining()) return reply.status(503).send({ status: 'draining' });
    const { ready, checks } = await readiness(deps);
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unready', checks });
  });
  const metrics = new Registry();
  registerProcessMetrics(metrics, deps);
  metricsRoute(app, deps.config, { scrape: () => metrics.metrics(), contentType: metrics.contentType });
  const url = await app.listen({ host: options.host, port: options.port });
  return { app, url };
}
