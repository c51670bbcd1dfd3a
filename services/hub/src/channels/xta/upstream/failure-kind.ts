import { ErrorCode, isWeicheError } from '@weiche/core';
import { isXtaFault, XtaResponseError } from '@weiche/xta';
import { transportFailureKind, type UpstreamFailureKind } from '../../../upstreams/failure-kinds.js';
import { XtaTransportError } from './soap-http-client.js';

/** The kind of a failed call to an XTA server, for weiche_upstream_failures_total. */
export function xtaFailureKind(error: unknown): UpstreamFailureKind {
  if (error instanceof XtaTransportError) return transportFailureKind(error.cause);
  // PermissionDenied: the account is unknown, locked or not this reader's (9012 …)
  if (isXtaFault(error)) return error.kind === 'PermissionDeniedException' ? 'auth' : 'upstream-error';
  if (error instanceof XtaResponseError) {
    if (error.httpStatus === undefined) return 'invalid-answer';
    return error.httpStatus === 401 || error.httpStatus === 403 ? 'auth' : 'upstream-error';
  }
  if (isWeicheError(error) && error.code === ErrorCode.PAYLOAD_TOO_LARGE) return 'too-large';
  return 'other';
}
