import { ErrorCode, errorMessage, isWeicheError } from '@weiche/core';
import { problem, rejectPayload, type RejectionProblem } from '@weiche/fit-connect';
import type { SubmissionState } from '@weiche/core';
import type { SubmissionRow, TransitionInput } from '@weiche/journal';
import type { ProcessJob } from '@weiche/queue';
import type { HubDeps } from '../context.js';
import { emitEvent } from '../events.js';
import { routesFor, type RouteConfig } from '../routing.js';
import { mapSubmission } from './map-submission.js';
import { openSubmission, type OpenedSubmission } from './open-submission.js';
import { ProcessingFailure, SubmissionRejection } from './rejection.js';

export type ProcessOutcome = 'routed' | 'rejected' | 'failed' | 'skipped';

const ACTOR = 'hub:processor';

/** Turns errors of the mapping stage that are the input's fault into a sender-visible rejection. */
function asRejection(error: unknown): SubmissionRejection | undefined {
  if (error instanceof SubmissionRejection) return error;
  if (!isWeicheError(error)) return undefined;
  // mapping modules judge the Fachdaten: their refusals concern the "data" part
  if (error.code === ErrorCode.UNSUPPORTED_SCHEMA) return new SubmissionRejection(problem('unsupported-schema', error.message, 'data'));
  if (error.code === ErrorCode.SCHEMA_VIOLATION) return new SubmissionRejection(problem('schema-violation', error.message, 'data'));
  return undefined;
}

async function reject(deps: HubDeps, row: SubmissionRow, found: RejectionProblem): Promise<void> {
  // event first: if the process dies in between, the retry finds the event and only moves the state.
  // An XTA sender learns of it from its transport report (red), not from FIT-Connect events.
  if (row.channel !== 'xta') await emitEvent(deps, row, 'reject-submission', rejectPayload([found]));
  await deps.journal.transition(row.submissionId, {
    from: ['RECEIVED', 'OPENED', 'MAPPED'],
    to: 'REJECTED',
    actor: ACTOR,
    stage: 'open',
    details: { problem: found.type },
    patch: { reason: `${found.type}: ${found.detail}` },
  });
  deps.log.info({ submissionId: row.submissionId, problem: found.type }, 'submission rejected');
}

async function fail(deps: HubDeps, row: SubmissionRow, reason: string): Promise<void> {
  await deps.journal.transition(row.submissionId, {
    from: ['RECEIVED', 'OPENED', 'MAPPED'],
    to: 'FAILED',
    actor: ACTOR,
    stage: 'map',
    details: { reason },
    patch: { reason },
  });
  deps.log.warn({ submissionId: row.submissionId, reason }, 'submission failed; an operator can replay it');
}

/** Enqueues a delivery job for every route that is not delivered yet (idempotent by job id). */
export async function enqueuePendingDeliveries(deps: HubDeps, submissionId: string): Promise<number> {
  const pending = (await deps.journal.listDeliveries(submissionId)).filter((d) => d.state === 'PENDING');
  for (const delivery of pending) {
    await deps.queues.enqueueDelivery(delivery.adapterInstance, { submissionId, routeId: delivery.routeId });
  }
  return pending.length;
}

function step(from: SubmissionState, to: SubmissionState, stage: string): Pick<TransitionInput, 'from' | 'to' | 'actor' | 'stage'> {
  return { from: [from], to, actor: ACTOR, stage };
}

/** open → OPENED: remembers the JWE tags for accept-submission and the sender's reference. */
async function recordOpened(deps: HubDeps, row: SubmissionRow, opened: OpenedSubmission): Promise<SubmissionRow | undefined> {
  const senderReference = opened.metadata?.additionalReferenceInfo?.senderReference;
  return deps.journal.transition(row.submissionId, {
    ...step('RECEIVED', 'OPENED', 'open'),
    inputHash: (row.channel === 'xta' ? row.dataBlobKey : row.metadataBlobKey) ?? undefined,
    outputHash: opened.data?.sha512,
    // XTA: which key opened it and the author signature's verdict (xta-osci.md: "the result is audited")
    details: opened.channel === 'xta' ? { ...opened.audit, attachments: opened.attachments.length } : { metadataVersion: opened.metadataVersion, attachments: opened.attachments.length },
    patch: { ...(opened.authenticationTags ? { authenticationTags: opened.authenticationTags } : {}), ...(senderReference ? { senderReference } : {}) },
  });
}

