import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { resolveSchemaCacheDir } from '@weiche/xoev';
import { XtaSchemaValidator } from './xta-schema-validator.js';
import {
  buildCreateMessageIdResponse,
  buildEmptyResponse,
  buildGetMessageResponse,
  buildLookupServiceResponse,
  buildSendMessageSyncResponse,
  buildStatusListResponse,
  buildTransportReportResponse,
  encryptionCertificateParameter,
  TransportStatus,
} from './responses.js';
import type { XtaSoapResponse } from './soap-envelope.js';
import { buildFaultResponse } from './soap-fault.js';
import { XTA_ACTIONS, XTA_DECLARED_FAULTS, type XtaOperation } from './operations.js';
import { XTA_ERRORS, xtaError, xtaFault } from './xta-errors.js';
import type { XtaErrorName, XtaFault } from './xta-errors.js';
import { parseSoapRequest } from './parse-soap-request.js';
import { parseXmlTree, childNamed } from './xml-tree.js';
import { parseMediaType, splitMultipart } from './mime-multipart.js';
import { NS_SOAP12 } from './namespaces.js';
import { ATTACHMENT_BYTES, CIPHER_BYTES, MESSAGE_BYTES, META, inlineSendMessage, mtomEncryptedSendMessage } from './test-fixtures.js';
import type { MessageMetaData } from './message-metadata.js';

let validator: XtaSchemaValidator;
beforeAll(async () => {
  validator = await XtaSchemaValidator.load({ cacheDir: resolveSchemaCacheDir() });
});
afterAll(() => validator.close());

function expectValid(res: XtaSoapResponse): void {
  const r = validator.validate(res.envelope);
  expect(r.errors).toEqual([]);
  expect(r.valid).toBe(true);
}

const reply = { messageId: 'urn:uuid:req-1' };
const FULL_META: MessageMetaData = {
  ...META,
  testMsg: true,
  replyTo: { type: 'xoev', value: 'dvdv:reply' },
  otherReaders: [{ type: 'xoev', value: 'ags:1' }],
  ccReaders: [{ type: 'xoev', value: 'ags:2' }],
  inReplyTo: ['urn:de:xta:messageid:p:0'],
  qualifier: { ...META.qualifier, subject: 'Bauantrag <Test> & mehr', businessScenario: { kind: 'undefined', value: 'XBAU_DATA' } },
  properties: [{ key: { code: 'k', listUri: 'urn:x', listVersionId: '1' }, value: 'v' }],
};

describe('schema validator', () => {
  it('rejects an invalid document (it can fail)', () => {
    const bad = `<s:Envelope xmlns:s="${NS_SOAP12}"><s:Body><x:TransportReport xmlns:x="http://xoev.de/transport/xta/211"/></s:Body></s:Envelope>`;
    const r = validator.validate(bad);
    expect(r.valid).toBe(false);
    expect(r.errors.join()).toMatch(/TransportReport/);
  });
});

