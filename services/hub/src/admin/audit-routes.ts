import type { FastifyInstance } from 'fastify';
import { ErrorCode } from '@weiche/core';
import { AuditTrail } from '@weiche/journal';
import type { HubDeps } from '../context.js';
import { httpProblem } from '../gateway/problems.js';
import * as S from './api-schemas.js';
import type { Principal } from './principal.js';
import { routeSchema } from './route-schema.js';

type Who = (request: unknown) => Principal;

/**
 * `GET /audit/verify`: recomputes the audit hash chain (a minimal version over the journal's
 * verifyAuditChain; the chain's own redesign replaces the internals, the answer's shape stays).
 */
export function auditRoutes(deps: HubDeps, who: Who) {
  const trail = new AuditTrail({ pool: deps.pool, schema: deps.config.database.schema });
  return async function plugin(app: FastifyInstance): Promise<void> {
    app.get(
      '/audit/verify',
      {
        schema: routeSchema({
          summary: 'Verify the audit hash chain',
          description: 'Recomputes every record hash from the first record. For principals who see every tenant (operators, unscoped auditors): the chain spans all tenants.',
          tags: ['audit'],
          response: { 200: S.AuditVerifyResult, 403: S.ProblemBody },
        }),
      },
      async (request) => {
        if (who(request).tenants !== 'all') throw httpProblem(403, ErrorCode.FORBIDDEN, 'the audit chain spans every tenant: operators and unscoped auditors verify it');
        const [result, total] = await Promise.all([deps.journal.verifyAuditChain(), trail.count()]);
        if (result.ok) return { ok: true, checked: result.count, total, message: `audit chain intact: ${result.count} records checked` };
        const seq = result.brokenAtSeq ?? 0;
        return {
          ok: false,
          checked: result.count,
          total,
          firstBad: { chain: 'global', seq, reason: 'prevHash or hash does not match the recomputed chain' },
          message: `audit chain broken at record ${seq}: ${result.count} records before it are intact`,
        };
      },
    );
  };
}
