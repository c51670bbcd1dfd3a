import { FEHLERNUMMER_LIST_URI, NS_SOAP12 } from './namespaces.js';
import { faultsDeclaredByAll, operationsOfPort, XTA_ACTIONS, WSA_ADDRESSING_FAULT_ACTION, WSA_FAULT_ACTION } from './operations.js';
import type { XtaOperation, XtaPort } from './operations.js';
import { plainResponse, soapEnvelope } from './soap-envelope.js';
import { soap11VersionMismatch } from './soap11-fault.js';
import type { ReplyContext, XtaSoapResponse } from './soap-envelope.js';
import { escapeXml } from './xml-tree.js';
import { isXtaFault, xtaError, xtaFault } from './xta-errors.js';
import type { XtaFault } from './xta-errors.js';

/** The XTA exception element (Detail content) for a fault. */
export function xtaExceptionXml(fault: XtaFault): string {
  return (
    `<xta:${fault.kind}><xta:errorCode listURI="${FEHLERNUMMER_LIST_URI}" listVersionID="1.0">` +
    `<code>${fault.fehlernummer}</code><name>${escapeXml(fault.fehlernummerName)}</name></xta:errorCode></xta:${fault.kind}>`
  );
}

/** Which request a fault answers: its operation when known, else the port it came to (any of its operations), else any operation. */
export interface FaultContext extends ReplyContext {
  readonly operation?: XtaOperation;
  readonly port?: XtaPort;
}

const ALL_OPERATIONS = Object.keys(XTA_ACTIONS) as XtaOperation[];

/**
 * The fault as the request's operation declares it: an exception the WSDL does not list for it (e.g. a
 * malformed getMessage request, ParameterIsNotValidException 9020/9022, where getMessage declares only
 * PermissionDenied, XTAWSTechnicalProblem and InvalidMessageID) becomes XTAWSTechnicalProblemException with
 * 9000 "Unspezifizierter Fehler" — the one Fehlernummer the code list allows under any exception — keeping the
 * SOAP code (Sender: the request is at fault) and saying the original number and reason in the Reason text.
 * With the operation unknown (envelope not well-formed, no wsa:Action) the fault must be one every operation
 * the request may be declares: those of the port, else of all operations (docs/adr/0018).
 */
function declaredFor(fault: XtaFault, context: FaultContext | undefined): XtaFault {
  const operations = context?.operation ? [context.operation] : context?.port ? operationsOfPort(context.port) : ALL_OPERATIONS;
  if (faultsDeclaredByAll(operations).includes(fault.kind)) return fault;
  const reason = fault.message === fault.fehlernummerName ? fault.message : `${fault.fehlernummerName}: ${fault.message}`;
  return xtaFault('XTAWSTechnicalProblemException', '9000', `${fault.fehlernummer} ${reason}`, {
    soapCode: fault.soapCode,
    cause: fault,
    httpStatus: fault.status,
    notUnderstood: fault.notUnderstood,
    ...(fault.addressing ? { addressing: fault.addressing } : {}),
  });
}

/**
 * The header blocks a fault's SOAP code calls for (SOAP 1.2 Part 1 §5.4.8): VersionMismatch names what we speak
 * (Upgrade); MustUnderstand names each block not understood (NotUnderstood, its QName's namespace declared on it).
 */
function faultHeaders(fault: XtaFault): string {
  if (fault.soapCode === 'VersionMismatch') return `<s:Upgrade><s:SupportedEnvelope qname="v12:Envelope" xmlns:v12="${NS_SOAP12}"/></s:Upgrade>`;
  if (fault.soapCode !== 'MustUnderstand') return '';
  return fault.notUnderstood
    .map(({ ns, local }) => (ns ? `<s:NotUnderstood qname="nu:${local}" xmlns:nu="${escapeXml(ns)}"/>` : `<s:NotUnderstood qname="${local}"/>`))
    .join('');
}

// an action echoed in a ProblemAction detail: a client's string, bounded so a fault never grows with what was sent
const MAX_PROBLEM_ACTION = 256;

/**
 * The SOAP Code's subcodes and the Detail beside the XTA exception: the XTA exception as subcode, or for a WS-Addressing
 * fault its subcodes (SOAP Binding §6.4: a WS-Addressing stack such as CXF's reads them there). The XTA exception
 * stays in the Detail either way, where clients generated from XTA.wsdl look for it.
 */
function faultCodeAndDetail(fault: XtaFault): { subcode: string; detail: string } {
  const addressing = fault.addressing;
  if (addressing?.subcode === 'ActionMismatch') {
    return {
      subcode: '<s:Subcode><s:Value>wsa:InvalidAddressingHeader</s:Value><s:Subcode><s:Value>wsa:ActionMismatch</s:Value></s:Subcode></s:Subcode>',
      detail: '<wsa:ProblemHeaderQName>wsa:Action</wsa:ProblemHeaderQName>',
    };
  }
  if (addressing?.subcode === 'ActionNotSupported') {
    const action = addressing.action.length <= MAX_PROBLEM_ACTION ? `<wsa:ProblemAction><wsa:Action>${escapeXml(addressing.action)}</wsa:Action></wsa:ProblemAction>` : '';
    return { subcode: '<s:Subcode><s:Value>wsa:ActionNotSupported</s:Value></s:Subcode>', detail: action };
  }
  return { subcode: `<s:Subcode><s:Value>xta:${fault.kind}</s:Value></s:Subcode>`, detail: '' };
}

/**
 * Builds the SOAP 1.2 Fault response for an XtaFault (any other error becomes 9030 without its
 * message, which may carry internals), as one the operation declares: Code/Value Sender|Receiver|VersionMismatch, Subcode the
 * XTA exception QName, Detail the exception element with its Fehlernummer. The wsa:Action is the
 * operation's (the WSDL gives faults the operation action), else the WS-Addressing fault action.
 */
export function buildFaultResponse(error: unknown, request?: FaultContext): XtaSoapResponse {
  if (isXtaFault(error) && error.soap11) return soap11VersionMismatch(error);
  const fault = declaredFor(isXtaFault(error) ? error : xtaError('INTERNAL_ERROR'), request);
  // WS-Addressing faults carry the addressing fault action (SOAP Binding §6); others the operation's, as the WSDL says
  const action = fault.addressing ? WSA_ADDRESSING_FAULT_ACTION : request?.operation ? XTA_ACTIONS[request.operation] : WSA_FAULT_ACTION;
  const { subcode, detail } = faultCodeAndDetail(fault);
  const body =
    `<s:Fault><s:Code><s:Value>s:${fault.soapCode}</s:Value>${subcode}</s:Code>` +
    `<s:Reason><s:Text xml:lang="en">${escapeXml(fault.message)}</s:Text></s:Reason>` +
    `<s:Detail>${xtaExceptionXml(fault)}${detail}</s:Detail></s:Fault>`;
  const envelope = soapEnvelope({ action, reply: request, headers: faultHeaders(fault), body });
  return plainResponse(envelope, action, fault.status);
}
