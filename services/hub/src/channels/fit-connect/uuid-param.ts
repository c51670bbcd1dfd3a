import { z } from 'zod';
import { ErrorCode } from '@weiche/core';
import { httpProblem } from '../../gateway/problems.js';

const Uuid = z.uuid();

/**
 * An id in a path of the Submission API, in the lower case the hub issues and stores ids in: UUIDs compare
 * case-insensitively (RFC 9562 §4), so one in capitals names the same destination, submission or case.
 *
 * One that is not a UUID breaks the parameter's schema (`format: uuid`): 400 where the operation's responses name a
 * 400 (a client validating against the OpenAPI knows that answer), 404 where they name none — as for an unknown id,
 * since a malformed one names nothing the hub has either (GET destination, GET key, GET case events).
 */
export function uuidParam(value: string, what: string, malformed: 400 | 404): string {
  const result = Uuid.safeParse(value);
  if (!result.success) throw malformed === 400 ? httpProblem(400, ErrorCode.BAD_REQUEST, `the ${what} id in the path is not a UUID`) : httpProblem(404, ErrorCode.NOT_FOUND, `no such ${what}`);
  return result.data.toLowerCase();
}
