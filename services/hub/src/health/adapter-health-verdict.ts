import type { AdapterHealthRecord } from './adapter-health-store.js';

export type HealthVerdict = 'healthy' | 'degraded' | 'failing' | 'unknown';
export type HealthReason = 'circuit-open' | 'circuit-half-open' | 'check-failed' | 'deliveries-failing' | 'recent-failures' | 'not-checked' | 'check-stale';

/** A check older than this many intervals means no dispatcher is checking (none running, or stuck). */
const STALE_INTERVALS = 3;

/**
 * One verdict from everything known about an instance. A closed circuit alone says little: it only
 * counts transient failures and closes on one success, so an instance whose last 21 attempts failed
 * permanently, or whose folder is not writable, is "failing" although its circuit is closed.
 */
export function healthVerdict(
  record: AdapterHealthRecord,
  circuit: { state: 'closed' | 'open' | 'half-open' },
  policy: { failureThreshold: number; intervalMs: number },
  now = Date.now(),
): { verdict: HealthVerdict; reasons: HealthReason[] } {
  const reasons: HealthReason[] = [];
  if (circuit.state === 'open') reasons.push('circuit-open');
  if (record.check?.ok === false) reasons.push('check-failed');
  if (record.deliveries.failureStreak >= policy.failureThreshold) reasons.push('deliveries-failing');
  if (reasons.length > 0) return { verdict: 'failing', reasons };
  if (circuit.state === 'half-open') reasons.push('circuit-half-open');
  if (record.deliveries.failureStreak > 0) reasons.push('recent-failures');
  if (reasons.length > 0) return { verdict: 'degraded', reasons };
  if (!record.check) return { verdict: 'unknown', reasons: ['not-checked'] };
  if (now - record.check.at.getTime() > STALE_INTERVALS * policy.intervalMs) return { verdict: 'unknown', reasons: ['check-stale'] };
  return { verdict: 'healthy', reasons: [] };
}
