import type { FastifyInstance } from 'fastify';
import type { HubDeps } from '../context.js';
import * as S from './api-schemas.js';
import { routeSchema } from './route-schema.js';
import { zodRoutes } from '../gateway/zod-routes.js';

/**
 * `GET /sign-in` (no token needed): how the console may sign in. Token paste always; with
 * `admin.oidc.clientId`, the authorization code flow with PKCE through the configured provider,
 * whose endpoints the browser discovers at `{issuer}/.well-known/openid-configuration`.
 */
export function signInRoutes(deps: HubDeps) {
  const oidc = deps.config.admin.oidc;
  const options = {
    token: true as const,
    oidc: oidc?.clientId !== undefined ? { issuer: oidc.issuer, clientId: oidc.clientId, scopes: oidc.scopes } : null,
  };
  return async function plugin(fastify: FastifyInstance): Promise<void> {
    const app = zodRoutes(fastify);
    const schema = routeSchema({ summary: 'How the console signs in (public)', tags: ['session'], response: { 200: S.SignInOptions } });
    app.get('/sign-in', { schema: { ...schema, security: [] } }, async (_request, reply) => reply.header('cache-control', 'no-store').send(options));
  };
}

/** Origins besides the hub's own that the console must reach (discovery and token endpoint of the provider). */
export function signInOrigins(config: HubDeps['config']): string[] {
  const oidc = config.admin.oidc;
  return oidc?.clientId !== undefined ? [new URL(oidc.issuer).origin] : [];
}
