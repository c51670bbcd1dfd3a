/**
 * Queue topology. Keys use a hash-tagged prefix (`{weiche}`), so every key of the hub lands in one
 * Redis Cluster slot group as BullMQ requires.
 */
export const PROCESS_QUEUE = 'process';

/** One delivery queue per adapter instance, so a slow back office never blocks another. */
export function deliverQueueName(adapterInstance: string): string {
  return `deliver-${adapterInstance}`;
}

export function bullPrefix(prefix: string): string {
  return `{${prefix}}`;
}

/** Job ids make enqueueing idempotent: adding a job whose id exists is a no-op in BullMQ. */
export function processJobId(submissionId: string): string {
  return `p-${submissionId}`;
}

export function deliverJobId(submissionId: string, routeId: string): string {
  // BullMQ forbids ':' in custom ids; '.' keeps submission and route readable.
  return `d-${submissionId}.${routeId}`;
}
