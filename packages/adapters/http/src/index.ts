export { httpAdapter, HTTP_KIND } from './http-adapter.js';
export { HttpAdapterConfig } from './config.js';
export { parseRetryAfter } from './retry-after.js';
export { errorForStatus, errorForNetwork } from './classify-response.js';
export { signBody, signatureMatches, SIGNATURE_HEADER, TIMESTAMP_HEADER } from './sign.js';
export { certificateSha256 } from './tls-options.js';
