import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { ErrorCode } from '@weiche/core';
import { resolveSecret } from '../admin/authenticate.js';
import type { HubDeps } from '../context.js';
import { bearerToken } from '../gateway/authorization-header.js';
import { httpProblem } from '../gateway/problems.js';
import { confirmationIntake } from './confirmation-intake.js';
import { receiveConfirmation } from './receive-confirmation.js';

/** Path of the DMS answer endpoint. */
export const DMS_CONFIRMATIONS_PATH = '/dms/v1/confirmations';
const MEDIA_TYPES = ['application/xml', 'text/xml'];

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * `POST /dms/v1/confirmations` (body: an xdomea 0402 or 0403 as application/xml): a DMS reports what it
 * imported. Authenticated with a bearer token of `dms.clients[]`, which also names the tenants whose
 * submissions the client may confirm (anything else is 404). 200 with the counts; the same message
 * again is 200 with `recorded: 0`.
 */
export function dmsConfirmationRoutes(deps: HubDeps) {
  const clients = deps.config.dms.clients.map((c) => ({ id: c.id, tenants: new Set(c.tenants), digest: digest(resolveSecret(c.token).reveal()) }));
  const intake = confirmationIntake(deps);
  return async function plugin(app: FastifyInstance): Promise<void> {
    app.addContentTypeParser(MEDIA_TYPES, { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    // checked before any body parser runs, so a JSON body is 415 (not a JSON parse error)
    const onRequest = async (request: { headers: Record<string, string | string[] | undefined> }): Promise<void> => {
      const type = String(request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
      if (!MEDIA_TYPES.includes(type)) throw httpProblem(415, ErrorCode.UNSUPPORTED_MEDIA_TYPE, 'send the xdomea message as application/xml');
    };
    app.post(DMS_CONFIRMATIONS_PATH, { onRequest }, async (request) => {
      const token = bearerToken(request.headers.authorization);
      const given = token ? digest(token) : undefined;
      const client = given && clients.find((c) => timingSafeEqual(c.digest, given));
      if (!client) throw httpProblem(401, ErrorCode.UNAUTHORIZED, 'a valid DMS bearer token is required');
      if (!Buffer.isBuffer(request.body)) throw httpProblem(415, ErrorCode.UNSUPPORTED_MEDIA_TYPE, 'send the xdomea message as application/xml');
      const result = await receiveConfirmation(intake, {
        content: request.body,
        source: `http:${client.id}`,
        // a back office's DMS answers for what it processes on behalf of another tenant (issue 15)
        mayConfirm: (owner) => client.tenants.has(owner.processingTenantId ?? owner.tenantId),
      });
      return result;
    });
  };
}
