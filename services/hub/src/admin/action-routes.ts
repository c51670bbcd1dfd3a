import type { FastifyInstance } from 'fastify';
import { ErrorCode } from '@weiche/core';
import type { JournalQueries } from '@weiche/journal';
import type { HubDeps } from '../context.js';
import { httpProblem } from '../gateway/problems.js';
import { discardDeadLetter, pauseAdapter, redeliver, replayFromOpen, resumeAdapter } from '../operations.js';
import * as S from './api-schemas.js';
import { assertActsOn, assertMayAct, ownsAdapter, seesAdapter, type Principal } from './principal.js';
import { routeSchema } from './route-schema.js';
import { zodRoutes } from '../gateway/zod-routes.js';

type Who = (request: unknown) => Principal;

const ERRORS = { 403: S.ProblemBody, 404: S.ProblemBody, 409: S.ProblemBody };

/**
 * Operator actions. Each runs the shared operation (operations.ts) or the journal's discard, all of
 * which write an audit record with the token's subject as actor. Checks run in this order: role
 * (403 for auditors, revealing nothing), then tenant (404 for what is not the caller's), then who
 * processes it (403 for the owner of a submission its back office processes).
 */
export function actionRoutes(deps: HubDeps, queries: JournalQueries, who: Who) {
  async function submissionOf(principal: Principal, submissionId: string): Promise<void> {
    assertMayAct(principal);
    const row = await deps.journal.getSubmission(submissionId);
    if (!row) throw httpProblem(404, ErrorCode.NOT_FOUND, 'no such submission');
    assertActsOn(principal, row);
  }

  function controlledAdapter(principal: Principal, adapterId: string): string {
    assertMayAct(principal);
    const instance = deps.config.adapters.find((a) => a.id === adapterId);
    if (!instance || !seesAdapter(principal, deps.config, instance.id)) throw httpProblem(404, ErrorCode.NOT_FOUND, 'no such adapter instance');
    if (!ownsAdapter(principal, deps.config, instance.id)) {
      throw httpProblem(403, ErrorCode.FORBIDDEN, 'this adapter instance also serves other tenants; an operator pauses and resumes it');
    }
    return instance.id;
  }

  return async function plugin(fastify: FastifyInstance): Promise<void> {
    const app = zodRoutes(fastify);
    app.post(
      '/submissions/:submissionId/replay',
      {
        schema: routeSchema({
          summary: 'Replay a FAILED submission from a stage',
          description: 'stage "open": decrypt, map with the current mapping version and route again; stage "deliver": deliver the stored packages (original mapping version) to every failed route.',
          tags: ['actions'],
          params: S.SubmissionParams,
          body: S.ReplayBody,
          response: { 200: S.ActionResult, ...ERRORS },
        }),
      },
      async (request) => {
        const p = who(request);
        const { submissionId } = request.params;
        await submissionOf(p, submissionId);
        const reason = request.body.reason;
        if (request.body.stage === 'open') {
          await replayFromOpen(deps, submissionId, { actor: p.subject, ...(reason !== undefined ? { reason } : {}) });
          return { ok: true as const, action: 'replay-open', actor: p.subject };
        }
        const routes = await redeliver(deps, submissionId, { actor: p.subject, ...(reason !== undefined ? { reason } : {}) });
        return { ok: true as const, action: 'replay-deliver', actor: p.subject, routes };
      },
    );

    app.post(
      '/submissions/:submissionId/routes/:routeId/redeliver',
      { schema: routeSchema({ summary: 'Deliver one failed route of a FAILED submission again', tags: ['actions'], params: S.RouteParams, body: S.RedeliverBody, response: { 200: S.ActionResult, ...ERRORS } }) },
      async (request) => {
        const p = who(request);
        const { submissionId, routeId } = request.params;
        await submissionOf(p, submissionId);
        const reason = request.body.reason;
        const routes = await redeliver(deps, submissionId, { routeId, actor: p.subject, ...(reason !== undefined ? { reason } : {}) });
        return { ok: true as const, action: 'redeliver', actor: p.subject, routes };
      },
    );

    app.post(
      '/submissions/:submissionId/discard',
      {
        schema: routeSchema({
          summary: 'Discard a dead letter with a reason',
          description: 'The submission stays FAILED (no new state); an audit record names actor, reason and failed routes, and it leaves the dead-letter list. A later replay that fails again lists it again.',
          tags: ['actions'],
          params: S.SubmissionParams,
          body: S.DiscardBody,
          response: { 200: S.ActionResult, ...ERRORS },
        }),
      },
      async (request) => {
        const p = who(request);
        const { submissionId } = request.params;
        await submissionOf(p, submissionId);
        const routes = await discardDeadLetter(deps, queries, submissionId, { actor: p.subject, reason: request.body.reason });
        return { ok: true as const, action: 'discard', actor: p.subject, routes };
      },
    );

    app.post(
      '/adapters/:adapterId/pause',
      { schema: routeSchema({ summary: 'Pause deliveries of an adapter instance (jobs wait)', tags: ['actions'], params: S.AdapterParams, response: { 200: S.ActionResult, ...ERRORS } }) },
      async (request) => {
        const p = who(request);
        await pauseAdapter(deps, controlledAdapter(p, request.params.adapterId), p.subject);
        return { ok: true as const, action: 'pause-adapter', actor: p.subject };
      },
    );

    app.post(
      '/adapters/:adapterId/resume',
      { schema: routeSchema({ summary: 'Resume deliveries of an adapter instance', tags: ['actions'], params: S.AdapterParams, response: { 200: S.ActionResult, ...ERRORS } }) },
      async (request) => {
        const p = who(request);
        await resumeAdapter(deps, controlledAdapter(p, request.params.adapterId), p.subject);
        return { ok: true as const, action: 'resume-adapter', actor: p.subject };
      },
    );
  };
}
