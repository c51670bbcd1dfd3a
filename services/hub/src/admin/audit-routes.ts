import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ErrorCode } from '@weiche/core';
import { verifyAudit } from '@weiche/journal';
import type { HubDeps } from '../context.js';
import { httpProblem } from '../gateway/problems.js';
import { assertSeesTenant, type Principal } from './principal.js';
import { routeSchema } from './route-schema.js';
import { zodRoutes } from '../gateway/zod-routes.js';

type AuditDeps = Pick<HubDeps, 'config' | 'pool' | 'evidence' | 'auditLog'>;
type Who = (request: unknown) => Principal;

export const AuditVerifyQuery = z.object({
  tenant: z.string().min(1).optional().describe('only the chains of this tenant (required for principals scoped to several tenants)'),
  since: z.iso.datetime({ offset: true }).optional().describe('only chains with a record, or a head a checkpoint sealed, at or after this time (ISO 8601); each is checked whole'),
});

const Problem = z.object({ chain: z.string(), seq: z.number(), reason: z.string() });

/** The verdict of `weiche audit verify`, as the console's audit view shows it. */
export const AuditVerdict = z.object({
  ok: z.boolean(),
  checked: z.number().describe('records found and checked'),
  total: z.number().describe('records the chains and checkpoints in scope say exist'),
  chains: z.number(),
  unanchored: z.number().describe("records newer than their chain's last checkpoint"),
  pruned: z.number().describe('records removed on purpose by retention'),
  problems: z.number(),
  firstBad: Problem.optional().describe('the earliest bad record (chain "checkpoints": a checkpoint, seq = its number)'),
  gaps: z.array(z.object({ chain: z.string(), fromSeq: z.number(), toSeq: z.number(), reason: z.string() })).optional(),
  checkpoints: z.object({ verified: z.number(), latest: z.object({ no: z.number(), issuedAt: z.string(), kid: z.string() }).optional() }),
  staleMarkers: z.number().optional().describe('chain markers naming a checkpoint never written (its writer died after them): harmless'),
  message: z.string(),
});

/**
 * GET /audit/verify: verifies the audit chains and checkpoints, for auditors and operators (a tenant-admin
 * is 403: verification is an audit function, not a tenant's). An auditor scoped to tenants verifies one of
 * its tenants' chains (the only one it has, or the one it names); another tenant is 404 as everywhere in
 * the admin API. Each submission has its own chain, so a tenant's chains verify without anyone else's.
 */
export function auditRoutes(deps: AuditDeps, who: Who) {
  return async function plugin(fastify: FastifyInstance): Promise<void> {
    const app = zodRoutes(fastify);
    app.get(
      '/audit/verify',
      {
        schema: routeSchema({
          summary: 'Verify the audit chains and their signed checkpoints',
          description: 'Recomputes every record of the chains in scope (link, hash, MAC under the evidence key) and checks them against the signed checkpoints in the append-only log. Large scopes take long: narrow with tenant or since.',
          tags: ['audit'],
          querystring: AuditVerifyQuery,
          response: { 200: AuditVerdict },
        }),
      },
      async (request) => {
        const principal = who(request);
        if (principal.role === 'tenant-admin') throw httpProblem(403, ErrorCode.FORBIDDEN, 'audit verification is for auditors and operators');
        let tenant = request.query.tenant;
        if (principal.tenants !== 'all') {
          if (tenant === undefined && principal.tenants.size === 1) [tenant] = principal.tenants;
          if (tenant === undefined) throw httpProblem(400, ErrorCode.BAD_REQUEST, 'tenant: name one of your tenants');
        }
        if (tenant !== undefined) {
          assertSeesTenant(principal, tenant, 'tenant');
          if (!deps.config.tenants.some((t) => t.id === tenant)) throw httpProblem(404, ErrorCode.NOT_FOUND, 'no such tenant');
        }
        const verdict = await verifyAudit({
          pool: deps.pool,
          schema: deps.config.database.schema,
          keys: deps.evidence,
          log: deps.auditLog,
          ...(tenant !== undefined ? { tenant } : {}),
          ...(request.query.since !== undefined ? { since: new Date(request.query.since) } : {}),
        });
        return verdict;
      },
    );
  };
}
