import { randomUUID } from 'node:crypto';
import type { SubmissionContext } from './types.js';

/** A fresh UUID from ctx.newId (deterministic in golden tests), else crypto.randomUUID. */
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
