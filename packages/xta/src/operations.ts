import type { XtaExceptionKind } from './xta-errors.js';

/** XTA 2 V3 ports of the WSDL service `XTAService`. */
export type XtaPort = 'management' | 'send' | 'msgBox';

/** Operations of all three ports. */
export type XtaOperation =
  | 'createMessageId'
  | 'checkAccountActive'
  | 'lookupService'
  | 'getTransportReport'
  | 'cancelMessage'
  | 'sendMessage'
  | 'sendMessageSync'
  | 'getStatusList'
  | 'getMessage'
  | 'getNextMessage'
  | 'getNextStatusList'
  | 'close';

const OSCI_MT = 'http://www.osci.eu/ws/2008/05/transport/urn/messageTypes/';

/** wsa:Action per operation, exactly as the WSDL's `wsam:Action` (input and output share it). */
export const XTA_ACTIONS: Readonly<Record<XtaOperation, string>> = {
  createMessageId: 'http://www.xta.de/XTA/CreateMessageID',
  checkAccountActive: 'http://www.xta.de/XTA/CheckAccountActive',
  lookupService: 'http://www.xta.de/XTA/IsServiceAvailable',
  getTransportReport: 'http://www.xta.de/XTA/GetTransportReport',
  cancelMessage: 'http://www.xta.de/XTA/CancelMessage',
  sendMessage: 'http://www.xta.de/XTA/SendMessage',
  sendMessageSync: 'http://www.xta.de/XTA/SendMessageSync',
  getStatusList: `${OSCI_MT}MsgBoxStatusListRequest`,
  getMessage: `${OSCI_MT}MsgBoxFetchRequest`,
  getNextMessage: `${OSCI_MT}MsgBoxGetNextMsgRequest`,
  getNextStatusList: `${OSCI_MT}MsgBoxGetNextListRequest`,
  close: `${OSCI_MT}MsgBoxCloseRequest`,
};

/** Port of each operation (the gateway mounts one URL per port). */
export const XTA_OPERATION_PORT: Readonly<Record<XtaOperation, XtaPort>> = {
  createMessageId: 'management',
  checkAccountActive: 'management',
  lookupService: 'management',
  getTransportReport: 'management',
  cancelMessage: 'management',
  sendMessage: 'send',
  sendMessageSync: 'send',
  getStatusList: 'msgBox',
  getMessage: 'msgBox',
  getNextMessage: 'msgBox',
  getNextStatusList: 'msgBox',
  close: 'msgBox',
};

const BASE_FAULTS = ['PermissionDeniedException', 'XTAWSTechnicalProblemException'] as const;
const SEND_FAULTS = [...BASE_FAULTS, 'ParameterIsNotValidException', 'MessageSchemaViolationException', 'MessageVirusDetectionException', 'SyncAsyncException'] as const;

/**
 * The XTA exceptions each operation declares as faults in XTA.wsdl (portType). Clients generated from the
 * WSDL (JAX-WS/CXF, .NET) map only these to typed exceptions; soap-fault.ts answers any other one as
 * XTAWSTechnicalProblemException. Checked against the WSDL in operations.test.ts.
 */
export const XTA_DECLARED_FAULTS: Readonly<Record<XtaOperation, readonly XtaExceptionKind[]>> = {
  createMessageId: BASE_FAULTS,
  checkAccountActive: BASE_FAULTS,
  lookupService: [...BASE_FAULTS, 'ParameterIsNotValidException'],
  getTransportReport: [...BASE_FAULTS, 'InvalidMessageIDException'],
  cancelMessage: [...BASE_FAULTS, 'ParameterIsNotValidException', 'CancelDeniedException'],
  sendMessage: SEND_FAULTS,
  sendMessageSync: SEND_FAULTS,
  getStatusList: BASE_FAULTS,
  getMessage: [...BASE_FAULTS, 'InvalidMessageIDException'],
  getNextMessage: [...BASE_FAULTS, 'InvalidMessageIDException'],
  getNextStatusList: BASE_FAULTS,
  close: [...BASE_FAULTS, 'InvalidMessageIDException'],
};

/** The operations of a port, in WSDL order. */
export function operationsOfPort(port: XtaPort): XtaOperation[] {
  return (Object.keys(XTA_OPERATION_PORT) as XtaOperation[]).filter((op) => XTA_OPERATION_PORT[op] === port);
}

/**
 * The exceptions every one of these operations declares: what a fault may be when the request could be any of
 * them (its envelope unreadable, so its operation unknown). For all operations that is PermissionDenied and
 * XTAWSTechnicalProblem; for the send port, whose two operations declare the same faults, all of them.
 */
export function faultsDeclaredByAll(operations: readonly XtaOperation[]): XtaExceptionKind[] {
  const [first, ...rest] = operations;
  if (!first) return [];
  return XTA_DECLARED_FAULTS[first].filter((kind) => rest.every((op) => XTA_DECLARED_FAULTS[op].includes(kind)));
}

const byAction = new Map<string, XtaOperation>(Object.entries(XTA_ACTIONS).map(([op, action]) => [action, op as XtaOperation]));

/** Operation for a wsa:Action, or undefined. */
export function operationForAction(action: string): XtaOperation | undefined {
  return byAction.get(action.trim());
}

/** WS-Addressing fault action, used when a fault cannot be tied to an operation (WS-Addressing 1.0 SOAP Binding §6). */
export const WSA_FAULT_ACTION = 'http://www.w3.org/2005/08/addressing/soap/fault';
/** Action of the faults WS-Addressing itself defines (ActionMismatch, ActionNotSupported; SOAP Binding §6). */
export const WSA_ADDRESSING_FAULT_ACTION = 'http://www.w3.org/2005/08/addressing/fault';
/** Anonymous address for synchronous replies (WSDL policy `wsam:AnonymousResponses`). */
export const WSA_ANONYMOUS = 'http://www.w3.org/2005/08/addressing/anonymous';
