import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { ErrorCode, isWeicheError } from '@weiche/core';
import type { JournalQueries } from '@weiche/journal';
import type { HubDeps } from '../context.js';
import { httpProblem } from '../gateway/problems.js';
import { discardDeadLetter, redeliver, replayFromOpen, type ActionAudit } from '../operations.js';
import * as S from './api-schemas.js';
import { assertMayAct, seesSubmission, seesTenant, type Principal } from './principal.js';
import { deadLetterFilter } from './read-routes.js';
import { routeSchema } from './route-schema.js';
import { zodRoutes } from '../gateway/zod-routes.js';

type Who = (request: unknown) => Principal;
type Action = z.infer<typeof S.BulkAction>['action'];
type ItemResult = z.infer<typeof S.BulkResult>['results'][number];

/**
 * One bulk action on dead letters, given as ids or as the filter of the dead-letter list (every
 * match, not one page). Each submission goes through the same operation as its single action, so
 * each gets its own audit record with the actor, the reason and the batch id; a submission outside
 * the caller's tenants is answered like an unknown one (404) and left alone.
 */
export function bulkRoutes(deps: HubDeps, queries: JournalQueries, who: Who) {
  async function actOn(principal: Principal, submissionId: string, action: Action, audit: ActionAudit & { reason: string }): Promise<ItemResult> {
    const row = await deps.journal.getSubmission(submissionId);
    if (!row || !seesSubmission(principal, row)) return { submissionId, ok: false, status: 404, error: 'no such submission' };
    // the owner sees what its back office processes, but the back office acts on it (docs/delegation.md)
    const processing = row.processingTenantId ?? row.tenantId;
    if (!seesTenant(principal, processing)) return { submissionId, ok: false, status: 403, error: `processed by the back office ${processing}` };
    try {
      switch (action) {
        case 'replay':
          await replayFromOpen(deps, submissionId, audit);
          return { submissionId, ok: true, status: 200 };
        case 'redeliver':
          return { submissionId, ok: true, status: 200, routes: await redeliver(deps, submissionId, audit) };
        case 'discard':
          return { submissionId, ok: true, status: 200, routes: await discardDeadLetter(deps, queries, submissionId, audit) };
        default:
          return action satisfies never;
      }
    } catch (error) {
      // a conflict (no longer FAILED, discarded already) belongs in the per-id result; a storage outage ends the request
      if (isWeicheError(error) && error.status < 500) return { submissionId, ok: false, status: error.status, error: error.message };
      throw error;
    }
  }

  return async function plugin(fastify: FastifyInstance): Promise<void> {
    const app = zodRoutes(fastify);
    app.post(
      '/dead-letters/bulk',
      {
        schema: routeSchema({
          summary: `Replay, redeliver or discard many dead letters at once (ids, or every match of a filter; at most ${S.BULK_MAX})`,
          description:
            'Answers per id. Every submission acted on gets its own audit record with the actor, the reason and `batch`. ' +
            'A tenant-admin acts only on its tenants: other ids are answered 404, a filter never selects them. A filter selecting more than the maximum is refused (400): narrow it.',
          tags: ['actions'],
          body: S.BulkAction,
          response: { 200: S.BulkResult, 400: S.ProblemBody, 403: S.ProblemBody },
        }),
      },
      async (request) => {
        const principal = who(request);
        assertMayAct(principal);
        const { action, reason, ids, filter } = request.body;
        let selected: string[];
        if (filter) {
          selected = await queries.deadLetterIds(deadLetterFilter(principal, filter), S.BULK_MAX + 1);
          if (selected.length > S.BULK_MAX) throw httpProblem(400, ErrorCode.BAD_REQUEST, `the filter selects more than ${S.BULK_MAX} dead letters: narrow it (tenant, adapter, service, error text)`);
        } else {
          selected = [...new Set(ids)];
        }
        const batch = randomUUID();
        const results: ItemResult[] = [];
        // one after another: each is a short transaction plus an enqueue, and the order is the list's
        for (const submissionId of selected) results.push(await actOn(principal, submissionId, action, { actor: principal.subject, reason, batch }));
        const succeeded = results.filter((r) => r.ok).length;
        deps.log.info({ actor: principal.subject, action, batch, total: results.length, succeeded }, 'bulk action on dead letters');
        return { action, actor: principal.subject, batch, total: results.length, succeeded, failed: results.length - succeeded, results };
      },
    );
  };
}
