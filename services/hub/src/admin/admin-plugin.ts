import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import type { Registry } from 'prom-client';
import { ErrorCode } from '@weiche/core';
import { JournalQueries } from '@weiche/journal';
import type { HubDeps } from '../context.js';
import { httpProblem } from '../gateway/problems.js';
import { zodRoutes } from '../gateway/zod-routes.js';
import { HUB_PRODUCT } from '../version.js';
import { actionRoutes } from './action-routes.js';
import { auditRoutes } from './audit-routes.js';
import { auditTrailRoutes } from './audit-trail-routes.js';
import { AdminAuthenticator } from './authenticate.js';
import { bulkRoutes } from './bulk-routes.js';
import { callbackRoutes } from './callback-routes.js';
import { KeyExpiryWatch } from '../key-expiry.js';
import { keyExpiryRoutes, registerKeyExpiryMetric } from './key-expiry-routes.js';
import { consolePlugin } from './console/console-plugin.js';
import { delegationRoutes } from './delegation-routes.js';
import { evidenceRoutes } from './evidence-routes.js';
import { exportRoutes } from './export-routes.js';
import { HubMetrics } from './hub-metrics.js';
import { metricsRoute } from './metrics-route.js';
import { ozgProgressRoutes } from './ozg-progress-routes.js';
import type { Principal } from './principal.js';
import { readRoutes } from './read-routes.js';
import { signInRoutes } from './sign-in-routes.js';
import { upstreamRoutes } from './upstream-routes.js';

/** Path prefix of the admin API. */
export const ADMIN_PREFIX = '/admin/api/v1';

export interface AdminPluginOptions {
  /** Serve GET /metrics (default true). */
  readonly metrics?: boolean;
  /** Registry /metrics serves, holding what the app measures itself (HTTP durations); default: a new one. */
  readonly registry?: Registry;
}

/**
 * The operator admin API (`/admin/api/v1/…`), its OpenAPI document and UI (`/docs`, assets served
 * locally by @fastify/swagger-ui) and Prometheus metrics (`/metrics`). Dependencies are passed in.
 */
export function adminPlugin(deps: HubDeps, options: AdminPluginOptions = {}) {
  return async function plugin(app: FastifyInstance): Promise<void> {
    const authenticator = new AdminAuthenticator(deps.config.admin);
    const queries = new JournalQueries({ pool: deps.pool, schema: deps.config.database.schema });
    const principals = new WeakMap<object, Principal>();
    const keyExpiry = new KeyExpiryWatch(deps.config);
    const who = (request: unknown): Principal => {
      const principal = principals.get(request as object);
      if (!principal) throw httpProblem(401, ErrorCode.UNAUTHORIZED, 'not authenticated');
      return principal;
    };

    zodRoutes(app);
    await app.register(swagger, {
      // the route schemas are zod: the provider turns them into the document's JSON schemas
      transform: jsonSchemaTransform,
      openapi: {
        openapi: '3.0.3',
        info: { title: 'Weiche admin API', version: HUB_PRODUCT.version, description: 'Operator API of the Weiche integration hub. Bearer tokens: static API tokens or OIDC JWTs.' },
        components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      },
    });
    await app.register(swaggerUi, { routePrefix: '/docs' });
    await app.register(consolePlugin(deps, authenticator));

    await app.register(signInRoutes(deps), { prefix: ADMIN_PREFIX });
    await app.register(async (api) => {
      api.addHook('onRequest', async (request: FastifyRequest) => {
        principals.set(request, await authenticator.authenticate(request.headers.authorization));
      });
      await api.register(readRoutes(deps, queries, who));
      await api.register(actionRoutes(deps, queries, who));
      await api.register(bulkRoutes(deps, queries, who));
      await api.register(exportRoutes(deps, queries, who));
      await api.register(auditTrailRoutes(deps, who));
      await api.register(auditRoutes(deps, who));
      await api.register(upstreamRoutes(deps, who));
      await api.register(delegationRoutes(deps, who));
      await api.register(ozgProgressRoutes(deps, who));
      await api.register(callbackRoutes(deps, who));
      await api.register(keyExpiryRoutes(keyExpiry, who));
      await api.register(evidenceRoutes(deps, who));
    }, { prefix: ADMIN_PREFIX });

    if (options.metrics !== false) {
      const metrics = new HubMetrics(deps, queries, options.registry);
      registerKeyExpiryMetric(metrics.registry, keyExpiry);
      // a journal that is down at start only delays the baseline to the first scrape
      await metrics.start().catch((error: unknown) => deps.log.warn({ err: error }, 'metrics start deferred'));
      metricsRoute(app, deps.config, metrics);
    }
  };
}
