import { z } from 'zod';

/**
 * Journal states of a submission (docs/architecture.md, "Submission states").
 * CREATED precedes the architecture's RECEIVED: a FIT-Connect submission exists (and takes
 * attachment uploads) before the sender submits it; only RECEIVED and later are processed.
 */
export const SubmissionState = z.enum([
  'CREATED',
  'RECEIVED',
  'OPENED',
  'MAPPED',
  'ROUTED',
  'DELIVERING',
  'DELIVERED',
  'REJECTED',
  'FAILED',
]);
export type SubmissionState = z.infer<typeof SubmissionState>;

export const TERMINAL_STATES: readonly SubmissionState[] = ['DELIVERED', 'REJECTED', 'FAILED'];

export function isTerminal(state: SubmissionState): boolean {
  return TERMINAL_STATES.includes(state);
}

/** Which states may follow which; every journal transition is checked against this table. */
export const ALLOWED_TRANSITIONS: Readonly<Record<SubmissionState, readonly SubmissionState[]>> = {
  CREATED: ['RECEIVED', 'REJECTED'],
  // DELIVERED from RECEIVED: a relay submission, accepted by the subscriber that picked it up (docs/adr/0017)
  RECEIVED: ['OPENED', 'DELIVERED', 'REJECTED', 'FAILED'],
  // FAILED from OPENED/MAPPED: the input was fine but the hub could not map or route it
  // (an output that fails its XSD, no route configured) — an operator fixes and replays.
  OPENED: ['MAPPED', 'REJECTED', 'FAILED'],
  MAPPED: ['ROUTED', 'REJECTED', 'FAILED'],
  ROUTED: ['DELIVERING', 'DELIVERED', 'FAILED'],
  DELIVERING: ['DELIVERED', 'FAILED'],
  DELIVERED: [],
  REJECTED: [],
  // an operator may replay a failed submission from a stage (open again, or deliver again)
  FAILED: ['RECEIVED', 'ROUTED'],
};

export function canTransition(from: SubmissionState, to: SubmissionState): boolean {
  return ALLOWED_TRANSITIONS[from].includes(to);
}

/** States of one route (tenant × service → adapter instance) of a submission. */
export const DeliveryState = z.enum(['PENDING', 'DELIVERED', 'FAILED']);
export type DeliveryState = z.infer<typeof DeliveryState>;
