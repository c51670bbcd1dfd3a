export * from './contract.js';
export * from './errors.js';
export * from './confirmation-inbox.js';
export * from './secret-field.js';
export * from './existing-target.js';
// secretField() yields a Secret: an adapter (and its test's config) needs no second package to name it
export { Secret } from '@weiche/core';
