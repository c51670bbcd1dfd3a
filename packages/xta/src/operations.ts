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

const byAction = new Map<string, XtaOperation>(Object.entries(XTA_ACTIONS).map(([op, action]) => [action, op as XtaOperation]));

/** Operation for a wsa:Action, or undefined. */
export function operationForAction(action: string): XtaOperation | undefined {
  return byAction.get(action.trim());
}

/** WS-Addressing fault action, used when a fault cannot be tied to an operation (WS-Addressing 1.0 SOAP Binding §6). */
export const WSA_FAULT_ACTION = 'http://www.w3.org/2005/08/addressing/soap/fault';
/** Anonymous address for synchronous replies (WSDL policy `wsam:AnonymousResponses`). */
export const WSA_ANONYMOUS = 'http://www.w3.org/2005/08/addressing/anonymous';
