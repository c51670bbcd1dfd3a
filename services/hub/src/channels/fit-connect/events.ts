import { buildSetClaims, type EventName } from '@weiche/fit-connect';
import type { JwtSigner } from '@weiche/crypto';
import type { EventInput, Journal } from '@weiche/journal';

export interface EventDeps {
  readonly signer: Pick<JwtSigner, 'signSet'>;
  /** Issuer of the SETs: the hub's public base URL. */
  readonly issuer: string;
}

/** Signs a Security Event Token for the case's event log; the caller writes it (with the state it belongs to). */
export async function signEvent(deps: EventDeps, ref: { submissionId: string; caseId: string }, event: EventName, payload?: Record<string, unknown>): Promise<EventInput> {
  const claims = buildSetClaims({ issuer: deps.issuer, event, submissionId: ref.submissionId, caseId: ref.caseId, ...(payload ? { payload } : {}) });
  return { caseId: ref.caseId, submissionId: ref.submissionId, eventName: event, jti: String(claims.jti), token: await deps.signer.signSet(claims) };
}

/** Appends an event to the case's event log unless the submission has one of that name already (at most once each). */
export async function emitEvent(
  deps: EventDeps & { readonly journal: Pick<Journal, 'hasEvent' | 'appendEvent'> },
  ref: { submissionId: string; caseId: string },
  event: EventName,
  payload?: Record<string, unknown>,
): Promise<EventInput | undefined> {
  if (await deps.journal.hasEvent(ref.submissionId, event)) return undefined;
  const signed = await signEvent(deps, ref, event, payload);
  await deps.journal.appendEvent(signed);
  return signed;
}
