import { ErrorCode, isWeicheError } from '@weiche/core';
import { isTimeout, transportFailureKind, type UpstreamFailureKind } from '../../../upstreams/failure-kinds.js';
import { UpstreamAnswerError } from './answer-shape.js';
import { UpstreamHttpError, UpstreamTransportError } from './api-client.js';

/** The kind of a failed call to a FIT-Connect Zustelldienst, for weiche_upstream_failures_total. */
export function fitConnectFailureKind(error: unknown): UpstreamFailureKind {
  if (error instanceof UpstreamTransportError) return transportFailureKind(error.cause);
  if (isTimeout(error)) return 'connection';
  if (error instanceof UpstreamHttpError) return error.status === 401 || error.status === 403 ? 'auth' : 'upstream-error';
  if (error instanceof UpstreamAnswerError) return 'invalid-answer';
  if (isWeicheError(error) && error.code === ErrorCode.PAYLOAD_TOO_LARGE) return 'too-large';
  return 'other';
}
