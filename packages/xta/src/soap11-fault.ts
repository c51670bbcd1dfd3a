import { NS_SOAP11, NS_SOAP12 } from './namespaces.js';
import type { XtaSoapResponse } from './soap-envelope.js';
import { escapeXml } from './xml-tree.js';
import type { XtaFault } from './xta-errors.js';

/**
 * The answer to a SOAP 1.1 envelope. SOAP 1.2 Part 1 Appendix A: a 1.2 node that does not process 1.1 MUST answer
 * with a version mismatch fault "based on a SOAP/1.1 message construct following SOAP/1.1 semantics", over a binding
 * a 1.1 node understands, and SHOULD name the version it speaks in an Upgrade header — a 1.2 envelope would be one
 * more message the caller cannot read. SOAP 1.1 §4.4 / §6.2: faultcode and faultstring, text/xml, HTTP 500. No XTA
 * exception detail (XTA binds SOAP 1.2 only, so no 1.1 client is generated from its WSDL); the Fehlernummer and its
 * name lead the faultstring, as in a 9000 that carries an undeclared one (ADR 0018).
 */
export function soap11VersionMismatch(fault: XtaFault): XtaSoapResponse {
  const reason = `${fault.fehlernummer} ${fault.fehlernummerName}: ${fault.message}`;
  const envelope =
    `<?xml version="1.0" encoding="UTF-8"?><e:Envelope xmlns:e="${NS_SOAP11}">` +
    `<e:Header><u:Upgrade xmlns:u="${NS_SOAP12}"><u:SupportedEnvelope qname="v12:Envelope" xmlns:v12="${NS_SOAP12}"/></u:Upgrade></e:Header>` +
    `<e:Body><e:Fault><faultcode>e:VersionMismatch</faultcode><faultstring>${escapeXml(reason)}</faultstring></e:Fault></e:Body></e:Envelope>`;
  return { httpStatus: 500, contentType: 'text/xml; charset=utf-8', body: Buffer.from(envelope, 'utf8'), envelope };
}
