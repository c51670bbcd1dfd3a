import type { Logger } from 'pino';
import { openSecret, type TenantKeyring } from '@weiche/blobstore';
import type { WeicheConfig } from '@weiche/config';
import { errorMessage } from '@weiche/core';
import { callbackHeaders, newEventsCallbackBody } from '@weiche/fit-connect';
import type { CallbackStore, Journal } from '@weiche/journal';
import type { CallbackJob } from '@weiche/queue';
import { FIT_CONNECT_CHANNEL, FitConnectMeta } from '../meta.js';
import { CallbackPostError, postCallback } from './post-callback.js';

export interface SendCallbackDeps {
  readonly callbacks: Pick<CallbackStore, 'get' | 'markSent' | 'recordFailure' | 'giveUp'>;
  readonly journal: Pick<Journal, 'getSubmission'>;
  readonly keyring: Pick<TenantKeyring, 'findDataKey'>;
  readonly policy: Pick<WeicheConfig['callbacks'], 'timeoutMs' | 'maxAgeMs'>;
  readonly log: Logger;
  readonly now?: () => Date;
}

export type CallbackOutcome = 'sent' | 'given-up' | 'done-already';

/**
 * Sends one owed callback (a NewEvents notice for one event of the sender's case), signed with the
 * sender's secret and a timestamp taken at this attempt, so a callback retried hours later is still
 * fresh to the receiver (which refuses timestamps older than 5 minutes). A failed attempt is thrown for
 * BullMQ's backoff — unless the callback is older than `maxAgeMs`, then it is given up with the reason.
 */
export async function sendCallback(job: CallbackJob, deps: SendCallbackDeps): Promise<CallbackOutcome> {
  const now = deps.now ?? (() => new Date());
  const owed = await deps.callbacks.get(job.jti);
  if (!owed || owed.state !== 'PENDING') return 'done-already';
  const giveUp = async (reason: string, attempted = false): Promise<CallbackOutcome> => {
    await deps.callbacks.giveUp(job.jti, reason, { attempted });
    deps.log.warn({ submissionId: owed.submissionId, event: owed.eventName, reason }, 'callback given up');
    return 'given-up';
  };

  const row = await deps.journal.getSubmission(owed.submissionId);
  if (!row || row.channel !== FIT_CONNECT_CHANNEL) return giveUp('the submission is no longer in the journal');
  const meta = FitConnectMeta.parse(row.channelMeta);
  if (!meta.callback) return giveUp('the submission has no callback');
  let secret;
  try {
    secret = await openSecret(deps.keyring, row.tenantId, row.submissionId, meta.callback.sealedSecret);
  } catch (error) {
    return giveUp(`the callback secret cannot be opened: ${errorMessage(error)}`);
  }

  const body = newEventsCallbackBody({ destinationId: meta.destinationId, submissionId: row.submissionId, caseId: meta.caseId });
  try {
    await postCallback(meta.callback.url, body, callbackHeaders(secret, body, now()), deps.policy.timeoutMs);
  } catch (error) {
    const reason = error instanceof CallbackPostError ? error.message : `callback failed: ${errorMessage(error)}`;
    const ageMs = now().getTime() - owed.createdAt.getTime();
    if (ageMs >= deps.policy.maxAgeMs) {
      return giveUp(`not received within ${Math.round(deps.policy.maxAgeMs / 1000)} s after ${owed.attempts + 1} attempts; last: ${reason}`, true);
    }
    await deps.callbacks.recordFailure(job.jti, reason);
    throw new CallbackPostError(reason);
  }
  await deps.callbacks.markSent(job.jti);
  return 'sent';
}
