import { PermanentDeliveryError, TransientDeliveryError } from '@weiche/adapter-sdk';
import { parseRetryAfter } from './retry-after.js';

/** Turns a non-2xx answer into the delivery error the engine acts on (408/409/429/5xx transient, other 4xx permanent). */
export function errorForStatus(status: number, retryAfter: string | undefined): TransientDeliveryError | PermanentDeliveryError {
  const reason = `endpoint answered HTTP ${status}`;
  // the status as a fact of the error (errorFacts), so the log can name it without the message
  const cause = { name: 'HttpStatus', statusCode: status };
  // 409: the Idempotency-Key draft (draft-ietf-httpapi-idempotency-key-header §2.7) answers 409 while the
  // first request with the same key is still being processed, so a later retry gets the stored answer.
  if (status === 408 || status === 409 || status === 429 || status >= 500) {
    const retryAfterMs = parseRetryAfter(retryAfter);
    return new TransientDeliveryError(reason, retryAfterMs === undefined ? { cause } : { retryAfterMs, cause });
  }
  return new PermanentDeliveryError(reason, { cause });
}

// Certificate problems need an operator (like a wrong SSH host key); a retry would only hammer the endpoint.
const TLS_PERMANENT = new Set([
  'ERR_WEICHE_CERT_PIN',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
]);

/** Classifies a network or TLS error of the request: certificate problems are permanent, everything else transient. */
export function errorForNetwork(error: unknown): TransientDeliveryError | PermanentDeliveryError {
  if (error instanceof TransientDeliveryError || error instanceof PermanentDeliveryError) return error;
  const code = (error as NodeJS.ErrnoException).code ?? 'UNKNOWN';
  return TLS_PERMANENT.has(code)
    ? new PermanentDeliveryError(`TLS verification of the endpoint failed (${code})`, { cause: error })
    : new TransientDeliveryError(`request to the endpoint failed (${code})`, { cause: error });
}
