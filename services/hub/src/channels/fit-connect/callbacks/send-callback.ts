import type { Logger } from 'pino';
import { openSecret, type TenantKeyring } from '@weiche/blobstore';
import type { WeicheConfig } from '@weiche/config';
import { errorMessage } from '@weiche/core';
import { callbackHeaders, newEventsCallbackBody } from '@weiche/fit-connect';
import type { CallbackStore, Journal } from '@weiche/journal';
import type { CallbackJob } from '@weiche/queue';
import { FitConnectMeta, isSenderApiChannel } from '../meta.js';
import { isStorageOutage } from '../../../worker-job.js';
import { targetCheck, type TargetCheck } from './callback-target.js';
import { CallbackPostError, CallbackTargetRefused, postCallback, type ResolveHost } from './post-callback.js';

export interface SendCallbackDeps {
  readonly callbacks: Pick<CallbackStore, 'get' | 'markSent' | 'recordFailure' | 'giveUp'>;
  readonly journal: Pick<Journal, 'getSubmission'>;
  readonly keyring: Pick<TenantKeyring, 'findDataKey'>;
  readonly policy: Pick<WeicheConfig['callbacks'], 'timeoutMs' | 'maxAgeMs'>;
  /** Their `callbackTargets`: internal addresses a sender client's callbacks may go to. */
  readonly senderClients: ReadonlyArray<Pick<WeicheConfig['senderClients'][number], 'clientId' | 'callbackTargets'>>;
  readonly log: Logger;
  readonly now?: () => Date;
  /** How callback host names are resolved when a callback connects: the system resolver unless given. */
  readonly resolveHost?: ResolveHost;
}

export type CallbackOutcome = 'sent' | 'given-up' | 'done-already';

/**
 * Sends one owed callback (a NewEvents notice for one event of the sender's case), signed with the
 * sender's secret and a timestamp taken at this attempt, so a callback retried hours later is still
 * fresh to the receiver (which refuses timestamps older than 5 minutes). A failed attempt is thrown for
 * BullMQ's backoff — unless the callback is older than `maxAgeMs`, then it is given up with the reason. A
 * target address the sender client may not reach (callback-target.ts) is given up at once: retrying will not
 * change it, and the operator sees why.
 */
export async function sendCallback(job: CallbackJob, deps: SendCallbackDeps): Promise<CallbackOutcome> {
  const now = deps.now ?? (() => new Date());
  const owed = await deps.callbacks.get(job.jti);
  if (!owed || owed.state !== 'PENDING') return 'done-already';
  // the reason may name the sender's callback host or a library's words: it is kept for the operator's callback
  // list (admin API); the log says which kind of ending it was
  const giveUp = async (reason: string, why: 'cannot-send' | 'target-refused' | 'too-old', attempted = false): Promise<CallbackOutcome> => {
    await deps.callbacks.giveUp(job.jti, reason, { attempted });
    deps.log.warn({ submissionId: owed.submissionId, event: owed.eventName, why }, 'callback given up');
    return 'given-up';
  };

  // Every failure of an attempt — before the POST as well as the POST itself — is counted, retried with
  // backoff and given up after maxAgeMs; only a storage outage pauses the job without counting. (Thrown on
  // as is, a failure before the POST retried forever, or, if not retryable, failed the job, which the
  // reconciler re-enqueued on every pass.)
  let attempt: CallbackAttempt | undefined;
  let reason: string | undefined;
  let failure: unknown;
  try {
    attempt = await prepare(owed.submissionId, deps, now());
    if ('cannot' in attempt) return giveUp(attempt.cannot, 'cannot-send');
    await postCallback({ ...attempt, timeoutMs: deps.policy.timeoutMs, resolveHost: deps.resolveHost });
  } catch (error) {
    if (isStorageOutage(error)) throw error;
    if (error instanceof CallbackTargetRefused) return giveUp(error.message, 'target-refused');
    failure = error;
    reason = error instanceof CallbackPostError ? error.message : `callback ${attempt ? 'failed' : 'cannot be prepared'}: ${errorMessage(error)}`;
  }
  if (reason === undefined) {
    await deps.callbacks.markSent(job.jti);
    return 'sent';
  }
  const ageMs = now().getTime() - owed.createdAt.getTime();
  if (ageMs >= deps.policy.maxAgeMs) {
    return giveUp(`not received within ${Math.round(deps.policy.maxAgeMs / 1000)} s after ${owed.attempts + 1} attempts; last: ${reason}`, 'too-old', true);
  }
  await deps.callbacks.recordFailure(job.jti, reason);
  // the failure as its cause: the log names the attempt's failure by its facts (status, errno), the reason is recorded
  throw new CallbackPostError(reason, { cause: failure });
}

/** One attempt's POST, or why the callback can never be sent (given up at once). */
type CallbackAttempt =
  | { readonly url: string; readonly body: string; readonly headers: Record<string, string>; readonly permits: TargetCheck }
  | { readonly cannot: string };

/** The POST of one attempt: the sender's callback URL, the NewEvents body and headers signed now. */
async function prepare(submissionId: string, deps: SendCallbackDeps, at: Date): Promise<CallbackAttempt> {
  const row = await deps.journal.getSubmission(submissionId);
  if (!row || !isSenderApiChannel(row.channel)) return { cannot: 'the submission is no longer in the journal' };
  const meta = FitConnectMeta.safeParse(row.channelMeta);
  if (!meta.success) return { cannot: 'the submission\'s callback settings cannot be read' };
  const { callback, destinationId, caseId, senderClientId } = meta.data;
  if (!callback) return { cannot: 'the submission has no callback' };
  let secret;
  try {
    secret = await openSecret(deps.keyring, row.tenantId, row.submissionId, callback.sealedSecret);
  } catch (error) {
    if (isStorageOutage(error)) throw error;
    return { cannot: `the callback secret cannot be opened: ${errorMessage(error)}` };
  }
  const body = newEventsCallbackBody({ destinationId, submissionId: row.submissionId, caseId });
  // a sender client no longer configured has no allowance left
  const targets = deps.senderClients.find((c) => c.clientId === senderClientId)?.callbackTargets ?? [];
  if (!URL.canParse(callback.url)) return { cannot: 'the callback URL cannot be read' };
  return { url: callback.url, body, headers: callbackHeaders(secret, body, at), permits: targetCheck(targets, new URL(callback.url)) };
}
