import { ErrorCode, WeicheError } from '@weiche/core';

/** Delivery failed but a later attempt may succeed (endpoint down, timeout, disk full). */
export class TransientDeliveryError extends WeicheError {
  override readonly name = 'TransientDeliveryError';
  /** The far side asked to wait this long (e.g. HTTP Retry-After). */
  readonly retryAfterMs: number | undefined;

  constructor(reason: string, options: { retryAfterMs?: number; cause?: unknown } = {}) {
    super(ErrorCode.DELIVERY_TRANSIENT, reason, { retryable: true, cause: options.cause });
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** Delivery cannot succeed without an operator (permission denied, rejected by the far side). */
export class PermanentDeliveryError extends WeicheError {
  override readonly name = 'PermanentDeliveryError';

  constructor(reason: string, options: { cause?: unknown } = {}) {
    super(ErrorCode.DELIVERY_PERMANENT, reason, { retryable: false, cause: options.cause });
  }
}

export type DeliveryErrorKind = 'transient' | 'permanent';

/** Anything that is not explicitly permanent counts as transient (a retry is the safe default). */
export function classifyDeliveryError(error: unknown): DeliveryErrorKind {
  return error instanceof PermanentDeliveryError ? 'permanent' : 'transient';
}
