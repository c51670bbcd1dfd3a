export { genericXdomea, createGenericXdomea } from './generic-xdomea.js';
export type { GenericXdomeaOptions } from './generic-xdomea.js';
export { extensionFor } from './file-extension.js';
