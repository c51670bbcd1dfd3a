import { ErrorCode } from '@weiche/core';
import { rejectPayload } from '@weiche/fit-connect';
import type { Journal, SubmissionRow } from '@weiche/journal';
import { emitEvent, enqueueCallbacks, type CallbackEnqueueDeps, type EventDeps, type EventRef } from './events.js';
import { fitConnectProblem } from './problems.js';

export type RejectEventDeps = EventDeps & CallbackEnqueueDeps & { readonly journal: Pick<Journal, 'hasEvent' | 'appendEvent'> };

/**
 * Tells the sender of a REJECTED submission why, with the hub's own signed reject-submission (its journal problem
 * as the FIT-Connect problem), and hands the callback owed for it to the queue. At most once per submission.
 */
export async function announceRejection(deps: RejectEventDeps, row: SubmissionRow, ref: EventRef): Promise<{ event: 'reject-submission'; problem: string; jti?: string }> {
  const problem = fitConnectProblem(row.problem ?? { code: ErrorCode.INTERNAL, stage: 'open', detail: row.reason ?? 'rejected' });
  const event = await emitEvent(deps, ref, 'reject-submission', rejectPayload([problem]));
  await enqueueCallbacks(deps, [event]);
  return { event: 'reject-submission', problem: problem.type, ...(event ? { jti: event.jti } : {}) };
}
