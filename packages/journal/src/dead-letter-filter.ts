import { DISCARD_STAGE } from './discard-stage.js';
import { visibleTo } from './tenant-scope.js';

/**
 * Which dead letters an operator means: every filter is optional and they combine with AND.
 * `tenantIds` is the caller's scope (undefined: every tenant); `tenantId` the tenant they picked.
 */
export interface DeadLetterFilter {
  tenantIds?: readonly string[];
  tenantId?: string;
  /** A failed route of the submission goes through this adapter instance. */
  adapterInstance?: string;
  serviceIdentifier?: string;
  /** Text contained (case-insensitive) in the failure reason or in a failed route's last error. */
  errorText?: string;
}

// A FAILED submission is a dead letter unless a discard record follows its latest move to FAILED.
// Sequence numbers (not clocks) order the records, so a replay that fails again makes it one again.
export const DISCARDED = (s: string, alias: string): string => `EXISTS (
  SELECT 1 FROM ${s}.audit d WHERE d.submission_id = ${alias}.submission_id AND d.stage = '${DISCARD_STAGE}'
     AND d.seq > COALESCE((SELECT max(f.seq) FROM ${s}.audit f WHERE f.submission_id = ${alias}.submission_id AND f.to_state = 'FAILED'), 0))`;

/** `%text%` for ILIKE with the pattern characters of the text taken literally. */
function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** The WHERE clause (over submissions `s`) and its parameters, numbered from `$1`, selecting the filter's dead letters. */
export function deadLetterWhere(s: string, filter: DeadLetterFilter): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const where = [`s.state = 'FAILED'`, `NOT ${DISCARDED(s, 's')}`];
  const add = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  if (filter.tenantIds !== undefined) where.push(visibleTo('s', add([...filter.tenantIds])));
  if (filter.tenantId !== undefined) where.push(`s.tenant_id = ${add(filter.tenantId)}`);
  if (filter.serviceIdentifier !== undefined) where.push(`s.service_identifier = ${add(filter.serviceIdentifier)}`);
  if (filter.adapterInstance !== undefined) {
    where.push(`EXISTS (SELECT 1 FROM ${s}.deliveries fa WHERE fa.submission_id = s.submission_id AND fa.state = 'FAILED' AND fa.adapter_instance = ${add(filter.adapterInstance)})`);
  }
  if (filter.errorText !== undefined) {
    const pattern = add(containsPattern(filter.errorText));
    where.push(`(s.reason ILIKE ${pattern} OR EXISTS (SELECT 1 FROM ${s}.deliveries fe
      WHERE fe.submission_id = s.submission_id AND fe.state = 'FAILED' AND fe.last_error ILIKE ${pattern}))`);
  }
  return { sql: where.join(' AND '), params };
}
