// Security Event Token claims and event payloads (docs.fitko.de/fit-connect "SET Erzeugung", "Ereignisse").
import { randomUUID } from 'node:crypto';
import type { RejectionProblem } from './problems.js';

export type EventName = 'create-submission' | 'submit-submission' | 'accept-submission' | 'reject-submission';

/** Event URI as used in SET `events`: https://schema.fitko.de/fit-connect/events/<name>. */
export function EVENT_URI(name: EventName): string {
  return `https://schema.fitko.de/fit-connect/events/${name}`;
}

export type SetClaims = {
  iss: string;
  iat: number;
  jti: string;
  sub: string;
  txn: string;
  events: Record<string, Record<string, unknown>>;
};

/** Builds SET claims: iss, iat, jti (UUID), sub "submission:<id>", txn "case:<id>", events { <uri>: payload }. */
export function buildSetClaims(opts: {
  issuer: string;
  event: EventName;
  submissionId: string;
  caseId: string;
  payload?: Record<string, unknown>;
  now?: Date;
}): SetClaims {
  return {
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
