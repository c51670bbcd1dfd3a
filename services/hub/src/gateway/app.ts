import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { adminPlugin } from '../admin/admin-plugin.js';
import { dmsConfirmationRoutes } from '../dms-confirmations/confirmation-routes.js';
import type { HubDeps } from '../context.js';
import { readiness } from '../health.js';
import { registerEdgeStringCheck } from './edge-strings.js';
import { registerJsonBodyCheck } from './json-body.js';
import { frameworkErrorHandler, registerProblemHandler } from './problems.js';

/**
 * Builds the HTTP app without listening (tests use app.inject()): the gateway role mounts every
 * channel's routes (FIT-Connect sender API and token endpoint, XTA ports) and the admin API; the
 * admin role alone passes `{ sender: false }`.
 */
export async function buildApp(deps: HubDeps, options: { sender?: boolean; admin?: boolean } = {}): Promise<FastifyInstance> {
  const app = Fastify({
    // pino's Logger is a FastifyBaseLogger; the cast keeps the default instance type for plugins
    loggerInstance: deps.log as FastifyBaseLogger,
    // fastify logs method, url and status per request (ids only in paths); bodies are never logged
    bodyLimit: 1024 * 1024,
    trustProxy: true,
    // on shutdown, end keep-alive connections instead of waiting for clients to close them
    forceCloseConnections: true,
    // undecodable URLs never reach the router: answer them as problems too
    frameworkErrors: frameworkErrorHandler,
  });
  registerProblemHandler(app);
  registerEdgeStringCheck(app);
  registerJsonBodyCheck(app);
  // no route reads text/plain: without fastify's default parser such a body is a 415, not a schema 400
  app.removeContentTypeParser('text/plain');
  if (options.sender !== false) {
    for (const channel of deps.channels.all()) if (channel.routes) await app.register(channel.routes);
  }
  if (options.admin !== false) await app.register(adminPlugin(deps));
  if (options.sender !== false) await app.register(dmsConfirmationRoutes(deps));
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const { ready, checks } = await readiness(deps);
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unready', checks });
  });
  return app;
}
