export * from './schema.js';
export * from './load.js';
export * from './xta-schema.js';
export * from './filing.js';
export * from './upstream-fit-connect-schema.js';
export * from './upstream-xta-schema.js';
export * from './delegation.js';
export * from './retention-schema.js';
