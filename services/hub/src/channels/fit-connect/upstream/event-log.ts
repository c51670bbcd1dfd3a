import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { EVENT_URI, type AuthenticationTags } from '@weiche/fit-connect';
import { claimNames } from './api-schemas.js';

/** The outcome of checking a case's event log for one submission. */
/** `token`: the verified submit-submission SET itself, kept as evidence of what the Zustelldienst attested. */
export type EventLogVerdict = { ok: true; token: string; submittedAt?: string } | { ok: false; detail: string };

type Jwks = ReturnType<typeof createRemoteJWKSet>;

const SUBMIT = EVENT_URI('submit-submission');

/** The Zustelldienst's signing keys, fetched on demand and cached by jose (refetched for an unknown kid). */
export function zustelldienstKeys(jwksUrl: string): Jwks {
  return createRemoteJWKSet(new URL(jwksUrl), { timeoutDuration: 10_000, cooldownDuration: 30_000 });
}

function sameTags(announced: unknown, actual: AuthenticationTags): boolean {
  if (typeof announced !== 'object' || announced === null) return false;
  const a = announced as { metadata?: unknown; data?: unknown; attachments?: unknown };
  const attachments = (typeof a.attachments === 'object' && a.attachments !== null ? a.attachments : {}) as Record<string, unknown>;
  const ids = Object.keys(actual.attachments);
  return (
    a.metadata === actual.metadata &&
    a.data === actual.data &&
    Object.keys(attachments).length === ids.length &&
    ids.every((id) => attachments[id] === actual.attachments[id])
  );
}

/** A token's claims without checking its signature, to find the one event that is then verified; undefined for what is no JWT. */
function claimsOf(token: string): Record<string, unknown> | undefined {
  try {
    return decodeJwt(token);
  } catch {
    return undefined;
  }
}

/**
 * Verifies a SET against the Zustelldienst's keys. A kid the cached set lacks makes jose fetch the set again, but not
 * within its cooldown after the last fetch: a key the Zustelldienst has just rotated in would then read as unknown and
 * the submission be rejected for good. So an unknown kid is looked up once more in a set fetched now; only a kid that
 * set lacks too is a verdict.
 */
async function verifyWithFreshKeys(token: string, keys: Jwks): Promise<{ payload: Record<string, unknown> }> {
  const options = { typ: 'secevent+jwt', algorithms: ['PS512'] };
  try {
    return await jwtVerify(token, keys, options);
  } catch (error) {
    if ((error as { code?: string }).code !== 'ERR_JWKS_NO_MATCHING_KEY') throw error;
    await keys.reload();
    return jwtVerify(token, keys, options);
  }
}

/**
 * Checks the case's event log before anything of the submission is trusted (issue 10, docs.fitko.de
 * "Event Log überprüfen"): the Zustelldienst's `submit-submission` SET for this submission must verify
 * against its JWKS (PS512, `typ: secevent+jwt`) and its `authenticationTags` must equal the tags of the
 * JWEs as fetched. A key set that cannot be fetched throws (try again later); a log that does not hold up
 * is a verdict (the submission is rejected with invalid-event-log).
 */
export async function verifySubmitEvent(keys: Jwks, tokens: readonly string[], ref: { submissionId: string; caseId: string }, tags: AuthenticationTags): Promise<EventLogVerdict> {
  const candidates = tokens.filter((t) => {
    const claims = claimsOf(t);
    const events = claims?.events;
    return claimNames(claims?.sub, `submission:${ref.submissionId}`) && typeof events === 'object' && events !== null && SUBMIT in events;
  });
  if (candidates.length === 0) return { ok: false, detail: 'Das Event-Log enthält kein submit-submission-Event für diese Einreichung.' };
  if (candidates.length > 1) return { ok: false, detail: 'Das Event-Log enthält mehr als ein submit-submission-Event für diese Einreichung.' };
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await verifyWithFreshKeys(candidates[0]!, keys));
  } catch (error) {
    const name = (error as { code?: string }).code ?? '';
    // the key set itself unreachable: not a verdict on the log
    if (name === 'ERR_JWKS_TIMEOUT' || name === 'ERR_JOSE_GENERIC' || name === 'ERR_JWKS_INVALID' || (error instanceof TypeError && /fetch/i.test(error.message))) throw error;
    return { ok: false, detail: `Die Signatur des submit-submission-Events ist nicht gültig (${name || 'ungültig'}).` };
  }
  if (!claimNames(payload.txn, `case:${ref.caseId}`)) return { ok: false, detail: 'Das submit-submission-Event gehört zu einem anderen Vorgang (txn).' };
  const event = (payload.events as Record<string, Record<string, unknown>>)[SUBMIT];
  if (!sameTags(event?.authenticationTags, tags)) {
    return { ok: false, detail: 'Die Authentication-Tags im submit-submission-Event stimmen nicht mit den übermittelten Daten überein.' };
  }
  return { ok: true, token: candidates[0]!, ...(typeof payload.iat === 'number' ? { submittedAt: new Date(payload.iat * 1000).toISOString() } : {}) };
}
