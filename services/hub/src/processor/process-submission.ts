import type { Logger } from 'pino';
import { atStage, dispositionOf, ErrorCode, errorMessage, isWeicheError, WeicheError, type Stage, type SubmissionState } from '@weiche/core';
import type { Journal, SubmissionProblem, SubmissionRow, TransitionInput } from '@weiche/journal';
import type { HubQueues, ProcessJob } from '@weiche/queue';
import { acknowledgeOutcome } from '../acknowledge.js';
import type { OpenedSubmission } from '../channels/channel.js';
import type { ChannelRegistry } from '../channels/registry.js';
import type { DelegationRegistry } from '../delegations/delegation-registry.js';
import type { RouteConfig, Routing } from '../routing.js';
import { isStorageOutage, type JobAttempts } from '../worker-job.js';
import { mapSubmission, type MapperDeps } from './map-submission.js';

export type ProcessOutcome = 'routed' | 'rejected' | 'failed' | 'skipped';

/** What the processing stage uses; nothing else. */
export interface ProcessDeps {
  readonly journal: Journal;
  readonly channels: ChannelRegistry;
  readonly routing: Pick<Routing, 'routesFor'>;
  /** Back offices: which tenant's routes a submission takes (issue 15). */
  readonly delegations: Pick<DelegationRegistry, 'decide'>;
  readonly mapper: MapperDeps;
  readonly queues: Pick<HubQueues, 'enqueueDelivery'>;
  readonly log: Logger;
}

const ACTOR = 'hub:processor';
const ACTIVE: readonly SubmissionState[] = ['RECEIVED', 'OPENED', 'MAPPED', 'ROUTED', 'DELIVERING'];
const BEFORE_ROUTING: SubmissionState[] = ['RECEIVED', 'OPENED', 'MAPPED'];

function step(from: SubmissionState, to: SubmissionState, stage: Stage): Pick<TransitionInput, 'from' | 'to' | 'actor' | 'stage'> {
  return { from: [from], to, actor: ACTOR, stage };
}

/** The journal's record of why: catalogue code, the stage that decided, the part at fault, a detail without personal data. */
function problemOf(error: unknown, fallbackStage: Stage): SubmissionProblem {
  if (isWeicheError(error)) return { code: error.code, stage: error.stage ?? fallbackStage, ...(error.part ? { part: error.part } : {}), detail: error.message };
  return { code: ErrorCode.INTERNAL, stage: fallbackStage, detail: errorMessage(error) };
}

/** An input problem: REJECTED (never retried), then the channel tells the sender in its own terms. */
async function reject(deps: ProcessDeps, row: SubmissionRow, problem: SubmissionProblem): Promise<void> {
  const rejected = await deps.journal.transition(row.submissionId, {
    from: BEFORE_ROUTING,
    to: 'REJECTED',
    actor: ACTOR,
    stage: problem.stage,
    details: { code: problem.code, ...(problem.part ? { part: problem.part } : {}) },
    patch: { reason: problem.detail, problem },
  });
  // the detail goes to the sender and into the journal; it may name the sender's file (xbau-passthrough): not logged
  deps.log.info({ submissionId: row.submissionId, code: problem.code, stage: problem.stage, ...(problem.part ? { part: problem.part } : {}) }, 'submission rejected');
  if (rejected) await acknowledgeOutcome(deps, rejected);
}

/** The hub could not finish it (no route, an output failing its XSD, a broken module): FAILED for an operator to fix and replay. */
async function fail(deps: ProcessDeps, row: SubmissionRow, problem: SubmissionProblem): Promise<void> {
  await deps.journal.transition(row.submissionId, {
    from: BEFORE_ROUTING,
    to: 'FAILED',
    actor: ACTOR,
    stage: problem.stage,
    details: { code: problem.code, reason: problem.detail },
    patch: { reason: problem.detail, problem },
  });
  // a dead letter needs an operator: error, with ids and the code only. The reason stays in the journal (the
  // console shows it): whoever wrote it — a mapping module, the ZIP writer, an XSD message — may have quoted a
  // file name or form content, and personal data never reaches the log (docs/conventions.md, item 10)
  deps.log.error({ submissionId: row.submissionId, tenant: row.tenantId, code: problem.code, stage: problem.stage, ...(problem.part ? { part: problem.part } : {}) }, 'submission dead-lettered: an operator can replay it');
}

