export * from './schema.js';
export * from './load.js';
export * from './xta-schema.js';
export * from './filing.js';
export * from './retention-schema.js';
