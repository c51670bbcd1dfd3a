import { buildSetClaims, type EventName } from '@weiche/fit-connect';
import type { JwtSigner } from '@weiche/crypto';
import type { EventInput, Journal } from '@weiche/journal';
import type { Logger } from 'pino';
import type { HubQueues } from '@weiche/queue';
import { withTimeout } from '../../timeout.js';

export interface EventDeps {
  readonly signer: Pick<JwtSigner, 'signSet'>;
  /** Issuer of the SETs: the hub's public base URL. */
  readonly issuer: string;
}

/** The case an event belongs to; `notifySender` when the sender gave a callback (a callback is then owed with the event). */
export interface EventRef {
  readonly submissionId: string;
  readonly caseId: string;
  readonly notifySender?: boolean;
  /**
   * Who issues the SET when not the delivery service (whose `iss` is the hub's base URL): the destination, as its
   * subscriber answers (accept-, reject-submission: `iss` its destinationId, set-payload schema). Senders verify such
   * a SET with the destination's key for its `kid` (GET /v1/destinations/{id}/keys/{kid}, sender-routes.ts).
   */
  readonly subscriberOf?: string;
}

/** Signs a Security Event Token for the case's event log; the caller writes it (with the state it belongs to). */
export async function signEvent(deps: EventDeps, ref: EventRef, event: EventName, payload?: Record<string, unknown>): Promise<EventInput> {
  const claims = buildSetClaims({ issuer: ref.subscriberOf ?? deps.issuer, event, submissionId: ref.submissionId, caseId: ref.caseId, ...(payload ? { payload } : {}) });
  return {
    caseId: ref.caseId,
    submissionId: ref.submissionId,
    eventName: event,
    jti: String(claims.jti),
    token: await deps.signer.signSet(claims),
    ...(ref.notifySender ? { notifySender: true } : {}),
  };
}

/**
 * Hands the callbacks owed for committed events to the queue at once. Best effort: the row in `callbacks`
 * is already committed with its event, and the callback reconciler enqueues whatever this misses.
 */
export async function enqueueCallbacks(deps: CallbackEnqueueDeps, events: ReadonlyArray<EventInput | undefined>): Promise<void> {
  for (const event of events) {
    if (!event?.notifySender) continue;
    await withTimeout(deps.queues.enqueueCallback({ jti: event.jti }), 2000, 'enqueue callback').catch((error: unknown) =>
      deps.log.warn({ err: error, submissionId: event.submissionId }, 'callback enqueue failed; the callback reconciler picks it up'),
    );
  }
}

export interface CallbackEnqueueDeps {
  readonly queues: Pick<HubQueues, 'enqueueCallback'>;
  readonly log: Pick<Logger, 'warn'>;
}

/** Appends an event to the case's event log unless the submission has one of that name already (at most once each). */
export async function emitEvent(
  deps: EventDeps & { readonly journal: Pick<Journal, 'hasEvent' | 'appendEvent'> },
  ref: EventRef,
  event: EventName,
  payload?: Record<string, unknown>,
): Promise<EventInput | undefined> {
  if (await deps.journal.hasEvent(ref.submissionId, event)) return undefined;
  const signed = await signEvent(deps, ref, event, payload);
  await deps.journal.appendEvent(signed);
  return signed;
}
