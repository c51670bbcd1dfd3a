// Security Event Token claims and event payloads (docs.fitko.de/fit-connect "SET Erzeugung", "Ereignisse").
import { randomUUID } from 'node:crypto';
import type { RejectionProblem } from './problems.js';

export type EventName = 'create-submission' | 'submit-submission' | 'accept-submission' | 'reject-submission';

/** Event URI as used in SET `events`: https://schema.fitko.de/fit-connect/events/<name>. */
export function EVENT_URI(name: EventName): string {
  return `https://schema.fitko.de/fit-connect/events/${name}`;
}

/**
 * The SET-payload schema the hub's SETs name under `$schema` (docs.fitko.de "SET Prüfung": the SET SHOULD name the
 * SET-payload schema it follows; optional for now, to become mandatory). 1.0.0 is the first published version; every
 * 1.x schema accepts SETs naming it, and its payloads (authenticationTags, problems) are those the hub writes.
 */
export const SET_PAYLOAD_SCHEMA = 'https://schema.fitko.de/fit-connect/set-payload/1.0.0/set-payload.schema.json';

/** Any SET-payload schema of major version 1 (the `$schema` pattern of the set-payload schemas from 1.1.0 on). */
export const SET_PAYLOAD_SCHEMA_PATTERN = /^https:\/\/schema\.fitko\.de\/fit-connect\/set-payload\/1\.\d+\.\d+\/set-payload\.schema\.json$/;

// events whose payload the SET-payload schema prescribes (authenticationTags, problems); create-submission has none
const PAYLOAD_PRESCRIBED: ReadonlySet<EventName> = new Set(['submit-submission', 'accept-submission', 'reject-submission']);

export type SetClaims = {
  $schema?: string;
  iss: string;
  iat: number;
  jti: string;
  sub: string;
  txn: string;
  events: Record<string, Record<string, unknown>>;
};

/**
 * Builds SET claims: $schema, iss, iat, jti (UUID), sub "submission:<id>", txn "case:<id>", events { <uri>: payload }.
 * An event the schema prescribes a payload for goes without `$schema` when it has none ("SET Erzeugung": such a SET must
 * not name the schema, which would reject it).
 */
export function buildSetClaims(opts: {
  issuer: string;
  event: EventName;
  submissionId: string;
  caseId: string;
  payload?: Record<string, unknown>;
  now?: Date;
}): SetClaims {
  const named = opts.payload !== undefined || !PAYLOAD_PRESCRIBED.has(opts.event);
  return {
    ...(named ? { $schema: SET_PAYLOAD_SCHEMA } : {}),
    iss: opts.issuer,
    iat: Math.floor((opts.now ?? new Date()).getTime() / 1000),
    jti: randomUUID(),
    sub: `submission:${opts.submissionId}`,
    txn: `case:${opts.caseId}`,
    events: { [EVENT_URI(opts.event)]: opts.payload ?? {} },
  };
}

export type AuthenticationTags = {
  metadata: string;
  data?: string;
  attachments: Record<string, string>;
};

/** accept-submission payload: the fifth JWE segment of metadata, data and each attachment. */
export function acceptPayload(tags: AuthenticationTags): { authenticationTags: AuthenticationTags } {
  return {
    authenticationTags: {
      metadata: tags.metadata,
      ...(tags.data === undefined ? {} : { data: tags.data }),
      attachments: { ...tags.attachments },
    },
  };
}

/** reject-submission payload: { problems }. */
export function rejectPayload(problems: RejectionProblem[]): { problems: RejectionProblem[] } {
  if (problems.length === 0) throw new Error('rejectPayload needs at least one problem');
  return { problems: [...problems] };
}
