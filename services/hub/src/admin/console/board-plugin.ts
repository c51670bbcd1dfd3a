import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { Queue } from 'bullmq';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCode } from '@weiche/core';
import { httpProblem } from '../../gateway/problems.js';
import type { Principal } from '../principal.js';
import { BOARD_COOKIE, BOARD_PATH, boardCookie, readCookie, type BoardSessions } from './board-session.js';
import { BOARD_CSP, setSecurityHeaders } from './security-headers.js';

export interface BoardOptions {
  /** The hub's BullMQ queues (processing and one delivery queue per adapter instance). */
  readonly queues: readonly Queue[];
  readonly sessions: BoardSessions;
  /** Verifies an `Authorization: Bearer …` header like the admin API does. */
  readonly authenticate: (header: string | undefined) => Promise<Principal>;
  readonly log?: { info(obj: object, msg: string): void };
}

/**
 * Bull Board shows the jobs of every tenant in one view, so it is for principals who see every
 * tenant: operators and auditors. A tenant-admin is refused (403) and uses the console, whose API
 * filters by tenant. The board is read-only for everyone (see boardPlugin).
 */
export function mayOpenBoard(principal: Pick<Principal, 'role' | 'tenants'>): boolean {
  if (principal.role === 'tenant-admin') return false;
  return principal.tenants === 'all';
}

const READ_METHODS = new Set(['GET', 'HEAD']);
// Bull Board's template links a remote web font; the console promises no request leaves the hub
const REMOTE_FONT_LINK = /<link[^>]+href="https?:\/\/[^"]*"[^>]*>/g;

function loginPage(): string {
  return [
    '<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"><title>Weiche – Bull Board</title></head><body><main>',
    '<h1>Anmeldung erforderlich / Sign-in required</h1>',
    '<p>Bitte öffnen Sie Bull Board über die <a href="/admin/">Weiche-Konsole</a>. / Please open Bull Board from the <a href="/admin/">Weiche console</a>.</p>',
    '</main></body></html>',
  ].join('');
}

/**
 * Bull Board under `/admin/queues`, read-only. Browsers send no bearer header on navigation, so the
 * console exchanges its token for a board session: `POST /admin/queues/session` with the bearer
 * header sets an HttpOnly, SameSite=Strict cookie scoped to `/admin/queues` that lives 15 minutes;
 * every board page and board API call is checked against it. `DELETE /admin/queues/session` ends it.
 *
 * Its own actions (retry all, clean, promote, pause) would move jobs behind the journal's back — a
 * retried dead-letter job is no replay the audit chain knows of — so the queues are shown in Bull
 * Board's read-only mode and every board request that is not a read is refused (403). Operators act
 * through the console and the admin API, where each action is journaled and audited.
 */
export function boardPlugin(options: BoardOptions) {
  const { sessions } = options;
  return async function plugin(app: FastifyInstance): Promise<void> {
    app.post('/session', async (request, reply) => {
      const principal = await options.authenticate(request.headers.authorization);
      if (!mayOpenBoard(principal)) throw httpProblem(403, ErrorCode.FORBIDDEN, 'Bull Board shows the jobs of every tenant: operators and auditors only');
      const id = await sessions.open({ subject: principal.subject, role: principal.role });
      reply.header('set-cookie', boardCookie(id, sessions.maxAge, request.protocol === 'https'));
      reply.header('cache-control', 'no-store');
      return reply.status(200).send({ ok: true, path: `${BOARD_PATH}/`, role: principal.role, expiresInSeconds: sessions.maxAge });
    });
    app.delete('/session', async (request, reply) => {
      await sessions.close(readCookie(request.headers.cookie, BOARD_COOKIE));
      reply.header('set-cookie', boardCookie('', 0, request.protocol === 'https'));
      return reply.status(204).send();
    });

    await app.register(async (board) => {
      board.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
        setSecurityHeaders(reply, BOARD_CSP);
        reply.header('cache-control', 'no-store');
        const session = await sessions.find(readCookie(request.headers.cookie, BOARD_COOKIE));
        // replies are sent here, not thrown: Bull Board's own error handler would turn them into 500s
        if (!session) {
          const wantsHtml = request.method === 'GET' && !request.url.startsWith(`${BOARD_PATH}/api/`);
          if (wantsHtml) return reply.status(401).type('text/html; charset=utf-8').send(loginPage());
          return reply.status(401).type('application/problem+json').send({ type: 'urn:weiche:problem:unauthorized', title: 'Unauthorized', status: 401, detail: 'no board session: open the board from the console' });
        }
        if (session.role === 'tenant-admin') {
          return reply.status(403).type('application/problem+json').send({ type: 'urn:weiche:problem:forbidden', title: 'Forbidden', status: 403, detail: 'Bull Board shows the jobs of every tenant' });
        }
        if (!READ_METHODS.has(request.method)) {
          // the path names the action; a query string is the client's input and stays out of the log
          options.log?.info({ actor: session.subject, method: request.method, url: request.url.split('?', 1)[0] }, 'bull board action refused: the board is read-only');
          return reply.status(403).type('application/problem+json').send({
            type: 'urn:weiche:problem:forbidden',
            title: 'Forbidden',
            status: 403,
            detail: 'Bull Board is read-only: replay, redeliver, discard and pause through the console or the admin API, where each action is audited',
          });
        }
        return undefined;
      });
      board.addHook('onSend', async (_request, reply, payload) => {
        const type = String(reply.getHeader('content-type') ?? '');
        if (typeof payload === 'string' && type.startsWith('text/html')) return payload.replace(REMOTE_FONT_LINK, '');
        return payload;
      });

      const serverAdapter = new FastifyAdapter();
      serverAdapter.setBasePath(BOARD_PATH);
      createBullBoard({
        queues: options.queues.map((q) => new BullMQAdapter(q, { readOnlyMode: true })),
        serverAdapter,
        options: { uiConfig: { boardTitle: 'Weiche', hideDocsLink: true, miscLinks: [{ text: 'Weiche-Konsole / console', url: '/admin/' }] } },
      });
      await board.register(serverAdapter.registerPlugin());
    });
  };
}
