import { buildSetClaims } from '@weiche/fit-connect';
import type { HubDeps } from './context.js';

export type EventName = 'create-submission' | 'submit-submission' | 'accept-submission' | 'reject-submission';

/** Signs a Security Event Token and appends it to the case's event log (at most once per submission and event). */
export async function emitEvent(
  deps: Pick<HubDeps, 'journal' | 'signer' | 'issuer'>,
  ref: { submissionId: string; caseId: string },
  event: EventName,
  payload?: Record<string, unknown>,
): Promise<void> {
  if (await deps.journal.hasEvent(ref.submissionId, event)) return;
  const claims = buildSetClaims({ issuer: deps.issuer, event, submissionId: ref.submissionId, caseId: ref.caseId, ...(payload ? { payload } : {}) });
  const token = await deps.signer.signSet(claims);
  await deps.journal.appendEvent({ caseId: ref.caseId, submissionId: ref.submissionId, eventName: event, jti: String(claims.jti), token });
}
