import { describe, it, expect } from 'vitest';
import { parseSoapRequest, parseSoapRequestBody, readSoapRequestHead, DEFAULT_XTA_LIMITS } from './parse-soap-request.js';
import { XtaFault } from './xta-errors.js';
import { NS_OSCIMETA, NS_SOAP11, NS_WSA } from './namespaces.js';
import { parseXmlTree } from './xml-tree.js';
import {
  ATTACHMENT_BYTES,
  CIPHER_BYTES,
  MESSAGE_BYTES,
  META,
  META_XML,
  envelope,
  inlineSendMessage,
  mtomEncryptedSendMessage,
} from './test-fixtures.js';

const SOAP = 'application/soap+xml; charset=utf-8';

function faultOf(fn: () => unknown): XtaFault {
  try {
    fn();
  } catch (e) {
    if (e instanceof XtaFault) return e;
    throw e;
  }
  throw new Error('expected an XtaFault');
}

describe('parseSoapRequest: sendMessage', () => {
  it('parses an inline plain ContentContainer with MessageMetaData', () => {
    const req = parseSoapRequest(Buffer.from(inlineSendMessage()), SOAP);
    expect(req.operation).toBe('sendMessage');
    expect(req.soapVersion).toBe('1.2');
    expect(req.messageId).toBe('urn:uuid:6b1c3f0e-0000-4000-8000-000000000001');
    expect(req.to).toBe('https://hub.example/xta/send');
    expect(req.mtom).toBe(false);
    if (req.operation !== 'sendMessage') throw new Error('narrowing');
    expect(req.payload.messageMetaData).toEqual(META);
    expect(req.header.messageMetaData).toEqual(META);
    const c = req.payload.container;
    if (c.kind !== 'plain') throw new Error('expected plain');
    expect(c.message.data.equals(MESSAGE_BYTES)).toBe(true);
    expect(c.message).toMatchObject({ contentType: 'application/xml', filename: 'antrag.xml' });
    expect(c.attachments).toHaveLength(1);
    expect(c.attachments[0]?.data.equals(ATTACHMENT_BYTES)).toBe(true);
    expect(c.attachments[0]).toMatchObject({ contentType: 'application/pdf', filename: 'plan.pdf', id: 'att1', contentDescription: 'Lageplan' });
  });

  it('parses MTOM with EncryptedData whose CipherValue is an xop:Include', () => {
    const { body, contentType } = mtomEncryptedSendMessage();
    const req = parseSoapRequest(body, contentType);
    expect(req.mtom).toBe(true);
    if (req.operation !== 'sendMessage') throw new Error('narrowing');
    const c = req.payload.container;
    if (c.kind !== 'encrypted') throw new Error('expected encrypted');
    expect(c.cipherValue.equals(CIPHER_BYTES)).toBe(true);
    // The kept element stands alone: parses, keeps the algorithm, and carries the bytes inline.
    const el = parseXmlTree(c.encryptedDataXml);
    expect(el.local).toBe('EncryptedData');
    expect(c.encryptedDataXml).toContain('http://www.w3.org/2009/xmlenc11#aes256-gcm');
    expect(c.encryptedDataXml).toContain(CIPHER_BYTES.toString('base64'));
    expect(c.encryptedDataXml).not.toContain('xop:Include');
  });

  it('refuses MTOM where an xop:Include is ambiguous: two parts with one Content-ID, a second Include, text beside it', () => {
    const { body, contentType } = mtomEncryptedSendMessage();
    const text = body.toString('latin1');
    const close = text.lastIndexOf('\r\n--uuid:0f3b2c1a-mtom--');
    const twoParts = `${text.slice(0, close)}\r\n--uuid:0f3b2c1a-mtom\r\nContent-Type: application/octet-stream\r\nContent-ID: <cipher@1>\r\n\r\nother bytes${text.slice(close)}`;
    const twoIncludes = text.replace('<xop:Include href="cid:cipher%401"/>', '<xop:Include href="cid:cipher%401"/><xop:Include href="cid:cipher%401"/>');
    const textBeside = text.replace('<xop:Include href="cid:cipher%401"/>', 'AAAA<xop:Include href="cid:cipher%401"/>');
    for (const hostile of [twoParts, twoIncludes, textBeside]) {
      expect(faultOf(() => parseSoapRequest(Buffer.from(hostile, 'latin1'), contentType)).fehlernummer).toBe('9052');
    }
    // whitespace around the one Include is fine
    const spaced = text.replace('<xop:Include href="cid:cipher%401"/>', '\n  <xop:Include href="cid:cipher%401"/>\n');
    expect(parseSoapRequest(Buffer.from(spaced, 'latin1'), contentType).operation).toBe('sendMessage');
  });

  it('parses MTOM with plain content parts and a base64 transfer-encoded part', () => {
    const boundary = 'b1';
    const root = envelope(
      'sendMessage',
      `<xta:GenericContentContainer xmlns:xop="http://www.w3.org/2004/08/xop/include"><xta:ContentContainer>
        <xta:Message contentType="application/xml"><xop:Include href="cid:m1"/></xta:Message>
        <xta:Attachment contentType="application/pdf"><xop:Include href="cid:a1"/></xta:Attachment>
      </xta:ContentContainer></xta:GenericContentContainer>`,
      META_XML,
    );
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Type: application/xop+xml; type="application/soap+xml"\r\n\r\n${root}\r\n--${boundary}\r\nContent-ID: <m1>\r\n\r\n`),
      MESSAGE_BYTES,
      Buffer.from(`\r\n--${boundary}\r\nContent-ID: <a1>\r\nContent-Transfer-Encoding: base64\r\n\r\n${ATTACHMENT_BYTES.toString('base64')}\r\n--${boundary}--`),
    ]);
    const req = parseSoapRequest(body, `multipart/related; type="application/xop+xml"; boundary=${boundary}`);
    if (req.operation !== 'sendMessage' || req.payload.container.kind !== 'plain') throw new Error('narrowing');
    expect(req.payload.container.message.data.equals(MESSAGE_BYTES)).toBe(true);
    expect(req.payload.container.attachments[0]?.data.equals(ATTACHMENT_BYTES)).toBe(true);
  });

  it('refuses damaged base64 with 9052 instead of delivering other bytes: an MTOM part, inline content', () => {
    const boundary = 'b1';
    const root = envelope(
      'sendMessage',
      `<xta:GenericContentContainer xmlns:xop="http://www.w3.org/2004/08/xop/include"><xta:ContentContainer><xta:Message contentType="application/xml"><xop:Include href="cid:m1"/></xta:Message></xta:ContentContainer></xta:GenericContentContainer>`,
      META_XML,
    );
    const mtom = (partText: string): Buffer =>
      Buffer.from(`--${boundary}\r\nContent-Type: application/xop+xml; type="application/soap+xml"\r\n\r\n${root}\r\n--${boundary}\r\nContent-ID: <m1>\r\nContent-Transfer-Encoding: base64\r\n\r\n${partText}\r\n--${boundary}--`, 'latin1');
    const contentType = `multipart/related; type="application/xop+xml"; boundary=${boundary}`;
    const good = MESSAGE_BYTES.toString('base64');
    const ok = parseSoapRequest(mtom(good.replace(/.{1,20}/g, '$&\r\n')), contentType);
    if (ok.operation !== 'sendMessage' || ok.payload.container.kind !== 'plain') throw new Error('narrowing');
    expect(ok.payload.container.message.data.equals(MESSAGE_BYTES)).toBe(true);
    expect(faultOf(() => parseSoapRequest(mtom(`${good.slice(0, 8)}%${good.slice(8)}`), contentType)).fehlernummer).toBe('9052');
    // "YR==" decodes like "YQ==" under Node; base64Binary forbids the stray bits
    const inline = inlineSendMessage().replace(good, 'YR==');
    const f = faultOf(() => parseSoapRequest(Buffer.from(inline), SOAP));
    expect([f.fehlernummer, f.message]).toEqual(['9052', 'Message is not valid base64']);
  });

  it('answers a missing MessageMetaData with ParameterIsNotValidException 9020', () => {
    const xml = inlineSendMessage().replace(META_XML, '');
    const f = faultOf(() => parseSoapRequest(Buffer.from(xml), SOAP));
    expect(f.kind).toBe('ParameterIsNotValidException');
    expect(f.fehlernummer).toBe('9020');
    expect(f.soapCode).toBe('Sender');
  });

  it('answers MessageMetaData without Reader with 9020', () => {
    const xml = inlineSendMessage().replace(/<m:Destinations>.*<\/m:Destinations>/, '<m:Destinations/>');
    const f = faultOf(() => parseSoapRequest(Buffer.from(xml), SOAP));
    expect(f.fehlernummer).toBe('9020');
    expect(f.message).toContain('Reader');
  });

  it('refuses a body over maxBodyBytes with 9023 before parsing', () => {
    // Not even XML: the limit must trip before the parser runs.
    const f = faultOf(() => parseSoapRequest(Buffer.alloc(2000, 0x41), SOAP, { ...DEFAULT_XTA_LIMITS, maxBodyBytes: 1000 }));
    expect(f.fehlernummer).toBe('9023');
    expect(f.kind).toBe('ParameterIsNotValidException');
  });

  it('refuses a container over maxContainerBytes with 9023 (inline and MTOM)', () => {
    const limits = { ...DEFAULT_XTA_LIMITS, maxContainerBytes: 200 };
    const inline = faultOf(() => parseSoapRequest(Buffer.from(inlineSendMessage().replace('<m:MsgSize>1234</m:MsgSize>', '')), SOAP, limits));
    expect(inline.fehlernummer).toBe('9023');
    const { body, contentType } = mtomEncryptedSendMessage();
    const mtom = faultOf(() => parseSoapRequest(body, contentType, limits));
    expect(mtom.fehlernummer).toBe('9023');
  });

  it('refuses a declared MsgSize over the container limit with 9023', () => {
    const f = faultOf(() => parseSoapRequest(Buffer.from(inlineSendMessage()), SOAP, { ...DEFAULT_XTA_LIMITS, maxContainerBytes: 1000 }));
    expect(f.fehlernummer).toBe('9023');
  });
});

describe('parseSoapRequest: hostile and wrong input', () => {
  it('refuses a DTD', () => {
    const xml = `<?xml version="1.0"?><!DOCTYPE soap:Envelope [<!ELEMENT x ANY>]>${inlineSendMessage().replace(/^<\?xml[^>]*\?>/, '')}`;
    const f = faultOf(() => parseSoapRequest(Buffer.from(xml), SOAP));
    expect(f.kind).toBe('MessageSchemaViolationException');
    expect(f.fehlernummer).toBe('9052');
    expect(f.message).toMatch(/DTD/);
  });

  it('refuses an external entity (XXE)', () => {
    const xml = `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><r>&xxe;</r>`;
    const f = faultOf(() => parseSoapRequest(Buffer.from(xml), SOAP));
    expect(f.fehlernummer).toBe('9052');
    expect(f.message).not.toContain('root:');
  });

  it('refuses billion laughs', () => {
    const defs = ['<!ENTITY lol "lol">'];
    for (let i = 1; i < 10; i++) defs.push(`<!ENTITY lol${i} "${`&lol${i === 1 ? '' : i - 1};`.repeat(10)}">`);
    const xml = `<?xml version="1.0"?><!DOCTYPE lolz [${defs.join('')}]><lolz>&lol9;</lolz>`;
    const f = faultOf(() => parseSoapRequest(Buffer.from(xml), SOAP));
    expect(f.fehlernummer).toBe('9052');
  });

  it('refuses an undeclared entity reference without a DTD', () => {
    const xml = inlineSendMessage().replace('<wsa:To>https://hub.example/xta/send</wsa:To>', '<wsa:To>&foo;</wsa:To>');
    expect(faultOf(() => parseSoapRequest(Buffer.from(xml), SOAP)).fehlernummer).toBe('9052');
  });

  it('decodes predefined and character references', () => {
    const xml = inlineSendMessage().replace('https://hub.example/xta/send', 'https://hub.example/a?b=1&amp;c=&#x32;');
    expect(parseSoapRequest(Buffer.from(xml), SOAP).to).toBe('https://hub.example/a?b=1&c=2');
  });

  it('refuses a media type it does not read with HTTP 415: none, another, a multipart/related of another root type', () => {
    const xml = Buffer.from(envelope('checkAccountActive', ''));
    for (const contentType of ['', 'text/plain', 'application/json; charset=utf-8', 'multipart/related; type="text/plain"; boundary=b']) {
      const f = faultOf(() => readSoapRequestHead(xml, contentType));
      expect([f.fehlernummer, f.status, f.soapCode], contentType).toEqual(['9052', 415, 'Sender']);
    }
    // MTOM's and SOAP 1.2's own (and text/xml, for SOAP 1.1's VersionMismatch) are read; a wrong root part is a 400
    expect(readSoapRequestHead(xml, SOAP).operation).toBe('checkAccountActive');
    const wrongRoot = Buffer.from(`--b\r\nContent-Type: text/plain\r\n\r\n${xml.toString()}\r\n--b--`);
    expect(faultOf(() => readSoapRequestHead(wrongRoot, 'multipart/related; type="application/xop+xml"; boundary=b')).status).toBe(400);
  });

  it('answers SOAP 1.1 with a VersionMismatch fault', () => {
    const xml = envelope('checkAccountActive', '', '', NS_SOAP11);
    const f = faultOf(() => parseSoapRequest(Buffer.from(xml), 'text/xml; charset=utf-8'));
    expect(f.soapCode).toBe('VersionMismatch');
    expect(f.message).toMatch(/SOAP 1\.1/);
  });

  it('refuses an envelope in a wrong namespace', () => {
    const xml = envelope('checkAccountActive', '', '', 'urn:not-soap');
    expect(faultOf(() => parseSoapRequest(Buffer.from(xml), SOAP)).soapCode).toBe('VersionMismatch');
  });

  it('knows the operation before reading its parameters, so their refusal can be answered as that operation declares', () => {
    const xml = envelope('getTransportReport', '<MessageID xmlns="urn:not-wsa">x</MessageID>');
    const head = readSoapRequestHead(Buffer.from(xml), SOAP);
    expect(head.operation).toBe('getTransportReport');
    expect(faultOf(() => parseSoapRequestBody(head)).fehlernummer).toBe('9022');
    expect(faultOf(() => readSoapRequestHead(Buffer.from(xml.replace('</soap:Body>', '')), SOAP)).fehlernummer).toBe('9052');
  });

  it('refuses a body element in the wrong namespace with 9022', () => {
    const xml = inlineSendMessage().replace(/xta:GenericContentContainer>/g, 'bad:GenericContentContainer>').replace('<soap:Body>', '<soap:Body xmlns:bad="urn:wrong">').replace('<xta:GenericContentContainer', '<bad:GenericContentContainer');
    const f = faultOf(() => parseSoapRequest(Buffer.from(xml), SOAP));
    expect(f.fehlernummer).toBe('9022');
  });

  it('refuses MessageMetaData in the wrong namespace as missing (9020)', () => {
    const xml = inlineSendMessage().replace(`xmlns:m="${NS_OSCIMETA}"`, 'xmlns:m="http://www.osci.eu/ws/2008/05/transport"');
    expect(faultOf(() => parseSoapRequest(Buffer.from(xml), SOAP)).fehlernummer).toBe('9020');
  });

  it('refuses malformed XML and unknown actions', () => {
    expect(faultOf(() => parseSoapRequest(Buffer.from('<soap:Envelope><unclosed>'), SOAP)).fehlernummer).toBe('9052');
    const xml = envelope('checkAccountActive', '').replace('http://www.xta.de/XTA/CheckAccountActive', 'urn:unknown');
    expect(faultOf(() => parseSoapRequest(Buffer.from(xml), SOAP)).fehlernummer).toBe('9021');
  });

  it('refuses an Envelope with a second Body, a Header after the Body, or a repeated MessageMetaData or wsa:Action', () => {
    const xml = inlineSendMessage();
    const secondBody = xml.replace('</soap:Envelope>', '<soap:Body><xta:GenericContentContainer/></soap:Body></soap:Envelope>');
    expect(faultOf(() => parseSoapRequest(Buffer.from(secondBody), SOAP)).fehlernummer).toBe('9052');
    const headerLast = envelope('checkAccountActive', '').replace(/<soap:Header>([\s\S]*)<\/soap:Header>\s*(<soap:Body>[\s\S]*<\/soap:Body>)/, '$2<soap:Header>$1</soap:Header>');
    expect(faultOf(() => parseSoapRequest(Buffer.from(headerLast), SOAP)).fehlernummer).toBe('9052');
    const otherReader = META_XML.replace('ags:05515000', 'ags:99999999');
    expect(faultOf(() => parseSoapRequest(Buffer.from(xml.replace('</soap:Header>', `${otherReader}</soap:Header>`)), SOAP)).fehlernummer).toBe('9022');
    const twoActions = envelope('checkAccountActive', '', '<wsa:Action>http://www.xta.de/XTA/CreateMessageID</wsa:Action>');
    expect(faultOf(() => parseSoapRequest(Buffer.from(twoActions), SOAP)).fehlernummer).toBe('9022');
  });

  it('refuses an unsupported media type and non-UTF-8 encodings', () => {
    expect(faultOf(() => parseSoapRequest(Buffer.from(envelope('checkAccountActive', '')), 'application/json')).fehlernummer).toBe('9052');
    const latin = envelope('checkAccountActive', '').replace('encoding="UTF-8"', 'encoding="ISO-8859-1"');
    expect(faultOf(() => parseSoapRequest(Buffer.from(latin), SOAP)).fehlernummer).toBe('9051');
    // no declaration at all: ISO-8859-1 bytes were read as UTF-8 with U+FFFD in their place and accepted
    const undeclared = Buffer.from(envelope('createMessageId', '', '<oscimeta:Author><oscimeta:Identifier type="xoev">M\u00fcller</oscimeta:Identifier></oscimeta:Author>'), 'latin1');
    expect(faultOf(() => parseSoapRequest(undeclared, SOAP)).fehlernummer).toBe('9051');
    const utf16 = Buffer.from(`\ufeff${envelope('checkAccountActive', '').replace(/^<\?xml[^>]*\?>/, '')}`, 'utf16le');
    expect(faultOf(() => parseSoapRequest(utf16, SOAP)).fehlernummer).toBe('9051');
  });

  it('refuses an unknown mustUnderstand header with a MustUnderstand fault, accepts known ones', () => {
    const wsse = '<wsse:Security xmlns:wsse="urn:wsse" soap:mustUnderstand="true"/>';
    const f = faultOf(() => parseSoapRequest(Buffer.from(envelope('checkAccountActive', '', wsse)), SOAP));
    expect(f.soapCode).toBe('MustUnderstand');
    expect(f.status).toBe(500);
    expect(f.notUnderstood).toEqual([{ ns: 'urn:wsse', local: 'Security' }]);
    // every block not understood is named (SOAP 1.2 Part 1 §5.4.8), not only the first
    const trace = '<tr:Trace xmlns:tr="urn:trace" soap:mustUnderstand="1"/><o:Optional xmlns:o="urn:o"/>';
    const two = faultOf(() => parseSoapRequest(Buffer.from(envelope('checkAccountActive', '', wsse + trace)), SOAP));
    expect(two.notUnderstood).toEqual([{ ns: 'urn:wsse', local: 'Security' }, { ns: 'urn:trace', local: 'Trace' }]);
    const known = '<oscimeta:Author soap:mustUnderstand="true"><oscimeta:Identifier type="xoev">a</oscimeta:Identifier></oscimeta:Author>';
    expect(parseSoapRequest(Buffer.from(envelope('checkAccountActive', '', known)), SOAP).header.author?.value).toBe('a');
    expect(parseSoapRequest(Buffer.from(envelope('checkAccountActive', '', wsse.replace('"true"', '"false"'))), SOAP).operation).toBe('checkAccountActive');
    // xs:boolean's whitespace is collapsed before the value is read
    expect(faultOf(() => parseSoapRequest(Buffer.from(envelope('checkAccountActive', '', wsse.replace('"true"', '" true\n"'))), SOAP)).soapCode).toBe('MustUnderstand');
  });

  it('refuses a mustUnderstand that is no xs:boolean (9052) instead of reading it as false', () => {
    const block = '<wsse:Security xmlns:wsse="urn:wsse" soap:mustUnderstand="maybe"/>';
    const f = faultOf(() => parseSoapRequest(Buffer.from(envelope('checkAccountActive', '', block)), SOAP));
    expect([f.fehlernummer, f.soapCode]).toEqual(['9052', 'Sender']);
  });

  it('refuses EncryptedData with an empty CipherValue (9052): there is no message to open', () => {
    const { body, contentType } = mtomEncryptedSendMessage();
    const inline = body.toString('latin1').replace(/<xenc:CipherValue>[\s\S]*?<\/xenc:CipherValue>/, '<xenc:CipherValue> </xenc:CipherValue>');
    expect(faultOf(() => parseSoapRequest(Buffer.from(inline, 'latin1'), contentType)).fehlernummer).toBe('9052');
  });

  it('checks mustUnderstand only on blocks meant for the hub: no role, next or ultimateReceiver (SOAP 1.2 Part 1 §2.2, §5.2.3)', () => {
    const ROLE = 'http://www.w3.org/2003/05/soap-envelope/role/';
    const block = (role: string): string => `<wsse:Security xmlns:wsse="urn:wsse" soap:mustUnderstand="true" soap:role="${role}"/>`;
    for (const role of [`${ROLE}next`, `${ROLE}ultimateReceiver`]) {
      expect(faultOf(() => parseSoapRequest(Buffer.from(envelope('checkAccountActive', '', block(role))), SOAP)).soapCode, role).toBe('MustUnderstand');
    }
    // "none" is never processed, and the hub acts in no other role: such a block is not its to understand
    for (const role of [`${ROLE}none`, 'urn:some-intermediary']) {
      expect(parseSoapRequest(Buffer.from(envelope('checkAccountActive', '', block(role))), SOAP).operation, role).toBe('checkAccountActive');
    }
  });

  it('refuses deep nesting', () => {
    const deep = `${'<a>'.repeat(200)}${'</a>'.repeat(200)}`;
    expect(faultOf(() => parseSoapRequest(Buffer.from(envelope('checkAccountActive', deep)), SOAP)).fehlernummer).toBe('9052');
  });
});

describe('parseSoapRequest: management and message box operations', () => {
  it('parses createMessageId, checkAccountActive with an Author header', () => {
    const author = `<oscimeta:Author><oscimeta:Identifier type="xoev">dvdv:fv-1</oscimeta:Identifier></oscimeta:Author>`;
    const req = parseSoapRequest(Buffer.from(envelope('createMessageId', '', author)), SOAP);
    expect(req.operation).toBe('createMessageId');
    expect(req.header.author).toEqual({ type: 'xoev', value: 'dvdv:fv-1' });
    expect(parseSoapRequest(Buffer.from(envelope('checkAccountActive', '')), SOAP).operation).toBe('checkAccountActive');
    expect(faultOf(() => parseSoapRequest(Buffer.from(envelope('checkAccountActive', '<xta:LookupServiceRequest/>')), SOAP)).fehlernummer).toBe('9022');
  });

  it('parses getTransportReport and cancelMessage', () => {
    const body = `<wsa:MessageID>urn:de:xta:messageid:p:1</wsa:MessageID>`;
    const r = parseSoapRequest(Buffer.from(envelope('getTransportReport', body)), SOAP);
    expect(r).toMatchObject({ operation: 'getTransportReport', payload: { messageId: 'urn:de:xta:messageid:p:1' } });
    const c = parseSoapRequest(Buffer.from(envelope('cancelMessage', body)), SOAP);
    expect(c).toMatchObject({ operation: 'cancelMessage', payload: { messageId: 'urn:de:xta:messageid:p:1' } });
    expect(faultOf(() => parseSoapRequest(Buffer.from(envelope('cancelMessage', '')), SOAP)).fehlernummer).toBe('9020');
  });

  it('parses lookupService', () => {
    const body = `<xta:LookupServiceRequest><xta:LookupServiceRequestList><xta:LookupService>
      <oscimeta:Reader><oscimeta:Identifier type="xoev">ags:05515000</oscimeta:Identifier></oscimeta:Reader>
      <xta:ServiceType>urn:xoev-de:xbau:standard:xbau</xta:ServiceType></xta:LookupService></xta:LookupServiceRequestList></xta:LookupServiceRequest>`;
    const r = parseSoapRequest(Buffer.from(envelope('lookupService', body)), SOAP);
    expect(r).toMatchObject({ operation: 'lookupService', payload: { lookups: [{ reader: { type: 'xoev', value: 'ags:05515000' }, serviceType: 'urn:xoev-de:xbau:standard:xbau' }] } });
  });

  it('parses the message box requests', () => {
    const list = parseSoapRequest(Buffer.from(envelope('getStatusList', '<osci:MsgBoxStatusListRequest maxListItems="10" ListForm="MessageMetaData"/>')), SOAP);
    expect(list).toMatchObject({ operation: 'getStatusList', payload: { maxListItems: 10, listForm: 'MessageMetaData' } });
    const fetch = parseSoapRequest(
      Buffer.from(envelope('getMessage', `<osci:MsgBoxFetchRequest><osci:MsgSelector><wsa:MessageID>urn:de:xta:messageid:p:2</wsa:MessageID></osci:MsgSelector></osci:MsgBoxFetchRequest>`)),
      SOAP,
    );
    expect(fetch).toMatchObject({ operation: 'getMessage', payload: { selector: { messageIds: ['urn:de:xta:messageid:p:2'] }, msgPart: 'Envelope' } });
    const iter = `<osci:MsgBoxCloseRequest MsgBoxRequestID="urn:uuid:r1"><osci:LastMsgReceived>urn:de:xta:messageid:p:2</osci:LastMsgReceived></osci:MsgBoxCloseRequest>`;
    expect(parseSoapRequest(Buffer.from(envelope('close', iter)), SOAP)).toMatchObject({
      operation: 'close',
      payload: { msgBoxRequestId: 'urn:uuid:r1', lastMsgReceived: ['urn:de:xta:messageid:p:2'] },
    });
    const next = `<osci:MsgBoxGetNextRequest MsgBoxRequestID="urn:uuid:r1"/>`;
    expect(parseSoapRequest(Buffer.from(envelope('getNextMessage', next)), SOAP).operation).toBe('getNextMessage');
    expect(parseSoapRequest(Buffer.from(envelope('getNextStatusList', next)), SOAP).operation).toBe('getNextStatusList');
    expect(faultOf(() => parseSoapRequest(Buffer.from(envelope('close', '<osci:MsgBoxCloseRequest/>')), SOAP)).fehlernummer).toBe('9020');
    expect(faultOf(() => parseSoapRequest(Buffer.from(envelope('getStatusList', '<osci:MsgBoxStatusListRequest maxListItems="0"/>')), SOAP)).fehlernummer).toBe('9022');
  });

  // OSCI2_02.xsd enumerations (ListForm: "MsgAtrributes" as the schema spells it, or MessageMetaData; MsgPart: Envelope,
  // Header, Body): another value was read as a default, and a getMessage naming two MessageIDs answered the first
  it('refuses message box parameters outside their schema types (9022)', () => {
    const sel = (ids: string): string => `<osci:MsgSelector>${ids}</osci:MsgSelector>`;
    const id = (n: number): string => `<wsa:MessageID>urn:de:xta:messageid:p:${n}</wsa:MessageID>`;
    for (const [operation, body] of [
      ['getStatusList', '<osci:MsgBoxStatusListRequest ListForm="Everything"/>'],
      ['getMessage', `<osci:MsgBoxFetchRequest MsgPart="Bogus">${sel(id(1))}</osci:MsgBoxFetchRequest>`],
      ['getMessage', `<osci:MsgBoxFetchRequest>${sel(id(1) + id(2))}</osci:MsgBoxFetchRequest>`],
    ] as const) {
      expect(faultOf(() => parseSoapRequest(Buffer.from(envelope(operation, body)), SOAP)).fehlernummer, body).toBe('9022');
    }
    const atrributes = parseSoapRequest(Buffer.from(envelope('getStatusList', '<osci:MsgBoxStatusListRequest ListForm="MsgAtrributes"/>')), SOAP);
    expect(atrributes).toMatchObject({ payload: { listForm: 'MsgAttributes' } });
    const body = parseSoapRequest(Buffer.from(envelope('getMessage', `<osci:MsgBoxFetchRequest MsgPart="Body">${sel(id(1))}</osci:MsgBoxFetchRequest>`)), SOAP);
    expect(body).toMatchObject({ payload: { msgPart: 'Body' } });
  });

  // XTA.wsdl: wsam:Addressing with wsam:AnonymousResponses; another ReplyTo/FaultTo was ignored and answered on the HTTP response
  it('takes ReplyTo and FaultTo only as the anonymous address (9022)', () => {
    const epr = (local: string, address: string | undefined): string => `<wsa:${local}>${address === undefined ? '' : `<wsa:Address>${address}</wsa:Address>`}</wsa:${local}>`;
    const withHeaders = (headers: string): Buffer => Buffer.from(envelope('checkAccountActive', '').replace('</soap:Header>', `${headers}</soap:Header>`));
    expect(parseSoapRequest(withHeaders(epr('ReplyTo', 'http://www.w3.org/2005/08/addressing/anonymous') + epr('FaultTo', 'http://www.w3.org/2005/08/addressing/anonymous')), SOAP).operation).toBe('checkAccountActive');
    for (const headers of [epr('ReplyTo', 'https://attacker.example/cb'), epr('FaultTo', 'http://www.w3.org/2005/08/addressing/none'), epr('ReplyTo', undefined)]) {
      expect(faultOf(() => parseSoapRequest(withHeaders(headers), SOAP)).fehlernummer, headers).toBe('9022');
    }
  });

  it('takes the action from the media type when the wsa:Action header is absent', () => {
    const xml = envelope('checkAccountActive', '').replace(/<wsa:Action>[^<]*<\/wsa:Action>/, '');
    const r = parseSoapRequest(Buffer.from(xml), 'application/soap+xml; action="http://www.xta.de/XTA/CheckAccountActive"');
    expect(r.operation).toBe('checkAccountActive');
    expect(NS_WSA).toBe('http://www.w3.org/2005/08/addressing');
  });
});