/** map → validate → store → MAPPED: one package per distinct route target. */
async function mapAndStore(deps: HubDeps, row: SubmissionRow, opened: OpenedSubmission, routes: readonly RouteConfig[]): Promise<SubmissionRow | undefined> {
  if (routes.length === 0) throw new ProcessingFailure(`no route for tenant ${row.tenantId} and service ${row.serviceIdentifier}`);
  const outputs = await mapSubmission(deps, row, opened, routes);
  const first = Object.values(outputs)[0];
  const summary = Object.fromEntries(Object.entries(outputs).map(([target, o]) => [target, { module: `${o.mappingModule}@${o.mappingVersion}`, sha256: o.sha256, size: o.size }]));
  return deps.journal.transition(row.submissionId, {
    ...step('OPENED', 'MAPPED', 'map'),
    inputHash: opened.data?.sha512,
    outputHash: first?.sha256,
    details: { outputs: summary },
    patch: {
      outputs,
      // the first package also fills the single-output columns operators search by
      ...(first ? { outputBlobKey: first.blobKey, outputSha256: first.sha256, prozessId: first.prozessId, packageName: first.packageName, mappingModule: first.mappingModule, mappingVersion: first.mappingVersion } : {}),
    },
  });
}

/** route → ROUTED: one delivery row per route, created in the same transaction. */
async function recordRoutes(deps: HubDeps, row: SubmissionRow, routes: readonly RouteConfig[]): Promise<SubmissionRow | undefined> {
  return deps.journal.transition(row.submissionId, {
    ...step('MAPPED', 'ROUTED', 'route'),
    details: { routes: routes.map((r) => ({ route: r.id, adapter: r.adapter, target: r.target })) },
    deliveries: routes.map((r) => ({ routeId: r.id, adapterInstance: r.adapter, target: r.target })),
  });
}

/**
 * The processing stage: open → map → validate → store → route, each step one journal transition
 * with its audit record. Re-entrant: it continues from whatever state the journal holds, so a
 * job re-run after a crash never repeats a finished step's effects. A transition that finds the
 * row already moved on (another worker) returns undefined; the current row is read again then.
 */
export async function processSubmission(data: ProcessJob, deps: HubDeps, job: { attemptsMade: number; maxAttempts: number }): Promise<ProcessOutcome> {
  let row = await deps.journal.getSubmission(data.submissionId);
  if (!row || !['RECEIVED', 'OPENED', 'MAPPED', 'ROUTED', 'DELIVERING'].includes(row.state)) return 'skipped';
  const routes = routesFor(deps.config, row.tenantId, row.serviceIdentifier);
  const reread = async (current: SubmissionRow): Promise<SubmissionRow> => (await deps.journal.getSubmission(current.submissionId)) ?? current;
  try {
    // decrypted material lives only in memory, so a re-run after a crash opens again
    const opened = row.state === 'RECEIVED' || row.state === 'OPENED' ? await openSubmission(deps, row) : undefined;
    if (row.state === 'RECEIVED' && opened) row = (await recordOpened(deps, row, opened)) ?? (await reread(row));
    if (row.state === 'OPENED' && opened) row = (await mapAndStore(deps, row, opened, routes)) ?? (await reread(row));
    if (row.state === 'MAPPED') row = (await recordRoutes(deps, row, routes)) ?? (await reread(row));
    if (row.state === 'ROUTED' || row.state === 'DELIVERING') {
      await enqueuePendingDeliveries(deps, row.submissionId);
      return 'routed';
    }
    return 'skipped';
  } catch (error) {
    const rejection = asRejection(error);
    if (rejection) {
      await reject(deps, row, rejection.problem);
      return 'rejected';
    }
    if (error instanceof ProcessingFailure) {
      await fail(deps, row, error.message);
      return 'failed';
    }
    // Unexpected (storage down, a bug): BullMQ retries; on the last attempt the submission is
    // parked as FAILED with the reason so the reconciler does not loop on it.
    if (job.attemptsMade + 1 >= job.maxAttempts) {
      await fail(deps, row, `processing error after ${job.maxAttempts} attempts: ${errorMessage(error)}`);
      return 'failed';
    }
    throw error;
  }
}
