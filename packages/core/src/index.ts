export * from './states.js';
export * from './errors.js';
export * from './secret.js';
export * from './problem.js';
export * from './constant-time.js';
export * from './edge-string.js';
export * from './worker-file.js';
export * from './error-facts.js';
