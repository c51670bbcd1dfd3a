export * from './contract.js';
export * from './errors.js';
export * from './confirmation-inbox.js';
export * from './secret-field.js';
export * from './existing-target.js';
