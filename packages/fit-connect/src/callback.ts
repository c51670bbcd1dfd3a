// Callback authentication (docs.fitko.de/fit-connect "Callbacks"): HMAC-SHA512 over
// `${timestamp}.${body}` with the callback secret, hex, in `callback-authentication`;
// epoch seconds in `callback-timestamp`. Receivers refuse timestamps older than 5 minutes.
import { createHmac } from 'node:crypto';
import { constantTimeEqual } from '@weiche/core';
import type { Secret } from '@weiche/core';

export const CALLBACK_MAX_AGE_SECONDS = 300;

export type CallbackHeaders = { 'callback-authentication': string; 'callback-timestamp': string };

function secretValue(secret: string | Secret): string {
  return typeof secret === 'string' ? secret : secret.reveal();
}

function hmacHex(secret: string | Secret, timestamp: string, body: string): string {
  return createHmac('sha512', secretValue(secret)).update(`${timestamp}.${body}`).digest('hex');
}

/** Headers for a callback POST: hex HMAC-SHA512 over "<timestamp>.<body>" and the timestamp in epoch seconds. */
export function callbackHeaders(secret: string | Secret, body: string, now: Date = new Date()): CallbackHeaders {
  const timestamp = String(Math.floor(now.getTime() / 1000));
  return { 'callback-authentication': hmacHex(secret, timestamp, body), 'callback-timestamp': timestamp };
}

export type CallbackVerification = { ok: true } | { ok: false; reason: 'missing-headers' | 'stale' | 'bad-signature' };

/** Checks a received callback: timestamp at most 5 minutes old (and not in the future beyond that), HMAC equal in constant time. */
export function verifyCallback(opts: {
  secret: string | Secret;
  body: string;
  headers: Partial<Record<string, string | string[] | undefined>>;
  now?: Date;
  /** How far a timestamp may lie in the future (clock skew); default the same 5 minutes as into the past. */
  maxFutureSeconds?: number;
}): CallbackVerification {
  const pick = (name: string): string | undefined => {
    const v = opts.headers[name] ?? opts.headers[name.toLowerCase()];
    return Array.isArray(v) ? v[0] : v;
  };
  const auth = pick('callback-authentication');
  const timestamp = pick('callback-timestamp');
  if (!auth || !timestamp || !/^\d+$/.test(timestamp)) return { ok: false, reason: 'missing-headers' };
  const nowSeconds = Math.floor((opts.now ?? new Date()).getTime() / 1000);
  const age = nowSeconds - Number(timestamp);
  if (age > CALLBACK_MAX_AGE_SECONDS || -age > (opts.maxFutureSeconds ?? CALLBACK_MAX_AGE_SECONDS)) return { ok: false, reason: 'stale' };
  if (!constantTimeEqual(auth.toLowerCase(), hmacHex(opts.secret, timestamp, opts.body))) return { ok: false, reason: 'bad-signature' };
  return { ok: true };
}

/** Callback type of CallbackNewEvents (Submission API 1.1.3, components.callbacks.NewEvents). */
export const NEW_EVENTS_CALLBACK_TYPE = 'https://schema.fitko.de/fit-connect/submission-api/callbacks/new-events';

/**
 * Body of a NewEvents callback (CallbackNewEvents): the submission whose event log has a new event; the
 * receiver fetches the log itself. The deprecated `submissionIds` is left out.
 */
export function newEventsCallbackBody(submission: { destinationId: string; submissionId: string; caseId: string }): string {
  const { destinationId, submissionId, caseId } = submission;
  return JSON.stringify({ type: NEW_EVENTS_CALLBACK_TYPE, submissions: [{ destinationId, submissionId, caseId }] });
}