/** Enqueues a delivery job for every route that is not delivered yet (idempotent by job id). */
export async function enqueuePendingDeliveries(deps: Pick<ProcessDeps, 'journal' | 'queues'>, submissionId: string): Promise<number> {
  const pending = (await deps.journal.listDeliveries(submissionId)).filter((d) => d.state === 'PENDING');
  for (const delivery of pending) {
    await deps.queues.enqueueDelivery(delivery.adapterInstance, { submissionId, routeId: delivery.routeId });
  }
  return pending.length;
}

/**
 * Decides once, before anything else, whose routes the submission takes: the back office of the delegation
 * that covers its receipt time, else its owner. Recorded in the journal (with an audit record naming the
 * delegation), so a replay or a later change of the delegations keeps it where it was sent.
 */
async function decideProcessingTenant(deps: ProcessDeps, row: SubmissionRow): Promise<SubmissionRow> {
  if (row.processingTenantId !== null || !BEFORE_ROUTING.includes(row.state)) return row;
  const receivedAt = row.submittedAt ?? row.createdAt;
  const delegation = await deps.delegations.decide(row.tenantId, row.serviceIdentifier, receivedAt);
  // the common case, the owner processes its own: recorded with the OPENED step (recordOpened), no transaction of its own
  if (!delegation && row.state === 'RECEIVED') return { ...row, processingTenantId: row.tenantId };
  const decided = await deps.journal.recordProcessingTenant(row.submissionId, {
    processingTenantId: delegation?.to ?? row.tenantId,
    actor: ACTOR,
    ...(delegation ? { delegationId: delegation.id, details: { receivedAt: receivedAt.toISOString(), service: delegation.service, reason: delegation.reason } } : {}),
  });
  if (delegation) deps.log.info({ submissionId: row.submissionId, delegationId: delegation.id, processingTenantId: delegation.to }, 'submission delegated to a back office');
  return decided ?? row;
}

/** SHA-512 and size of each decrypted part (`data`, `attachment:<id>`), as the OPENED audit record keeps them. */
function decryptedParts(opened: OpenedSubmission): Array<{ part: string; sha512: string; size: number }> {
  return [
    ...(opened.data ? [{ part: 'data', sha512: opened.data.sha512, size: opened.data.content.length }] : []),
    ...opened.attachments.map((a) => ({ part: `attachment:${a.attachmentId}`, sha512: a.sha512, size: a.size })),
  ];
}

/** open → OPENED: what the channel checked goes into the audit record, what it must remember into its metadata. */
async function recordOpened(deps: ProcessDeps, row: SubmissionRow, opened: OpenedSubmission): Promise<SubmissionRow | undefined> {
  return deps.journal.transition(row.submissionId, {
    ...step('RECEIVED', 'OPENED', 'open'),
    inputHash: opened.inputHash,
    outputHash: opened.data?.sha512,
    // the hashes of every decrypted part: after retention deleted the data, the chain still says what it was
    details: { ...opened.evidence, attachments: opened.attachments.length, decrypted: decryptedParts(opened) },
    patch: {
      ...(opened.channelMeta !== undefined ? { channelMeta: opened.channelMeta } : {}),
      ...(opened.senderReference ? { senderReference: opened.senderReference } : {}),
      // decided by decideProcessingTenant; written here once, with the state (a delegation was recorded before)
      ...(row.processingTenantId !== null ? { processingTenantId: row.processingTenantId } : {}),
    },
  });
}

/** map → validate → store, then the MAPPED step: one package per distinct route target. */
async function mapAndStore(deps: ProcessDeps, row: SubmissionRow, opened: OpenedSubmission, routes: readonly RouteConfig[]): Promise<TransitionInput> {
  if (routes.length === 0) {
    const via = row.delegationId ? ` (processed by ${row.processingTenantId} under delegation ${row.delegationId})` : '';
    throw new WeicheError(ErrorCode.NO_ROUTE, `no route for tenant ${row.tenantId}${via} and service ${row.serviceIdentifier}`, { stage: 'route' });
  }
  const { outputs, notes } = await mapSubmission(deps.mapper, row, opened, routes);
  const first = Object.values(outputs)[0];
  const summary = Object.fromEntries(
    Object.entries(outputs).map(([target, o]) => [target, { module: `${o.mappingModule}@${o.mappingVersion}`, sha256: o.sha256, size: o.size, ...(notes[target] ? { notes: notes[target] } : {}) }]),
  );
  return {
    ...step('OPENED', 'MAPPED', 'map'),
    inputHash: opened.data?.sha512,
    outputHash: first?.sha256,
    details: { outputs: summary },
    patch: {
      outputs,
      // the first package also fills the single-output columns operators search by
      ...(first ? { outputBlobKey: first.blobKey, outputSha256: first.sha256, prozessId: first.prozessId, packageName: first.packageName, mappingModule: first.mappingModule, mappingVersion: first.mappingVersion } : {}),
    },
  };
}

