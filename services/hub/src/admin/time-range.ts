import { ErrorCode } from '@weiche/core';
import { httpProblem } from '../gateway/problems.js';

/**
 * The one check of a query's time range, for every route that takes `from` and `to`: a range that ends before it
 * starts (or where it starts) holds nothing, and is the caller's mistake — a 400 saying so, not an empty page.
 */
export function assertFromBeforeTo(from: Date | undefined, to: Date | undefined): void {
  if (from !== undefined && to !== undefined && from.getTime() >= to.getTime()) throw httpProblem(400, ErrorCode.BAD_REQUEST, 'from must lie before to');
}

/** The `from` and `to` of a list query as dates (each only when given), checked by assertFromBeforeTo. */
export function timeRange(q: { readonly from?: string | undefined; readonly to?: string | undefined }): { from?: Date; to?: Date } {
  const from = q.from !== undefined ? new Date(q.from) : undefined;
  const to = q.to !== undefined ? new Date(q.to) : undefined;
  assertFromBeforeTo(from, to);
  return { ...(from ? { from } : {}), ...(to ? { to } : {}) };
}
