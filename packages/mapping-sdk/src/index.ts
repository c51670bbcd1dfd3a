export * from './types.js';
export * from './mapping-registry.js';
export * from './run-mapping.js';
export * from './conformance.js';
export * from './context-tools.js';
export * from './xml-root.js';
export * from './content-rules.js';
export * from './xdomea-vorgang.js';
