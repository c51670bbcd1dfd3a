import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { EDGE_STRING_MAX, findUnstorableString, isWeicheError } from '@weiche/core';
import {
  buildFaultResponse,
  isXtaFault,
  operationHint,
  parseSoapRequestBody,
  readSoapRequestHead,
  soapActionValue,
  unsupportedMediaType,
  xtaError,
  XTA_OPERATION_PORT,
  type FaultContext,
  type ParsedSoapRequest,
  type SoapRequestHead,
  type XtaPort,
  type XtaSoapResponse,
} from '@weiche/xta';
import { authenticateIdentity, type XtaIdentity } from './identities.js';
import { cancelMessage, checkAccountActive, createMessageId, getTransportReport, lookupService } from './management-port.js';
import { closeMessages, getMessage, getNextMessage, getStatusList } from './msgbox-port.js';
import type { HubMessageBox } from './message-box.js';
import { sendMessage } from './send-message.js';
import type { XtaRuntime } from './xta-runtime.js';

/** URL of each XTA port (one per WSDL port, XTA 2 Version 3). */
export const XTA_PORT_PATHS: Readonly<Record<XtaPort, string>> = {
  management: '/xta/v3/management',
  send: '/xta/v3/send',
  msgBox: '/xta/v3/msgbox',
};

// SOAP 1.2 (application/soap+xml) and MTOM (multipart/related); text/xml is read too so a SOAP 1.1
// client hears a VersionMismatch fault instead of an HTTP 415. Any other (or none) is a 415 with a SOAP fault.
const MEDIA_TYPES = ['application/soap+xml', 'multipart/related', 'text/xml', 'application/xml'];

async function dispatch(rt: XtaRuntime, box: HubMessageBox, identity: XtaIdentity, request: ParsedSoapRequest): Promise<XtaSoapResponse> {
  switch (request.operation) {
    case 'createMessageId':
      return createMessageId(rt, request);
    case 'checkAccountActive':
      return checkAccountActive(request);
    case 'lookupService':
      return lookupService(rt, request);
    case 'getTransportReport':
      return getTransportReport(rt, identity, request);
    case 'cancelMessage':
      return cancelMessage(rt, identity, request);
    case 'sendMessage':
      return sendMessage(rt, identity, request);
    case 'sendMessageSync':
      // no route of the hub answers synchronously (XTA: SyncAsyncException 9080)
      throw xtaError('ASYNC_ONLY');
    case 'getStatusList':
    case 'getNextStatusList':
      return getStatusList(rt, identity, request);
    case 'getMessage':
      return getMessage(rt, box, identity, request);
    case 'getNextMessage':
      return getNextMessage(rt, box, identity, request);
    case 'close':
      return closeMessages(rt, identity, request);
  }
}

/**
 * The storable-string check of @weiche/core on everything of a request that may reach the journal
 * (MessageID, reader/author ids, service, selectors): the XML reader already refuses NUL, this bounds
 * the length. The content container is the message itself and is bounded by the container limit.
 */
function assertStorableFields(request: ParsedSoapRequest): void {
  const { payload, operation: _operation, ...envelope } = request;
  const fields = 'container' in payload ? { ...payload, container: undefined } : payload;
  const fault = findUnstorableString({ ...envelope, payload: fields }, '', EDGE_STRING_MAX);
  if (fault) throw xtaError('INVALID_PARAMETER_COMBINATION', fault);
}

/** A refusal of the caller's input from outside the XTA package (edge checks, a value the journal cannot store) as a Sender fault 9022. */
function senderFaultOf(error: unknown): unknown {
  return !isXtaFault(error) && isWeicheError(error) && error.status === 400 ? xtaError('INVALID_PARAMETER_COMBINATION', error.message) : error;
}

/**
 * What a fault answers: the operation the envelope names, else the one the Content-Type's action or a SOAPAction
 * header names (envelope unreadable), else only the port of the URL. An operation of another port is answered
 * as the port's, whose declared faults apply here.
 */
function faultContext(request: FastifyRequest, port: XtaPort, head: SoapRequestHead | undefined, error?: unknown): FaultContext {
  // the actions of an ActionMismatch contradict each other: neither names the operation, the port does
  const hint = isXtaFault(error) && error.addressing?.subcode === 'ActionMismatch' ? undefined : operationHint(request.headers['content-type'] ?? '', request.headers['soapaction']);
  const operation = head?.operation ?? hint;
  return {
    port,
    ...(operation !== undefined && XTA_OPERATION_PORT[operation] === port ? { operation } : {}),
    ...(head?.messageId ? { messageId: head.messageId } : {}),
  };
}

