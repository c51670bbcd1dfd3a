import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { ErrorCode } from '@weiche/core';
import { EVENT_URI, SET_PAYLOAD_SCHEMA_PATTERN, type AuthenticationTags, type RejectionProblem } from '@weiche/fit-connect';
import { httpProblem } from '../../../gateway/problems.js';

/** The subscriber's answer to a relay submission, as verified from its SET. */
export type RelayAnswer =
  | { readonly event: 'accept-submission'; readonly jti: string; readonly authenticationTags: AuthenticationTags }
  | { readonly event: 'reject-submission'; readonly jti: string; readonly problems: readonly RejectionProblem[] };

/** What the SET must name: the destination (its issuer), the case and its submission. */
export interface AnswerExpectation {
  readonly destinationId: string;
  readonly caseId: string;
  readonly submissionId: string;
  /** The subscriber's signing keys (relay.signatureKeysFile). */
  readonly signatureKeys: { readonly keys: readonly object[] };
}

// the FIT-Connect SET payload schema: `jti` a UUID, `iat` an integer from 2020 on (minimum 1577833200)
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const IAT_MINIMUM = 1_577_833_200;
// a subscriber's clock may run a little ahead of the hub's; a SET issued further in the future is not believed
const IAT_FUTURE_TOLERANCE_SECONDS = 300;

const ANSWERS = { [EVENT_URI('accept-submission')]: 'accept-submission', [EVENT_URI('reject-submission')]: 'reject-submission' } as const;

function unprocessable(detail: string): Error {
  return httpProblem(422, ErrorCode.UNPROCESSABLE, detail);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Verifies a subscriber's SET (docs.fitko.de/fit-connect "SET Erzeugung"): PS512 with one of the destination's relay
 * signature keys, `typ: secevent+jwt`, `iss` the destination, `sub: submission:<id>`, `txn: case:<id>`, `$schema` (optional
 * for now, "SET Prüfung") a 1.x SET-payload schema, exactly one event, accept-submission (with authenticationTags) or reject-submission (with problems). 422 for anything else;
 * whether its jti is new and whether the submission is still open the caller checks against the journal.
 */
export async function verifyAnswer(token: string, expect: AnswerExpectation): Promise<RelayAnswer> {
  let payload: Record<string, unknown>;
  try {
    const keys = createLocalJWKSet(expect.signatureKeys as unknown as JSONWebKeySet);
    ({ payload } = await jwtVerify(token, keys, { algorithms: ['PS512'], typ: 'secevent+jwt' }));
  } catch (error) {
    throw unprocessable(`the SET does not verify with the destination's signature keys: ${(error as Error).message}`);
  }
  if (payload.iss !== expect.destinationId) throw unprocessable('iss must be the destinationId of the submission');
  if (payload.sub !== `submission:${expect.submissionId}`) throw unprocessable('sub must name the submission of this case (submission:<submissionId>)');
  if (payload.txn !== `case:${expect.caseId}`) throw unprocessable('txn must name this case (case:<caseId>)');
  // the sender validates the SETs of its event log against that schema: one that fails it must not get there
  if (payload.$schema !== undefined && (typeof payload.$schema !== 'string' || !SET_PAYLOAD_SCHEMA_PATTERN.test(payload.$schema))) {
    throw unprocessable('$schema must name a SET-payload schema of version 1.x (https://schema.fitko.de/fit-connect/set-payload/1.x.y/set-payload.schema.json)');
  }
  if (typeof payload.jti !== 'string' || !UUID.test(payload.jti)) throw unprocessable('the SET needs a jti that is a UUID');
  const iat = payload.iat;
  if (typeof iat !== 'number' || !Number.isInteger(iat) || iat < IAT_MINIMUM) throw unprocessable(`the SET needs an iat in whole seconds since the epoch, not before ${IAT_MINIMUM}`);
  if (iat > Date.now() / 1000 + IAT_FUTURE_TOLERANCE_SECONDS) throw unprocessable('the SET was issued in the future (iat)');
  const events = isRecord(payload.events) ? Object.entries(payload.events) : [];
  const [entry] = events;
  if (events.length !== 1 || !entry) throw unprocessable('the SET must carry exactly one event');
  const [uri, body] = entry;
  const event = (ANSWERS as Record<string, 'accept-submission' | 'reject-submission' | undefined>)[uri];
  if (!event) throw unprocessable('only accept-submission or reject-submission may be sent for a submission');
  if (!isRecord(body)) throw unprocessable('the event payload must be an object');
  if (event === 'accept-submission') {
    const tags = body.authenticationTags;
    if (!isRecord(tags) || typeof tags.metadata !== 'string' || !isRecord(tags.attachments) || (tags.data !== undefined && typeof tags.data !== 'string')) {
      throw unprocessable('accept-submission needs authenticationTags { metadata, data?, attachments }');
    }
    return { event, jti: payload.jti.toLowerCase(), authenticationTags: tags as AuthenticationTags };
  }
  const problems = body.problems;
  if (!Array.isArray(problems) || problems.length === 0 || !problems.every((p) => isRecord(p) && typeof p.type === 'string')) {
    throw unprocessable('reject-submission needs problems, each with a type');
  }
  return { event, jti: payload.jti.toLowerCase(), problems: problems as RejectionProblem[] };
}

/** 422 unless the tags echo the stored JWEs' (the subscriber answers for exactly what was submitted). */
export function assertTags(sent: AuthenticationTags, stored: AuthenticationTags): void {
  const mismatch = (part: string): Error => unprocessable(`authenticationTags.${part} does not match the submitted JWE`);
  if (sent.metadata !== stored.metadata) throw mismatch('metadata');
  if (sent.data !== stored.data) throw mismatch('data');
  // attachment ids are UUIDs, the same in any case (RFC 9562 §4): the subscriber may key them as its metadata names them
  const sentById = new Map(Object.entries(sent.attachments).map(([id, tag]) => [id.toLowerCase(), tag]));
  const ids = Object.keys(stored.attachments);
  if (sentById.size !== ids.length || Object.keys(sent.attachments).length !== ids.length) throw mismatch('attachments');
  for (const id of ids) if (sentById.get(id.toLowerCase()) !== stored.attachments[id]) throw mismatch(`attachments.${id}`);
}
