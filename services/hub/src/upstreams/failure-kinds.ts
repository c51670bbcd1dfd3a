import { tlsErrorCode } from '../transport-error.js';

/**
 * The kinds of failure counted per upstream in `weiche_upstream_failures_total{upstream,kind}`: a fixed, small set,
 * so a label never carries an id, a message or anything a sender wrote (README "Monitoring" says what each means).
 * Each upstream kind classifies its own errors into these (fit-connect/upstream/failure-kind.ts, xta/upstream/…).
 */
export const UPSTREAM_FAILURE_KINDS = [
  /** no answer: connection refused or reset, name not resolved, no (complete) answer in time */
  'connection',
  /**
   * the TLS handshake failed: no client certificate, the server's certificate not trusted, or a TLS 1.3 server
   * refused the client certificate after the handshake (an alert, or a hang-up before any answer on a fresh
   * connection: transport-error.ts watchClientCertificateRefusal)
   */
  'tls',
  /** the upstream refused the hub's credentials or account: HTTP 401/403, the token request refused, XTA PermissionDenied */
  'auth',
  /** the upstream answered with an error: another HTTP error status, an XTA fault */
  'upstream-error',
  /** an answer not of the API or profile: not JSON/SOAP, of another shape, a list entry unreadable or for another destination */
  'invalid-answer',
  /** an answer over the hub's limits */
  'too-large',
  /** anything else, such as the hub's own database or blob store failing while taking a submission in */
  'other',
] as const;
export type UpstreamFailureKind = (typeof UPSTREAM_FAILURE_KINDS)[number];

/** `connection` or `tls` for an error of the transport: a TLS code on its chain of causes makes it `tls`. */
export function transportFailureKind(error: unknown): 'connection' | 'tls' {
  return tlsErrorCode(error) === undefined ? 'connection' : 'tls';
}

/** A fetch given up by its timeout or abort signal (DOMException TimeoutError / AbortError). */
export const isTimeout = (error: unknown): boolean => error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
