import { parseMediaType } from './mime-multipart.js';
import { operationForAction } from './operations.js';
import { soapActionValue } from './request-action.js';
import type { XtaOperation } from './operations.js';

/**
 * The operation a request names outside its envelope, to answer a fault as that operation declares it when the
 * envelope cannot be read: the `action` parameter of application/soap+xml (RFC 3902 §3), under MTOM that of the
 * root part's type in `start-info` (XOP/MTOM binding), else a SOAPAction header as SOAP 1.1-minded clients send it.
 * Only a hint: a readable envelope's wsa:Action decides.
 */
export function operationHint(contentType: string, soapAction: string | readonly string[] | undefined): XtaOperation | undefined {
  const media = parseMediaType(contentType);
  const startInfo = media.params.get('start-info');
  const fromMedia = media.params.get('action') ?? (startInfo ? parseMediaType(startInfo).params.get('action') : undefined);
  const candidates = [fromMedia, soapActionValue(soapAction)];
  for (const action of candidates) {
    const operation = action ? operationForAction(action) : undefined;
    if (operation) return operation;
  }
  return undefined;
}
