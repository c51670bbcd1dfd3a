import type { FastifyInstance } from 'fastify';
import { AuditTrail } from '@weiche/journal';
import type { HubDeps } from '../context.js';
import * as S from './api-schemas.js';
import type { Principal } from './principal.js';
import { scopeArg } from './read-routes.js';
import { routeSchema } from './route-schema.js';
import { timeRange } from './time-range.js';
import { zodRoutes } from '../gateway/zod-routes.js';

type Who = (request: unknown) => Principal;

/** `GET /audit/records`: the audit chain for auditors, by submission and time range. */
export function auditTrailRoutes(deps: HubDeps, who: Who) {
  const trail = new AuditTrail({ pool: deps.pool, schema: deps.config.database.schema });
  return async function plugin(fastify: FastifyInstance): Promise<void> {
    const app = zodRoutes(fastify);
    app.get(
      '/audit/records',
      {
        schema: routeSchema({
          summary: 'Audit records of a submission or a time range, in chain order, with actor, stage, states and hashes',
          description: 'A tenant-scoped principal sees the records of its tenants\' submissions only (not pause/resume records, which belong to no tenant).',
          tags: ['audit'],
          querystring: S.AuditRecordQuery,
          response: { 200: S.AuditRecordPage },
        }),
      },
      async (request) => {
        const { submissionId, from, to, limit, offset } = request.query;
        const page = await trail.records(
          {
            ...(submissionId !== undefined ? { submissionId } : {}),
            ...timeRange({ from, to }),
            ...scopeArg(who(request)),
          },
          { limit, offset },
        );
        return { ...page, limit, offset };
      },
    );
  };
}
