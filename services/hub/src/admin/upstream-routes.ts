import type { FastifyInstance } from 'fastify';
import type { HubDeps } from '../context.js';
import { upstreamStatuses } from '../upstreams/status.js';
import { seesTenant, type Principal } from './principal.js';
import { routeSchema } from './route-schema.js';
import { UpstreamStatusList } from './upstream-schemas.js';
import { zodRoutes } from '../gateway/zod-routes.js';

/** `GET /upstreams`: every upstream connection the principal's tenants own, with its last poll, errors, backlog and ages. */
export function upstreamRoutes(deps: HubDeps, who: (request: unknown) => Principal) {
  return async function plugin(fastify: FastifyInstance): Promise<void> {
    const app = zodRoutes(fastify);
    app.get(
      '/upstreams',
      { schema: routeSchema({ summary: 'Upstream connections (FIT-Connect Zustelldienste, XTA message boxes) and what they wait for', tags: ['operations'], response: { 200: UpstreamStatusList } }) },
      async (request) => {
        const principal = who(request);
        return upstreamStatuses(deps, (tenant) => seesTenant(principal, tenant));
      },
    );
  };
}
