import { randomUUID } from 'node:crypto';
import { v5 as uuidv5 } from 'uuid';
import type { SubmissionContext } from './types.js';

/** Namespace of Weiche's name-based UUIDs (RFC 9562 UUIDv5); never change it, or replays stop matching earlier deliveries. */
export const WEICHE_UUID_NAMESPACE = '6f1d3c52-8b0e-4c2a-9e57-3a1f0b7d2c94';

/**
 * Ids derived from the submission and the mapping target: the n-th id of a mapping run is always the
 * same UUIDv5, so a replay hands the DMS the same ProzessID, Vorgang and Dokument ids (it replaces
 * instead of filing a second Vorgang).
 */
export function deterministicIds(submissionId: string, target: string): () => string {
  let n = 0;
  return () => {
    n += 1;
    return uuidv5(`${submissionId}|${target}|${n}`, WEICHE_UUID_NAMESPACE);
  };
}

/** An id from ctx.newId (runMapping sets a deterministic one), else crypto.randomUUID. */
export function newIdFor(ctx: SubmissionContext): string {
  return ctx.newId ? ctx.newId() : randomUUID();
}

/** The current time from ctx.now (deterministic in golden tests), else the wall clock. */
export function nowFor(ctx: SubmissionContext): Date {
  return ctx.now ? ctx.now() : new Date();
}

/** A UUID generator yielding 00000000-0000-4000-8000-000000000001, …002, … (valid v4 layout; for tests and golden samples). */
export function sequentialIds(): () => string {
  let n = 0;
  return () => {
    n += 1;
    return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
  };
}
