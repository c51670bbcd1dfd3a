import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { adminPlugin } from '../admin/admin-plugin.js';
import { dmsConfirmationRoutes } from '../dms-confirmations/confirmation-routes.js';
import type { HubDeps } from '../context.js';
import { readiness } from '../readiness.js';
import { registerEdgeStringCheck } from './edge-strings.js';
import { httpMetrics } from './http-metrics.js';
import { registerJsonBodyCheck } from './json-body.js';
import { landingPage } from './landing-page.js';
import { clientErrorProblem, frameworkErrorHandler, registerProblemHandler } from './problems.js';

/**
 * Builds the HTTP app without listening (tests use app.inject()): the gateway role mounts every
 * channel's routes (FIT-Connect sender API and token endpoint, XTA ports) and the admin API; the
 * admin role alone passes `{ sender: false }`.
 */
export async function buildApp(deps: HubDeps, options: { sender?: boolean; admin?: boolean } = {}): Promise<FastifyInstance> {
  const problems = { publicBaseUrl: deps.config.server.publicBaseUrl };
  const app = Fastify({
    // pino's Logger is a FastifyBaseLogger; the cast keeps the default instance type for plugins
    loggerInstance: deps.log as FastifyBaseLogger,
    // the access log is written at debug by httpMetrics (route pattern, status, time); bodies are never logged,
    // and fastify's own request lines are off (LogController: the top-level option is deprecated in fastify 5)
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
    trustProxy: true,
    // on shutdown, end keep-alive connections instead of waiting for clients to close them
    forceCloseConnections: true,
    // undecodable URLs never reach the router: answer them as problems too
    frameworkErrors: frameworkErrorHandler(problems),
    // and what Node's HTTP parser refuses before routing (431 header overflow, malformed request lines)
    clientErrorHandler: clientErrorProblem,
  });
  registerProblemHandler(app, problems);
  // one registry per app: the HTTP histogram here, the hub's metrics added by the admin plugin
  const metrics = new Registry();
  httpMetrics(app, metrics);
  registerEdgeStringCheck(app);
  registerJsonBodyCheck(app);
  // no route reads text/plain: without fastify's default parser such a body is a 415, not a schema 400
  app.removeContentTypeParser('text/plain');
  if (options.sender !== false) {
    for (const channel of deps.channels.all()) if (channel.routes) await app.register(channel.routes);
  }
  if (options.admin !== false) await app.register(adminPlugin(deps, { registry: metrics }));
  if (options.sender !== false) await app.register(dmsConfirmationRoutes(deps));
  await app.register(landingPage({ sender: options.sender !== false, admin: options.admin !== false }));
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const { ready, checks } = await readiness(deps);
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unready', checks });
  });
  return app;
}