describe('response builders validate against the WSDL schemas', () => {
  it('empty responses carry the WSDL action and relate to the request', () => {
    for (const operation of ['checkAccountActive', 'cancelMessage', 'sendMessage', 'close'] as const) {
      const res = buildEmptyResponse({ operation, ...reply });
      expectValid(res);
      expect(res.httpStatus).toBe(200);
      expect(res.contentType).toMatch(/^application\/soap\+xml/);
      expect(res.envelope).toContain('<wsa:RelatesTo>urn:uuid:req-1</wsa:RelatesTo>');
    }
    expect(buildEmptyResponse({ operation: 'sendMessage' }).envelope).toContain('<wsa:Action>http://www.xta.de/XTA/SendMessage</wsa:Action>');
  });

  it('createMessageId', () => {
    const res = buildCreateMessageIdResponse(reply, 'urn:de:xta:messageid:weiche:abc');
    expectValid(res);
    const body = childNamed(parseXmlTree(res.envelope), NS_SOAP12, 'Body');
    expect(body?.children[0]?.text).toBe('urn:de:xta:messageid:weiche:abc');
  });

  it('lookupService with the reader certificate as ServiceParameter', () => {
    const der = Buffer.from([0x30, 0x82, 0x01, 0x0a, 1, 2, 3]);
    const res = buildLookupServiceResponse(reply, [
      { reader: META.reader, serviceType: 'urn:xoev-de:xbau:standard:xbau', available: true, parameters: [encryptionCertificateParameter(der)] },
      { reader: { type: 'xoev', value: 'ags:0' }, serviceType: 'urn:x', available: 'unknown' },
      { reader: { type: 'xoev', value: 'ags:9' }, serviceType: 'urn:x', available: false },
    ]);
    expectValid(res);
    expect(res.envelope).toContain(`<xta:Resource>${der.toString('base64')}</xta:Resource>`);
  });

  it('TransportReport for every status, with records', () => {
    for (const status of Object.values(TransportStatus)) {
      const res = buildTransportReportResponse(reply, {
        messageMetaData: FULL_META,
        reportTime: new Date('2025-01-10T10:00:00Z'),
        serverIdentity: 'weiche-hub',
        status,
        errors: status === TransportStatus.RED ? [{ timestamp: new Date('2025-01-10T09:59:00Z'), code: '9030', reason: 'content could not be opened' }] : [],
        warnings: [{ timestamp: new Date(), code: 'W1', reason: 'w' }],
        infos: [{ timestamp: new Date(), code: 'I1', reason: 'i', listUri: 'urn:weiche:records', listVersionId: '2' }],
      });
      expectValid(res);
      expect(res.envelope).toContain(`<xta:Status>${status}</xta:Status>`);
    }
  });

  it('status lists in both list forms, with ItemsPending and NoMessageAvailable', () => {
    expectValid(
      buildStatusListResponse(
        { operation: 'getStatusList', ...reply },
        { msgBoxResponse: { requestId: 'urn:uuid:box-1', itemsPending: 0 }, entries: { messageMetaData: [META, FULL_META] } },
      ),
    );
    expectValid(
      buildStatusListResponse(
        { operation: 'getNextStatusList' },
        {
          msgBoxResponse: { requestId: 'urn:uuid:box-1', noMessageAvailable: 'NoMatch' },
          entries: {
            msgAttributes: [
              { messageId: META.messageId, typeOfBusinessScenario: 'urn:x:XBAU_DATA', msgSize: 12, deliveryTime: new Date(), initialFetchedTime: new Date() },
            ],
          },
        },
      ),
    );
    expectValid(buildStatusListResponse({ operation: 'getStatusList' }, { msgBoxResponse: { requestId: 'urn:uuid:b', itemsPending: 3 }, entries: { messageMetaData: [] } }));
  });

  it('getMessage inline (plain and encrypted) and round-trips through the parser', () => {
    const parsed = parseSoapRequest(Buffer.from(inlineSendMessage()), 'application/soap+xml');
    if (parsed.operation !== 'sendMessage') throw new Error('narrowing');
    const res = buildGetMessageResponse(
      { operation: 'getMessage', ...reply },
      { msgBoxResponse: { requestId: 'urn:uuid:box', itemsPending: 1 }, messageMetaData: FULL_META, container: parsed.payload.container },
    );
    expectValid(res);
    const { body, contentType } = mtomEncryptedSendMessage();
    const enc = parseSoapRequest(body, contentType);
    if (enc.operation !== 'sendMessage') throw new Error('narrowing');
    const encRes = buildGetMessageResponse({ operation: 'getNextMessage' }, { msgBoxResponse: { requestId: 'urn:uuid:box', itemsPending: 0 }, messageMetaData: META, container: enc.payload.container });
    expectValid(encRes);
    expect(encRes.envelope).toContain(CIPHER_BYTES.toString('base64'));
    // The response body parses back as a sendMessage body would: same metadata and bytes.
    const again = parseSoapRequest(Buffer.from(res.envelope.replace(/http:\/\/www\.osci\.eu\/ws\/2008\/05\/transport\/urn\/messageTypes\/MsgBoxFetchRequest/, 'http://www.xta.de/XTA/SendMessage')), 'application/soap+xml');
    if (again.operation !== 'sendMessage' || again.payload.container.kind !== 'plain') throw new Error('narrowing');
    expect(again.payload.messageMetaData).toEqual(FULL_META);
    expect(again.payload.container.message.data.equals(MESSAGE_BYTES)).toBe(true);
    expect(again.payload.container.attachments[0]?.data.equals(ATTACHMENT_BYTES)).toBe(true);
  });

  it('sendMessageSync reply (for routes that answer synchronously)', () => {
    const res = buildSendMessageSyncResponse(reply, {
      messageMetaData: META,
      container: { kind: 'plain', message: { contentType: 'application/xml', data: MESSAGE_BYTES }, attachments: [] },
    });
    expectValid(res);
    expect(res.envelope).toContain('<wsa:Action>http://www.xta.de/XTA/SendMessageSync</wsa:Action>');
  });

  it('getMessage as MTOM: binary parts, root part referencing them', () => {
    const res = buildGetMessageResponse(
      { operation: 'getMessage' },
      {
        msgBoxResponse: { requestId: 'urn:uuid:box', itemsPending: 0 },
        messageMetaData: META,
        container: { kind: 'plain', message: { contentType: 'application/xml', data: MESSAGE_BYTES }, attachments: [{ contentType: 'application/pdf', data: ATTACHMENT_BYTES, filename: 'plan.pdf' }] },
        mtom: true,
      },
    );
    const media = parseMediaType(res.contentType);
    expect(media.type).toBe('multipart/related');
    const parts = splitMultipart(res.body, media.params.get('boundary') ?? '', 10);
    expect(parts).toHaveLength(3);
    expect(parts[2]?.body.equals(ATTACHMENT_BYTES)).toBe(true);
    expect(res.envelope).toContain('xop:Include');
    // Same bytes back through the MTOM request parser.
    const asRequest = res.body.toString('latin1').replaceAll('http://www.osci.eu/ws/2008/05/transport/urn/messageTypes/MsgBoxFetchRequest', 'http://www.xta.de/XTA/SendMessage');
    const parsed = parseSoapRequest(Buffer.from(asRequest, 'latin1'), res.contentType);
    if (parsed.operation !== 'sendMessage' || parsed.payload.container.kind !== 'plain') throw new Error('narrowing');
    expect(parsed.payload.container.message.data.equals(MESSAGE_BYTES)).toBe(true);
    expect(parsed.payload.container.attachments[0]?.data.equals(ATTACHMENT_BYTES)).toBe(true);
  });
});

