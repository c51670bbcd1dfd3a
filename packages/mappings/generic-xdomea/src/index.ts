export { genericXdomea, createGenericXdomea, genericXdomea0605, createGenericXdomea0605 } from './generic-xdomea.js';
export type { GenericXdomeaOptions } from './generic-xdomea.js';
