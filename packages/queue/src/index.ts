export * from './names.js';
export * from './payloads.js';
export * from './backoff.js';
export * from './queues.js';
export * from './circuit-breaker.js';
export * from './redis-connection.js';
