import type { KeyObject } from 'node:crypto';
import { decodeJwt } from 'jose';
import type pg from 'pg';
import { ErrorCode, WeicheError } from '@weiche/core';
import { signCompactJws } from '@weiche/crypto';
import { acceptPayload, buildSetClaims, EVENT_URI, rejectPayload, type EventName } from '@weiche/fit-connect';
import type { SubmissionRow } from '@weiche/journal';
import { fitConnectProblem } from '../problems.js';
import { claimNames } from './api-schemas.js';
import type { UpstreamConnection } from './pickup.js';
import type { FitConnectUpstreamMeta } from './meta.js';

/** What answering needs besides the connection: the upstream's signing key, and the pool for the per-submission lock. */
export interface AnswerDeps {
  readonly pool: pg.Pool;
  readonly signingKey: KeyObject;
}

const ANSWERS: readonly EventName[] = ['accept-submission', 'reject-submission'];

/** Our answer already in the case's event log (iss = the destination, sub = the submission): its event name, jti and the SET. */
export function answerInLog(tokens: readonly string[], destinationId: string, submissionId: string): { event: string; jti?: string; token: string } | undefined {
  for (const token of tokens) {
    let claims: Record<string, unknown>;
    try {
      claims = decodeJwt(token);
    } catch {
      continue;
    }
    if (!claimNames(claims.iss, destinationId) || !claimNames(claims.sub, `submission:${submissionId}`)) continue;
    const events = (claims.events ?? {}) as Record<string, unknown>;
    const event = ANSWERS.find((name) => EVENT_URI(name) in events);
    if (event) return { event, ...(typeof claims.jti === 'string' ? { jti: claims.jti } : {}), token };
  }
  return undefined;
}

/** Runs `work` while holding a session advisory lock on the key; refuses (to be retried) when another process holds it. */
async function exclusively<T>(pool: pg.Pool, key: string, work: () => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [key]);
    if (!rows[0]?.ok) throw new WeicheError(ErrorCode.CONFLICT, 'another process is answering this submission upstream', { retryable: true });
    try {
      return await work();
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', [key]);
    }
  } finally {
    client.release();
  }
}

/**
 * Answers the upstream for a DELIVERED (accept-submission with the authentication tags) or REJECTED
 * (reject-submission with the FIT-Connect problem) submission: one signed SET (`typ: secevent+jwt`,
 * PS512, `kid` = the registered signing key, `iss` = the destination). Never two for one submission:
 * one process at a time (advisory lock), and the case's event log is read first — an answer of ours
 * already there (posted before a crash, before the journal recorded it) is the answer. What it returns, the
 * SET included, goes into the acknowledge audit record: the evidence of what the upstream was told.
 */
export async function answerUpstream(deps: AnswerDeps, up: UpstreamConnection, row: SubmissionRow, meta: FitConnectUpstreamMeta): Promise<Record<string, unknown>> {
  const ref = { submissionId: meta.upstreamSubmissionId, caseId: meta.caseId };
  let event: EventName;
  let payload: Record<string, unknown>;
  let problemType: string | undefined;
  if (row.state === 'DELIVERED') {
    const tags = meta.authenticationTags;
    if (!tags) throw new WeicheError(ErrorCode.INTERNAL, 'a delivered upstream submission has no authentication tags');
    event = 'accept-submission';
    payload = acceptPayload({ metadata: tags.metadata, attachments: tags.attachments, ...(tags.data !== undefined ? { data: tags.data } : {}) });
  } else if (row.state === 'REJECTED') {
    const problem = fitConnectProblem(row.problem ?? { code: ErrorCode.INTERNAL, stage: 'open', detail: row.reason ?? 'rejected' });
    event = 'reject-submission';
    payload = rejectPayload([problem]);
    problemType = problem.type;
  } else {
    throw new WeicheError(ErrorCode.INTERNAL, `nothing to acknowledge in state ${row.state}`);
  }
  return exclusively(deps.pool, `fit-connect-upstream:${up.config.id}:${ref.submissionId}`, async () => {
    const before = answerInLog(await up.client.events(ref.caseId), up.config.destinationId, ref.submissionId);
    if (before) return { upstream: up.config.id, event: before.event, ...(before.jti ? { jti: before.jti } : {}), token: before.token, alreadyInEventLog: true };
    const claims = buildSetClaims({ issuer: up.config.destinationId, event, submissionId: ref.submissionId, caseId: ref.caseId, payload });
    const token = await signCompactJws({ typ: 'secevent+jwt', kid: up.config.signingKeyId }, claims, deps.signingKey, 'PS512');
    const status = await up.client.postEvent(ref.caseId, token);
    if (status === 409) {
      // the submission was answered meanwhile — by us (then the log shows it) or by the Zustelldienst itself (auto-reject)
      const after = answerInLog(await up.client.events(ref.caseId), up.config.destinationId, ref.submissionId);
      return { upstream: up.config.id, event: after?.event ?? 'none', ...(after?.jti ? { jti: after.jti, token: after.token } : {}), conflict: true };
    }
    return { upstream: up.config.id, event, jti: claims.jti, token, ...(problemType ? { problem: problemType } : {}) };
  });
}
