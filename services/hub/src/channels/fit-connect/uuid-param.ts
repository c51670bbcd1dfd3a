import { z } from 'zod';
import { ErrorCode } from '@weiche/core';
import { httpProblem } from '../../gateway/problems.js';

const Uuid = z.uuid();

/**
 * An id in a path of the Submission API, in the lower case the hub issues and stores ids in: UUIDs compare
 * case-insensitively (RFC 9562 §4), so one in capitals names the same destination, submission or case.
 * One that is not a UUID names nothing the hub has: 404, as for an unknown one.
 */
export function uuidParam(value: string, what: string): string {
  const result = Uuid.safeParse(value);
  if (!result.success) throw httpProblem(404, ErrorCode.NOT_FOUND, `no such ${what}`);
  return result.data.toLowerCase();
}
