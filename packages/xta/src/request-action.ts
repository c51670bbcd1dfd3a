import { xtaError } from './xta-errors.js';

/**
 * A SOAPAction header's value without its quotes. SOAP 1.2 has no such header, yet clients configured for SOAP 1.1
 * send one alongside; `""` (SOAP 1.1 §6.1.1: the intent is the request URI) and an empty one name no action.
 */
export function soapActionValue(header: string | readonly string[] | undefined): string | undefined {
  const raw = Array.isArray(header) ? header[0] : header;
  const value = typeof raw === 'string' ? raw.trim().replace(/^"(.*)"$/, '$1').trim() : undefined;
  return value ? value : undefined;
}

/**
 * The action a request asks for: wsa:Action, else (a client that sends no WS-Addressing headers, as before) the SOAP
 * 1.2 `action` media type parameter (RFC 3902; under MTOM also in `start-info` and the root part's type). Every action
 * the transport names — those parameters and a SOAPAction header — must be that same IRI (WS-Addressing 1.0 SOAP
 * Binding §4.1, §6.4.1): a request whose transport names another operation than its envelope (createMessageId vs
 * checkAccountActive, getTransportReport vs cancelMessage have the same body) is refused with ActionMismatch instead
 * of being processed as either one. A SOAPAction header alone names no action (SOAP 1.2 has none; as before).
 */
export function requestAction(wsaAction: string | undefined, mediaActions: readonly string[], soapAction: string | undefined): string | undefined {
  const action = wsaAction ?? mediaActions[0];
  if (action === undefined) return undefined;
  const named = soapAction === undefined ? mediaActions : [...mediaActions, soapAction];
  if (named.some((a) => a !== action)) {
    const what = wsaAction === undefined ? 'the actions of the Content-Type and the SOAPAction header' : 'wsa:Action and the action of the Content-Type or the SOAPAction header';
    throw xtaError('INVALID_PARAMETER_COMBINATION', `${what} name different operations`, { addressing: { subcode: 'ActionMismatch' } });
  }
  return action;
}
