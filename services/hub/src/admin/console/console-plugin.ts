import type { FastifyInstance, FastifyReply } from 'fastify';
import { ErrorCode } from '@weiche/core';
import type { HubDeps } from '../../context.js';
import { httpProblem } from '../../gateway/problems.js';
import type { AdminAuthenticator } from '../authenticate.js';
import { boardPlugin } from './board-plugin.js';
import { BOARD_PATH, BoardSessions } from './board-session.js';
import { signInOrigins } from '../sign-in-routes.js';
import { consoleCsp, setSecurityHeaders } from './security-headers.js';
import { loadConsoleAssets, type StaticAsset } from './static-assets.js';

/** Path of the web console. */
export const CONSOLE_PATH = '/admin';

/**
 * The operator web console at `/admin` (static HTML + JS modules that call the admin API with the
 * user's bearer token) and Bull Board at `/admin/queues`. The console's files carry no data: all
 * of it comes from the API, which enforces roles and tenant scope.
 */
export function consolePlugin(deps: HubDeps, authenticator: AdminAuthenticator) {
  return async function plugin(app: FastifyInstance): Promise<void> {
    const assets = loadConsoleAssets();
    const csp = consoleCsp(signInOrigins(deps.config));
    const send = (reply: FastifyReply, asset: StaticAsset, cache: string): FastifyReply => {
      setSecurityHeaders(reply, csp);
      return reply.header('cache-control', cache).type(asset.contentType).send(asset.body);
    };
    const index = assets.get('index.html');
    if (!index) throw new Error('the console assets lack index.html');

    app.get(CONSOLE_PATH, { schema: { hide: true } }, async (_request, reply) => reply.redirect(`${CONSOLE_PATH}/`));
    app.get(`${CONSOLE_PATH}/`, { schema: { hide: true } }, async (_request, reply) => send(reply, index, 'no-store'));
    app.get<{ Params: { name: string } }>(`${CONSOLE_PATH}/static/:name`, { schema: { hide: true } }, async (request, reply) => {
      const asset = assets.get(request.params.name);
      if (!asset) throw httpProblem(404, ErrorCode.NOT_FOUND, 'no such console file');
      // no-cache: revalidated each load, so an upgraded hub never runs with stale modules
      return send(reply, asset, 'no-cache');
    });

    const queues = [deps.queues.process, ...deps.config.adapters.map((a) => deps.queues.deliverQueue(a.id))];
    await app.register(
      boardPlugin({
        queues,
        sessions: new BoardSessions(deps.redis, deps.config.redis.prefix),
        authenticate: (header) => authenticator.authenticate(header),
        log: deps.log,
      }),
      { prefix: BOARD_PATH },
    );
  };
}
