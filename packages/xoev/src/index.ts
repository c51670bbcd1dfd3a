export * from './schema-manifest.js';
export * from './schema-cache.js';
export * from './xsd-validator.js';
export * from './dateiformat.js';
export * from './xdomea-0401.js';
export * from './safe-entry-name.js';
export * from './zip-package.js';
export * from './parse-xml.js';