const PORT_OF_PATH = new Map(Object.entries(XTA_PORT_PATHS).map(([port, path]) => [path, port as XtaPort]));

function send(reply: FastifyReply, response: XtaSoapResponse): FastifyReply {
  return reply.status(response.httpStatus).header('content-type', response.contentType).send(response.body);
}

/**
 * The XTA 2 Version 3 server (xta-osci.md): ManagementPort, SendXtaPort and MsgBoxPort under
 * /xta/v3/*. Bodies are read raw up to the configured limit before anything parses them; every
 * refusal is a SOAP 1.2 fault with the XTA exception and Fehlernummer.
 */
export function xtaRoutes(rt: XtaRuntime, box: HubMessageBox) {
  return async function plugin(app: FastifyInstance): Promise<void> {
    // only these parsers: one inherited from the root app (its JSON parser) would read the body first and answer its
    // refusal as a 500; any other media type is now FST_ERR_CTP_INVALID_MEDIA_TYPE, a 415 below
    app.removeAllContentTypeParsers();
    app.addContentTypeParser(MEDIA_TYPES, { parseAs: 'buffer', bodyLimit: rt.limits.maxBodyBytes }, (_request, body, done) => done(null, body));
    // RFC 9110 §8.4.1: the body is read as sent, so a content coding (e.g. a client's gzip) would be read as XML; a 415
    // naming the one coding read (§12.5.3) instead
    app.addHook('onRequest', async (request, reply) => {
      const coding = request.headers['content-encoding']?.trim().toLowerCase();
      if (coding === undefined || coding === '' || coding === 'identity') return;
      void reply.header('accept-encoding', 'identity');
      throw xtaError('PROFILE_VIOLATION', `Content-Encoding ${coding.slice(0, 40)} is not read: send the body without a content coding`, { httpStatus: 415 });
    });
    // scoped to this plugin: HTTP-level refusals (too large, wrong media type, content coding) are XTA faults too
    app.setErrorHandler((error: FastifyError, request, reply) => {
      const fault =
        error.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
          ? xtaError('MESSAGE_TOO_LARGE', `request body exceeds ${rt.limits.maxBodyBytes} bytes`)
          : error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || error.code === 'FST_ERR_CTP_EMPTY_TYPE'
            ? unsupportedMediaType(request.headers['content-type'] === undefined ? 'no Content-Type' : 'unsupported media type')
            : senderFaultOf(error);
      if (!isXtaFault(fault)) request.log.error({ err: error }, 'xta request failed');
      // refused before the body was read (too large, wrong media type): only the URL and headers tell the operation
      const port = PORT_OF_PATH.get(request.routeOptions.url ?? '');
      return send(reply, buildFaultResponse(fault, port ? faultContext(request, port, undefined) : undefined));
    });
    for (const [port, path] of Object.entries(XTA_PORT_PATHS) as Array<[XtaPort, string]>) {
      app.post(path, async (request: FastifyRequest, reply) => {
        let head: SoapRequestHead | undefined;
        try {
          // who is calling is settled before the body is parsed
          const identity = authenticateIdentity(request, rt.identities, rt.config.auth);
          const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
          head = readSoapRequestHead(body, request.headers['content-type'] ?? '', rt.limits, { soapAction: soapActionValue(request.headers['soapaction']) });
          // before its parameters are read: they are another port's (WS-Addressing ActionNotSupported at this endpoint)
          if (XTA_OPERATION_PORT[head.operation] !== port) {
            throw xtaError('INVALID_URI', `${head.operation} is not an operation of this port`, { addressing: { subcode: 'ActionNotSupported', action: head.action } });
          }
          const parsed = parseSoapRequestBody(head, rt.limits);
          assertStorableFields(parsed);
          const response = await dispatch(rt, box, identity, parsed);
          request.log.info({ xtaOperation: parsed.operation, identity: identity.identifier }, 'xta operation');
          return send(reply, response);
        } catch (thrown) {
          const error = senderFaultOf(thrown);
          if (isXtaFault(error)) {
            request.log.info({ xtaOperation: head?.operation, fault: error.fehlernummer }, 'xta fault');
          } else {
            request.log.error({ err: error, xtaOperation: head?.operation }, 'xta operation failed');
          }
          return send(reply, buildFaultResponse(error, faultContext(request, port, head, error)));
        }
      });
    }
  };
}
