/** Retry policy of one adapter instance (see config: adapters[].retry). */
export interface RetryPolicy {
  readonly attempts: number;
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
}

export const JITTERED_BACKOFF = 'jittered-exponential';

/**
 * Delay before retry number `attemptsMade` (1 = first retry): exponential from backoffMs, capped,
 * then full ±50 % jitter so that many failed jobs do not come back in lockstep. A far side's own
 * Retry-After wins when it asks for longer.
 */
export function backoffDelay(policy: RetryPolicy, attemptsMade: number, retryAfterMs?: number, random: () => number = Math.random): number {
  const exponent = Math.max(0, attemptsMade - 1);
  const base = Math.min(policy.maxBackoffMs, policy.backoffMs * 2 ** Math.min(exponent, 30));
  const jittered = Math.round(base * (0.5 + random()));
  return Math.max(jittered, retryAfterMs ?? 0);
}
