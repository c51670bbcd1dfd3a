import type { FastifyInstance, HTTPMethods } from 'fastify';
import { ErrorCode } from '@weiche/core';
import { httpProblem } from '../../gateway/problems.js';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const satisfies readonly HTTPMethods[];

/**
 * Registers the FIT-Connect API's routes with `register`, then answers a method that none of them takes on a path
 * one of them serves with 405 and `Allow` (RFC 9110 §15.5.6), an RFC 7807 problem, not with fastify's 404: a client
 * that sends DELETE to a submission learns that the path exists and which methods it takes. Done once over the
 * sender, token and relay receiver routes, which share paths (GET and PUT of /v1/submissions/{id}).
 */
export async function withMethodNotAllowed(app: FastifyInstance, register: (scope: FastifyInstance) => Promise<void>): Promise<void> {
  await app.register(async (scope) => {
    const taken = new Map<string, Set<string>>();
    let collecting = true;
    scope.addHook('onRoute', (route) => {
      if (!collecting) return;
      const methods = taken.get(route.url) ?? new Set<string>();
      for (const method of [route.method].flat()) methods.add(method);
      taken.set(route.url, methods);
    });
    await register(scope);
    collecting = false;
    for (const [url, methods] of taken) {
      // fastify answers HEAD for every GET route itself
      if (methods.has('GET')) methods.add('HEAD');
      const allow = METHODS.filter((m) => methods.has(m)).join(', ');
      const others = METHODS.filter((m) => !methods.has(m));
      if (others.length === 0) continue;
      scope.route({
        method: others,
        url,
        handler: async (request, reply) => {
          reply.header('allow', allow);
          throw httpProblem(405, ErrorCode.METHOD_NOT_ALLOWED, `${request.method} is not allowed on this path (allowed: ${allow})`);
        },
      });
    }
  });
}
