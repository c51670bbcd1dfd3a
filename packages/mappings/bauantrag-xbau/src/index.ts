export { bauantragXbau, createBauantragXbau, BAUANTRAG_XBAU_TARGET, BAUANTRAG_XBAU_NAMESPACE } from './bauantrag-xbau.js';
export { BAUANTRAG_SCHEMA_URI, BauantragForm, bauantragJsonSchema } from './form-schema.js';
