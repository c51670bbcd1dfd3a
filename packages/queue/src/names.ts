/**
 * Queue topology. Every Redis key of a hub starts with its hash-tagged prefix (`{weiche}`), so all of
 * them — every BullMQ queue, the circuit breakers, console sessions — land in one Redis Cluster slot:
 * BullMQ's and the breaker's Lua scripts touch several keys at once, which Cluster allows only within a slot.
 */
export const PROCESS_QUEUE = 'process';

/** One delivery queue per adapter instance, so a slow back office never blocks another. */
export function deliverQueueName(adapterInstance: string): string {
  return `deliver-${adapterInstance}`;
}

export function bullPrefix(prefix: string): string {
  return `{${prefix}}`;
}

/** A key of the hub's own (not BullMQ's) state in Redis, in the hub's slot: `{prefix}:part:part`. */
export function hubKey(prefix: string, ...parts: readonly string[]): string {
  return [bullPrefix(prefix), ...parts].join(':');
}

/** Job ids make enqueueing idempotent: adding a job whose id exists is a no-op in BullMQ. */
export function processJobId(submissionId: string): string {
  return `p-${submissionId}`;
}

/** FIT-Connect callbacks to senders: one job per owed callback (table `callbacks`), id from the event's jti. */
export const CALLBACK_QUEUE = 'callback';

export function callbackJobId(jti: string): string {
  return `c-${jti.replaceAll(':', '.')}`;
}

export function deliverJobId(submissionId: string, routeId: string): string {
  // BullMQ forbids ':' in custom ids; '.' keeps submission and route readable.
  return `d-${submissionId}.${routeId}`;
}
