import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { HubDeps } from '../context.js';
import { tenantScope, type Principal } from './principal.js';
import { routeSchema } from './route-schema.js';
import { zodRoutes } from '../gateway/zod-routes.js';
import { queryInteger } from '../gateway/query-integer.js';

type Who = (request: unknown) => Principal;

export const CallbackQuery = z.object({
  state: z.enum(['PENDING', 'SENT', 'GIVEN_UP']).optional().describe('GIVEN_UP: callbacks the hub stopped trying, with the reason'),
  submissionId: z.string().min(1).optional(),
  limit: queryInteger({ min: 1, max: 500, default: 50 }),
  offset: queryInteger({ min: 0, max: Number.MAX_SAFE_INTEGER, default: 0 }),
});

const CallbackItem = z.object({
  jti: z.string().describe('the event the callback tells of'),
  submissionId: z.string(),
  tenantId: z.string().nullable(),
  eventName: z.string(),
  state: z.enum(['PENDING', 'SENT', 'GIVEN_UP']),
  attempts: z.number(),
  lastError: z.string().nullable().describe('why the last attempt failed, or why it was given up'),
  createdAt: z.string(),
  lastAttemptAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});
const CallbackPage = z.object({ total: z.number(), limit: z.number(), offset: z.number(), items: z.array(CallbackItem) });

/** GET /callbacks: the FIT-Connect callbacks owed to senders — pending (with the last error), sent, given up (with the reason). */
export function callbackRoutes(deps: Pick<HubDeps, 'callbacks'>, who: Who) {
  return async function plugin(fastify: FastifyInstance): Promise<void> {
    const app = zodRoutes(fastify);
    app.get(
      '/callbacks',
      {
        schema: routeSchema({
          summary: 'Callbacks to FIT-Connect senders: pending, sent, given up (with the reason)',
          tags: ['operations'],
          querystring: CallbackQuery,
          response: { 200: CallbackPage },
        }),
      },
      async (request) => {
        const p = who(request);
        const q = request.query;
        const scope = tenantScope(p);
        const page = await deps.callbacks.list({
          limit: q.limit,
          offset: q.offset,
          ...(q.state ? { state: q.state } : {}),
          ...(q.submissionId ? { submissionId: q.submissionId } : {}),
          ...(scope ? { tenantIds: scope } : {}),
        });
        const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);
        return {
          total: page.total,
          limit: q.limit,
          offset: q.offset,
          items: page.items.map((c) => ({ ...c, createdAt: c.createdAt.toISOString(), lastAttemptAt: iso(c.lastAttemptAt), finishedAt: iso(c.finishedAt) })),
        };
      },
    );
  };
}
