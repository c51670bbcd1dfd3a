import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { DelegationConfig, DelegationList } from '@weiche/config';
import { ErrorCode } from '@weiche/core';
import type { HubDeps } from '../context.js';
import { httpProblem } from '../gateway/problems.js';
import * as S from './api-schemas.js';
import { seesTenant, type Principal } from './principal.js';
import { routeSchema } from './route-schema.js';
import { zodRoutes } from '../gateway/zod-routes.js';

type Who = (request: unknown) => Principal;

const DelegationsBody = z.object({ delegations: DelegationList });
const DelegationParams = z.object({ delegationId: z.string().min(1) });
const DelegationsResult = z.object({ changed: z.boolean().optional(), version: z.number().optional(), delegations: DelegationList });
const ERRORS = { 400: S.ProblemBody, 403: S.ProblemBody, 404: S.ProblemBody };

function assertOperator(p: Principal): void {
  if (p.role !== 'operator') throw httpProblem(403, ErrorCode.FORBIDDEN, 'delegations are changed by an operator');
}

/**
 * Back offices (issue 15, docs/delegation.md). Everyone reads the delegations that concern its tenants (as
 * owner or as back office); an operator changes them without a restart — each change is one audited
 * replacement of the journal's list, which every role and replica routes with from then on.
 */
export function delegationRoutes(deps: Pick<HubDeps, 'delegations'>, who: Who) {
  const visible = (p: Principal, list: readonly DelegationConfig[]): DelegationConfig[] => list.filter((d) => seesTenant(p, d.from) || seesTenant(p, d.to));
  const replace = async (p: Principal, list: unknown, source: string): Promise<z.input<typeof DelegationsResult>> => {
    const result = await deps.delegations.replace(list, p.subject, source);
    return { changed: result.changed, version: result.version, delegations: [...result.delegations] };
  };

  return async function plugin(fastify: FastifyInstance): Promise<void> {
    const app = zodRoutes(fastify);
    app.get(
      '/delegations',
      { schema: routeSchema({ summary: 'Delegations (back offices) that concern the caller\'s tenants', tags: ['configuration'], response: { 200: DelegationsResult } }) },
      async (request) => ({ delegations: visible(who(request), await deps.delegations.refresh()) }),
    );

    app.put(
      '/delegations',
      {
        schema: routeSchema({
          summary: 'Replace every delegation (operator)',
          description: 'Validated as the config key is (known tenants, no overlapping windows for one tenant and service). Audited with the actor and the ids added, removed and changed. Submissions already routed keep their back office.',
          tags: ['configuration'],
          body: DelegationsBody,
          response: { 200: DelegationsResult, ...ERRORS },
        }),
      },
      async (request) => {
        const p = who(request);
        assertOperator(p);
        return replace(p, request.body.delegations, 'admin-api');
      },
    );

    app.post(
      '/delegations',
      { schema: routeSchema({ summary: 'Add a delegation, or replace the one with its id (operator)', tags: ['configuration'], body: DelegationConfig, response: { 200: DelegationsResult, ...ERRORS } }) },
      async (request) => {
        const p = who(request);
        assertOperator(p);
        const current = await deps.delegations.refresh();
        return replace(p, [...current.filter((d) => d.id !== request.body.id), request.body], 'admin-api');
      },
    );

    app.delete(
      '/delegations/:delegationId',
      { schema: routeSchema({ summary: 'End a delegation now by removing it (operator); routed submissions keep their back office', tags: ['configuration'], params: DelegationParams, response: { 200: DelegationsResult, ...ERRORS } }) },
      async (request) => {
        const p = who(request);
        assertOperator(p);
        const current = await deps.delegations.refresh();
        if (!current.some((d) => d.id === request.params.delegationId)) throw httpProblem(404, ErrorCode.NOT_FOUND, 'no such delegation');
        return replace(p, current.filter((d) => d.id !== request.params.delegationId), 'admin-api');
      },
    );
  };
}
