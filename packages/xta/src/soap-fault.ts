import { FEHLERNUMMER_LIST_URI, NS_SOAP12 } from './namespaces.js';
import { XTA_ACTIONS, WSA_FAULT_ACTION } from './operations.js';
import type { XtaOperation } from './operations.js';
import { plainResponse, soapEnvelope } from './soap-envelope.js';
import type { ReplyContext, XtaSoapResponse } from './soap-envelope.js';
import { escapeXml } from './xml-tree.js';
import { isXtaFault, xtaError } from './xta-errors.js';
import type { XtaFault } from './xta-errors.js';

/** The XTA exception element (Detail content) for a fault. */
export function xtaExceptionXml(fault: XtaFault): string {
  return (
    `<xta:${fault.kind}><xta:errorCode listURI="${FEHLERNUMMER_LIST_URI}" listVersionID="1.0">` +
    `<code>${fault.fehlernummer}</code><name>${escapeXml(fault.fehlernummerName)}</name></xta:errorCode></xta:${fault.kind}>`
  );
}

/**
 * Builds the SOAP 1.2 Fault response for an XtaFault (any other error becomes 9030 without its
 * message, which may carry internals): Code/Value Sender|Receiver|VersionMismatch, Subcode the
 * XTA exception QName, Detail the exception element with its Fehlernummer. The wsa:Action is the
 * operation's (the WSDL gives faults the operation action), else the WS-Addressing fault action.
 */
export function buildFaultResponse(error: unknown, request?: ReplyContext & { readonly operation?: XtaOperation }): XtaSoapResponse {
  const fault = isXtaFault(error) ? error : xtaError('INTERNAL_ERROR');
  const action = request?.operation ? XTA_ACTIONS[request.operation] : WSA_FAULT_ACTION;
  // SOAP 1.2 Part 1 §5.4.8: a VersionMismatch fault carries an Upgrade header naming what we speak.
  const upgrade =
    fault.soapCode === 'VersionMismatch'
      ? `<s:Upgrade><s:SupportedEnvelope qname="v12:Envelope" xmlns:v12="${NS_SOAP12}"/></s:Upgrade>`
      : '';
  const body =
    `<s:Fault><s:Code><s:Value>s:${fault.soapCode}</s:Value><s:Subcode><s:Value>xta:${fault.kind}</s:Value></s:Subcode></s:Code>` +
    `<s:Reason><s:Text xml:lang="en">${escapeXml(fault.message)}</s:Text></s:Reason>` +
    `<s:Detail>${xtaExceptionXml(fault)}</s:Detail></s:Fault>`;
  const envelope = soapEnvelope({ action, reply: request, headers: upgrade, body });
  return plainResponse(envelope, action, fault.status);
}
