import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ErrorCode } from '@weiche/core';
import { buildEvidenceBundle, type EvidenceBundleDeps } from '../evidence/evidence-bundle.js';
import { httpProblem } from '../gateway/problems.js';
import * as S from './api-schemas.js';
import { assertSeesTenant, type Principal } from './principal.js';
import { routeSchema } from './route-schema.js';
import { zodRoutes } from '../gateway/zod-routes.js';

type Who = (request: unknown) => Principal;

const EvidenceKeys = z.object({
  keys: z.array(z.object({ kid: z.string(), current: z.boolean(), publicKeyPem: z.string(), jwk: z.record(z.string(), z.unknown()) })),
});

/**
 * GET /submissions/{id}/evidence: the submission's evidence bundle as a compact JWS (`application/jose`,
 * RFC 7515 §9.2.1), for auditors and operators; a tenant-admin is 403 (evidence is an audit function, as
 * verification is), another tenant's submission 404. docs/evidence.md shows how to check it offline.
 */
export function evidenceRoutes(deps: EvidenceBundleDeps, who: Who) {
  return async function plugin(fastify: FastifyInstance): Promise<void> {
    const app = zodRoutes(fastify);
    app.get(
      '/audit/evidence-keys',
      {
        schema: routeSchema({
          summary: "The hub's public evidence keys",
          description: 'Every evidence key in the ring (current and retired) as SPKI PEM and JWK, by kid (RFC 7638 thumbprint): what verifies evidence bundles and checkpoints offline. Compare the kid with the one the hub\'s operator published.',
          tags: ['audit'],
          response: { 200: EvidenceKeys },
        }),
      },
      async (request) => {
        who(request);
        return { keys: deps.evidence.keys.map((k) => ({ kid: k.kid, current: k.kid === deps.evidence.currentKid, publicKeyPem: k.publicPem(), jwk: k.publicJwk })) };
      },
    );

    app.get(
      '/submissions/:submissionId/evidence',
      {
        schema: routeSchema({
          summary: 'Evidence bundle of one submission (signed JWS)',
          description:
            'Every audit record of the submission with the checkpoint that anchors its chain, the hashes of what was received, decrypted and delivered, mapping versions, receipts and what the sender was told — one JSON document signed as a compact JWS (ES256, typ weiche-evidence-bundle) by the evidence key. Verify offline with scripts/verify-evidence.mjs (docs/evidence.md).',
          tags: ['audit'],
          params: S.SubmissionParams,
        }),
      },
      async (request, reply) => {
        const principal = who(request);
        if (principal.role === 'tenant-admin') throw httpProblem(403, ErrorCode.FORBIDDEN, 'evidence bundles are for auditors and operators');
        const row = await deps.journal.getSubmission(request.params.submissionId);
        if (!row) throw httpProblem(404, ErrorCode.NOT_FOUND, 'no such submission');
        assertSeesTenant(principal, row.tenantId, 'submission');
        const signed = await buildEvidenceBundle(deps, row.submissionId);
        if (!signed) throw httpProblem(404, ErrorCode.NOT_FOUND, 'no such submission');
        const name = `weiche-evidence-${row.submissionId.replace(/[^A-Za-z0-9-]/g, '_')}.jws`;
        return reply.type('application/jose').header('content-disposition', `attachment; filename="${name}"`).header('cache-control', 'no-store').send(signed.jws);
      },
    );
  };
}