describe('faults', () => {
  it('every catalogue entry builds a schema-valid SOAP 1.2 fault with its exception and code', () => {
    for (const name of Object.keys(XTA_ERRORS) as XtaErrorName[]) {
      const fault = xtaError(name);
      const entry = XTA_ERRORS[name];
      // an operation that declares the exception (each one is declared by at least one)
      const operation = (Object.keys(XTA_DECLARED_FAULTS) as XtaOperation[]).find((op) => XTA_DECLARED_FAULTS[op].includes(entry.kind));
      expect(operation, entry.kind).toBeDefined();
      const res = buildFaultResponse(fault, { operation: operation!, messageId: 'urn:uuid:req' });
      expectValid(res);
      expect(res.envelope).toContain(`<xta:${entry.kind}>`);
      expect(res.envelope).toContain(`<code>${entry.code}</code>`);
      expect(res.httpStatus).toBe(entry.kind === 'XTAWSTechnicalProblemException' ? 500 : 400);
    }
  });

  it('an exception the operation does not declare in the WSDL is answered as XTAWSTechnicalProblemException 9000, still the sender\'s fault', () => {
    const res = buildFaultResponse(xtaError('INVALID_PARAMETER_COMBINATION', 'MessageID longer than 2000 characters'), { operation: 'getMessage', messageId: 'urn:uuid:req' });
    expectValid(res);
    expect(res.envelope).toContain('<s:Value>s:Sender</s:Value><s:Subcode><s:Value>xta:XTAWSTechnicalProblemException</s:Value>');
    expect(res.envelope).toContain('<code>9000</code>');
    expect(res.envelope).toContain('9022 Ungültige Parameterkombination: MessageID longer than 2000 characters');
    expect(res.httpStatus).toBe(400);
    // where it is declared, it stays as it is
    expect(buildFaultResponse(xtaError('INVALID_PARAMETER_COMBINATION'), { operation: 'sendMessage' }).envelope).toContain('<xta:ParameterIsNotValidException>');
  });

  it('a fault found before the operation is known is one every operation the request may be declares, the reason kept', () => {
    const malformed = (): XtaFault => xtaError('PROFILE_VIOLATION', 'XML not well-formed');
    // any operation: only PermissionDenied and XTAWSTechnicalProblem are declared by all twelve
    for (const context of [undefined, { port: 'management' as const }, { port: 'msgBox' as const, messageId: 'urn:uuid:req' }]) {
      const res = buildFaultResponse(malformed(), context);
      expectValid(res);
      expect(res.envelope).toContain('<s:Value>s:Sender</s:Value><s:Subcode><s:Value>xta:XTAWSTechnicalProblemException</s:Value>');
      expect(res.envelope).toContain('<code>9000</code>');
      expect(res.envelope).toContain('9052 Nachricht verletzt das entsprechende Service Profil.: XML not well-formed');
      expect(res.envelope).toContain('<wsa:Action>http://www.w3.org/2005/08/addressing/soap/fault</wsa:Action>');
      expect(res.httpStatus).toBe(400);
    }
    // both operations of the send port declare MessageSchemaViolation and ParameterIsNotValid
    expect(buildFaultResponse(malformed(), { port: 'send' }).envelope).toContain('<xta:MessageSchemaViolationException>');
    expect(buildFaultResponse(xtaError('NO_PARAMETERS'), { port: 'send' }).envelope).toContain('<code>9020</code>');
    // PermissionDenied is declared everywhere
    expect(buildFaultResponse(xtaError('ACCOUNT_UNKNOWN')).envelope).toContain('<code>9012</code>');
    // the operation, when known, decides (and gives the fault its action)
    const cancel = buildFaultResponse(xtaError('NO_PARAMETERS'), { port: 'management', operation: 'cancelMessage' });
    expect(cancel.envelope).toContain('<code>9020</code>');
    expect(cancel.envelope).toContain(`<wsa:Action>${XTA_ACTIONS.cancelMessage}</wsa:Action>`);
  });

  it('XTA_DECLARED_FAULTS lists exactly the faults of each operation in XTA.wsdl', async () => {
    const wsdl = await readFile(join(resolveSchemaCacheDir(), 'xta2-v3', 'XTA.wsdl'), 'utf8');
    const portTypes = wsdl.split('<binding')[0] ?? '';
    const declared: Record<string, string[]> = {};
    for (const [, name, body] of portTypes.matchAll(/<operation name="(\w+)">([\s\S]*?)<\/operation>/g)) {
      declared[name!] = [...body!.matchAll(/<fault [^>]*message="xta:(\w+)"/g)].map((m) => m[1]!).sort();
    }
    expect(Object.keys(declared).sort()).toEqual(Object.keys(XTA_DECLARED_FAULTS).sort());
    for (const [operation, kinds] of Object.entries(XTA_DECLARED_FAULTS)) expect([...kinds].sort(), operation).toEqual(declared[operation]);
  });

  it('xtaFault builds a fault of a given kind and code; unknown numbers are refused', () => {
    const f = xtaFault('InvalidMessageIDException', '9070', 'no such message');
    expect(f).toMatchObject({ kind: 'InvalidMessageIDException', fehlernummer: '9070', soapCode: 'Sender' });
    expect(buildFaultResponse(f).envelope).toContain('<wsa:Action>http://www.w3.org/2005/08/addressing/soap/fault</wsa:Action>');
    expect(() => xtaFault('PermissionDeniedException', '1234', 'x')).toThrow(/unknown XTA Fehlernummer/);
    expect(() => xtaFault('PermissionDeniedException', '9070', 'x')).toThrow(/belongs to InvalidMessageIDException/);
    expect(xtaFault('SyncAsyncException', '9000', 'x').kind).toBe('SyncAsyncException');
  });

  const versionMismatchOf = (envelopeNs: string): unknown => {
    try {
      parseSoapRequest(Buffer.from(`<e:Envelope xmlns:e="${envelopeNs}"><e:Body/></e:Envelope>`), 'text/xml');
    } catch (e) {
      return e;
    }
    throw new Error('no fault');
  };

  it('SOAP 1.1 gets its VersionMismatch as a SOAP 1.1 fault with the Upgrade header (SOAP 1.2 Part 1 Appendix A: a 1.1 node must be able to read it)', () => {
    for (const context of [undefined, { port: 'management' as const }, { operation: 'checkAccountActive' as const, messageId: 'urn:uuid:req' }]) {
      const res = buildFaultResponse(versionMismatchOf('http://schemas.xmlsoap.org/soap/envelope/'), context);
      const root = parseXmlTree(res.body);
      expect(root.ns).toBe('http://schemas.xmlsoap.org/soap/envelope/');
      const upgrade = childNamed(childNamed(root, root.ns, 'Header')!, NS_SOAP12, 'Upgrade');
      expect(childNamed(upgrade!, NS_SOAP12, 'SupportedEnvelope')).toBeDefined();
      const fault = childNamed(childNamed(root, root.ns, 'Body')!, root.ns, 'Fault')!;
      // SOAP 1.1 §4.4: faultcode and faultstring unqualified, the code a QName in the 1.1 envelope namespace
      const faultcode = childNamed(fault, '', 'faultcode')!.text;
      expect(faultcode.split(':')[1]).toBe('VersionMismatch');
      expect(res.envelope).toContain(`xmlns:${faultcode.split(':')[0]}="http://schemas.xmlsoap.org/soap/envelope/"`);
      expect(childNamed(fault, '', 'faultstring')!.text).toMatch(/^9052 Nachricht verletzt .*: SOAP 1\.1 is not supported/);
      // SOAP 1.1 over HTTP: text/xml, a fault with 500
      expect(res.contentType).toMatch(/^text\/xml; charset=utf-8/);
      expect(res.httpStatus).toBe(500);
    }
  });

  it('a root that is no SOAP envelope at all gets the SOAP 1.2 VersionMismatch with Upgrade', () => {
    const res = buildFaultResponse(versionMismatchOf('urn:not-soap'));
    expectValid(res);
    expect(res.envelope).toContain('<s:Value>s:VersionMismatch</s:Value>');
    expect(res.envelope).toContain('SupportedEnvelope');
    expect(res.httpStatus).toBe(500);
  });

  it('MustUnderstand fault validates, with one NotUnderstood header block per block not understood', () => {
    const notUnderstood = [{ ns: 'urn:wsse', local: 'Security' }, { ns: 'urn:a&b', local: 'Trace' }];
    const res = buildFaultResponse(xtaError('INVALID_PARAMETER_COMBINATION', 'x', { soapCode: 'MustUnderstand', notUnderstood }), { operation: 'sendMessage' });
    expectValid(res);
    expect(res.envelope).toContain('<s:Value>s:MustUnderstand</s:Value>');
    const header = childNamed(parseXmlTree(Buffer.from(res.envelope)), NS_SOAP12, 'Header')!;
    // SOAP 1.2 Part 1 §5.4.8: the qname resolves through the namespace declared on the block
    const named = header.children.filter((c) => c.ns === NS_SOAP12 && c.local === 'NotUnderstood').map((c) => {
      const [prefix, local] = (c.attrs.find((a) => a.local === 'qname')?.value ?? '').split(':');
      return { ns: c.scope.get(prefix ?? ''), local };
    });
    expect(named).toEqual(notUnderstood);
    // an operation that does not declare ParameterIsNotValidException gets 9000, still with the blocks and HTTP 500
    const undeclared = buildFaultResponse(xtaError('INVALID_PARAMETER_COMBINATION', 'x', { soapCode: 'MustUnderstand', notUnderstood }), { operation: 'getStatusList' });
    expectValid(undeclared);
    expect(undeclared.envelope).toContain('<code>9000</code>');
    expect(undeclared.envelope.match(/<s:NotUnderstood /g)).toHaveLength(2);
    expect(undeclared.httpStatus).toBe(500);
  });

  it('a 415 for a media type the hub does not read stays 415 when the fault becomes 9000', () => {
    const fault = xtaError('PROFILE_VIOLATION', 'no Content-Type', { httpStatus: 415 });
    expect(buildFaultResponse(fault, { port: 'send' }).httpStatus).toBe(415);
    const management = buildFaultResponse(fault, { port: 'management' });
    expect([management.httpStatus, management.envelope.includes('<code>9000</code>')]).toEqual([415, true]);
  });

  it('a non-XTA error becomes 9030 without leaking its message', () => {
    const res = buildFaultResponse(new Error('secret path /var/lib/x'));
    expectValid(res);
    expect(res.envelope).toContain('<code>9030</code>');
    expect(res.envelope).not.toContain('secret path');
  });
});