/** The ROUTED step: one delivery row per route, created in the same transaction. */
function routedStep(routes: readonly RouteConfig[]): TransitionInput {
  return {
    ...step('MAPPED', 'ROUTED', 'route'),
    details: { routes: routes.map((r) => ({ route: r.id, adapter: r.adapter, target: r.target })) },
    deliveries: routes.map((r) => ({ routeId: r.id, adapterInstance: r.adapter, target: r.target })),
  };
}

/**
 * The processing stage: open (through the submission's channel) → map → validate → store → route, each
 * step one journal transition with its audit record (map and route committed together). Re-entrant: it continues from whatever state the
 * journal holds, so a job re-run after a crash never repeats a finished step's effects. A transition that
 * finds the row already moved on (another worker) returns undefined; the current row is read again then.
 * Input problems are REJECTED and the hub's own problems FAILED at once; only what may clear up (storage)
 * is retried, and parked as FAILED when the attempts are used up.
 */
export async function processSubmission(data: ProcessJob, deps: ProcessDeps, job: JobAttempts): Promise<ProcessOutcome> {
  let row = await deps.journal.getSubmission(data.submissionId);
  if (!row || !ACTIVE.includes(row.state)) return 'skipped';
  // a relay submission is its subscriber's to open (docs/adr/0017); a job for one (however enqueued) changes nothing
  if (deps.channels.all().some((c) => c.name === row?.channel && c.awaitsPickup === true)) return 'skipped';
  const current = row;
  const reread = async (r: SubmissionRow): Promise<SubmissionRow> => (await deps.journal.getSubmission(r.submissionId)) ?? r;
  try {
    row = await decideProcessingTenant(deps, row);
    // a delegated submission stays its owner's, but takes the back office's routes (targets and adapters)
    const routes = deps.routing.routesFor(row.processingTenantId ?? row.tenantId, row.serviceIdentifier);
    // decrypted material lives only in memory, so a re-run after a crash opens again
    let opened: OpenedSubmission | undefined;
    if (row.state === 'RECEIVED' || row.state === 'OPENED') {
      const channel = deps.channels.get(current.channel);
      opened = await channel.open(current).catch((error: unknown) => Promise.reject(atStage(error, 'open')));
    }
    if (row.state === 'RECEIVED' && opened) row = (await recordOpened(deps, row, opened)) ?? (await reread(row));
    // MAPPED and ROUTED are two audit records but one commit: nothing happens between them that a crash could interrupt
    if (row.state === 'OPENED' && opened) row = (await deps.journal.transitions(row.submissionId, [await mapAndStore(deps, row, opened, routes), routedStep(routes)])) ?? (await reread(row));
    if (row.state === 'MAPPED') row = (await deps.journal.transition(row.submissionId, routedStep(routes))) ?? (await reread(row));
    if (row.state === 'ROUTED' || row.state === 'DELIVERING') {
      await enqueuePendingDeliveries(deps, row.submissionId);
      return 'routed';
    }
    return 'skipped';
  } catch (error) {
    const disposition = dispositionOf(error);
    if (disposition === 'reject') {
      await reject(deps, row, problemOf(error, 'open'));
      return 'rejected';
    }
    if (disposition === 'fail') {
      await fail(deps, row, problemOf(error, 'map'));
      return 'failed';
    }
    // may clear up (storage down): BullMQ retries; on the last attempt the submission is parked as
    // FAILED with the reason, so the reconciler does not loop on it
    // (a storage outage is not counted: runJob pauses the job until the storage is back)
    if (job.attemptsMade + 1 >= job.maxAttempts && !isStorageOutage(error)) {
      const problem = problemOf(error, 'open');
      await fail(deps, row, { ...problem, detail: `processing error after ${job.maxAttempts} attempts: ${problem.detail}` });
      return 'failed';
    }
    throw error;
  }
}
