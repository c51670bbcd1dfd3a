/**
 * An independent XTA 2 test client: SOAP 1.2 envelopes written by hand, OSCI content encryption with
 * node:crypto only (xenc AES-256-GCM, EncryptedKey RSA-OAEP SHA-256 / MGF1-SHA-256). It does not use the
 * repository's XTA or crypto code, so it checks the hub against the specification, not against itself.
 */
import { constants, createCipheriv, publicEncrypt, randomBytes, randomUUID, X509Certificate } from 'node:crypto';

export const NS = {
  soap12: 'http://www.w3.org/2003/05/soap-envelope',
  soap11: 'http://schemas.xmlsoap.org/soap/envelope/',
  wsa: 'http://www.w3.org/2005/08/addressing',
  xta: 'http://xoev.de/transport/xta/211',
  osci: 'http://www.osci.eu/ws/2008/05/transport',
  oscimeta: 'http://www.osci.eu/ws/2014/10/transport',
  xenc: 'http://www.w3.org/2001/04/xmlenc#',
  xenc11: 'http://www.w3.org/2009/xmlenc11#',
  ds: 'http://www.w3.org/2000/09/xmldsig#',
  xop: 'http://www.w3.org/2004/08/xop/include',
} as const;

const MT = 'http://www.osci.eu/ws/2008/05/transport/urn/messageTypes/';
export const ACTIONS = {
  createMessageId: 'http://www.xta.de/XTA/CreateMessageID',
  checkAccountActive: 'http://www.xta.de/XTA/CheckAccountActive',
  lookupService: 'http://www.xta.de/XTA/IsServiceAvailable',
  getTransportReport: 'http://www.xta.de/XTA/GetTransportReport',
  cancelMessage: 'http://www.xta.de/XTA/CancelMessage',
  sendMessage: 'http://www.xta.de/XTA/SendMessage',
  sendMessageSync: 'http://www.xta.de/XTA/SendMessageSync',
  getStatusList: `${MT}MsgBoxStatusListRequest`,
  getMessage: `${MT}MsgBoxFetchRequest`,
  close: `${MT}MsgBoxCloseRequest`,
} as const;

/** The XBau standard as its 2.6 XSDs name it (`<kennung>` in their annotations). */
export const XBAU_SERVICE = 'urn:xoev-de:bmk:standard:xbau';
export const XBAU_NS = 'http://www.xleitstelle.de/xbau/2/6';

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A content part of the ContentContainer. */
export interface Part {
  readonly data: Buffer;
  readonly contentType: string;
  readonly filename: string;
  readonly id?: string;
}

/** `xta:ContentContainer` with the Message and Attachments inline (what the sender encrypts). */
export function contentContainer(message: Part, attachments: readonly Part[]): Buffer {
  const part = (tag: string, p: Part): string =>
    `<xta:${tag} contentType="${esc(p.contentType)}" filename="${esc(p.filename)}"${p.id ? ` id="${esc(p.id)}"` : ''} size="${p.data.length}">${p.data.toString('base64')}</xta:${tag}>`;
  return Buffer.from(`<?xml version="1.0" encoding="UTF-8"?><xta:ContentContainer xmlns:xta="${NS.xta}">${part('Message', message)}${attachments.map((a) => part('Attachment', a)).join('')}</xta:ContentContainer>`, 'utf8');
}

/** Encrypts for one reader certificate: EncryptedData (AES-256-GCM, IV ‖ ciphertext ‖ tag) with one EncryptedKey (RSA-OAEP-256). */
export function encryptFor(plaintext: Buffer, certificatePem: string, opts: { tamperTag?: boolean } = {}): { cipherValue: Buffer; encryptedData: (cipherValueXml: string) => string } {
  const key = randomBytes(32);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const tag = cipher.getAuthTag();
  if (opts.tamperTag) tag[0] = (tag[0] ?? 0) ^ 0x01;
  const cipherValue = Buffer.concat([iv, body, tag]);
  const wrapped = publicEncrypt({ key: certificatePem, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, key);
  const der = new X509Certificate(certificatePem).raw.toString('base64');
  const encryptedData = (cipherValueXml: string): string =>
    `<xenc:EncryptedData xmlns:xenc="${NS.xenc}" xmlns:xenc11="${NS.xenc11}" xmlns:ds="${NS.ds}" Type="http://www.w3.org/2001/04/xmlenc#Content" MimeType="application/xml">` +
    `<xenc:EncryptionMethod Algorithm="http://www.w3.org/2009/xmlenc11#aes256-gcm"/>` +
    `<ds:KeyInfo><xenc:EncryptedKey><xenc:EncryptionMethod Algorithm="http://www.w3.org/2009/xmlenc11#rsa-oaep">` +
    `<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><xenc11:MGF Algorithm="http://www.w3.org/2009/xmlenc11#mgf1sha256"/></xenc:EncryptionMethod>` +
    `<ds:KeyInfo><ds:X509Data><ds:X509Certificate>${der}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>` +
    `<xenc:CipherData><xenc:CipherValue>${wrapped.toString('base64')}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedKey></ds:KeyInfo>` +
    `<xenc:CipherData><xenc:CipherValue>${cipherValueXml}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData>`;
  return { cipherValue, encryptedData };
}

export interface MetaOptions {
  readonly author: string;
  readonly reader: string;
  readonly messageId: string;
  readonly msgSize?: number;
  /** Qualifier/Service (default: XBau). */
  readonly service?: string;
  /** Qualifier/Subject (free text; none by default). */
  readonly subject?: string;
}

/** OSCI MessageMetaData 2.02 for an XBau 2.6 baugenehmigung.antrag.0200. */
export function messageMetaData(m: MetaOptions): string {
  return (
    `<oscimeta:MessageMetaData xmlns:oscimeta="${NS.oscimeta}">` +
    `<oscimeta:DeliveryAttributes><oscimeta:Origin>${new Date().toISOString()}</oscimeta:Origin></oscimeta:DeliveryAttributes>` +
    `<oscimeta:Originators><oscimeta:Author><oscimeta:Identifier type="xoev" category="Portal">${esc(m.author)}</oscimeta:Identifier></oscimeta:Author></oscimeta:Originators>` +
    `<oscimeta:Destinations><oscimeta:Reader><oscimeta:Identifier type="xoev" category="Bauaufsicht">${esc(m.reader)}</oscimeta:Identifier></oscimeta:Reader></oscimeta:Destinations>` +
    `<oscimeta:MsgIdentification><wsa:MessageID xmlns:wsa="${NS.wsa}">${esc(m.messageId)}</wsa:MessageID></oscimeta:MsgIdentification>` +
    `<oscimeta:Qualifier>${m.subject === undefined ? '' : `<oscimeta:Subject>${esc(m.subject)}</oscimeta:Subject>`}<oscimeta:Service>${esc(m.service ?? XBAU_SERVICE)}</oscimeta:Service>` +
    `<oscimeta:BusinessScenario><oscimeta:Defined listURI="urn:de:dataport:codeliste:business.scenario" listVersionID="1"><code>XBAU_DATA</code></oscimeta:Defined></oscimeta:BusinessScenario>` +
    `<oscimeta:MessageType listURI="urn:de:payloadSchema:elementName" listVersionID="1.0" payloadSchema="${XBAU_NS}"><code>baugenehmigung.antrag.0200</code></oscimeta:MessageType>` +
    `</oscimeta:Qualifier>${m.msgSize ? `<oscimeta:MsgSize>${m.msgSize}</oscimeta:MsgSize>` : ''}</oscimeta:MessageMetaData>`
  );
}

/** A SOAP envelope with WS-Addressing headers (SOAP 1.2 unless told otherwise). */
export function envelope(action: string, body: string, headers = '', soapNs: string = NS.soap12): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="${soapNs}" xmlns:wsa="${NS.wsa}" xmlns:xta="${NS.xta}" xmlns:osci="${NS.osci}" xmlns:xop="${NS.xop}">` +
    `<soap:Header><wsa:Action>${action}</wsa:Action><wsa:MessageID>urn:uuid:${randomUUID()}</wsa:MessageID>${headers}</soap:Header>` +
    `<soap:Body>${body}</soap:Body></soap:Envelope>`
  );
}

/** A fresh sender-side MessageID. */
export function messageId(): string {
  return `urn:de:xta:messageid:testportal:${randomUUID()}`;
}

export interface SoapReply {
  readonly status: number;
  readonly contentType: string;
  readonly body: Buffer;
  readonly text: string;
  /** XTA Fehlernummer of a fault, if it is one. */
  readonly fault?: string;
  readonly faultKind?: string;
}

/** The request body of sendMessage, inline (base64 in the XML) or as MTOM/XOP multipart/related. */
export function sendMessageRequest(opts: { meta: string; cipherValue: Buffer; encryptedData: (cv: string) => string; mtom: boolean }): { body: Buffer; contentType: string } {
  if (!opts.mtom) {
    const xml = envelope(ACTIONS.sendMessage, `<xta:GenericContentContainer>${opts.encryptedData(opts.cipherValue.toString('base64'))}</xta:GenericContentContainer>`, opts.meta);
    return { body: Buffer.from(xml, 'utf8'), contentType: `application/soap+xml; charset=utf-8; action="${ACTIONS.sendMessage}"` };
  }
  // as Apache CXF sends it: root part application/xop+xml, the ciphertext as its own binary part
  const boundary = `uuid:${randomUUID()}`;
  const cid = `${randomUUID()}@testportal`;
  const xml = envelope(ACTIONS.sendMessage, `<xta:GenericContentContainer>${opts.encryptedData(`<xop:Include href="cid:${cid}"/>`)}</xta:GenericContentContainer>`, opts.meta);
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Type: application/xop+xml; charset=UTF-8; type="application/soap+xml"\r\nContent-Transfer-Encoding: binary\r\nContent-ID: <root.message@cxf.apache.org>\r\n\r\n`),
    Buffer.from(xml, 'utf8'),
    Buffer.from(`\r\n--${boundary}\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\nContent-ID: <${cid}>\r\n\r\n`),
    opts.cipherValue,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { body, contentType: `multipart/related; type="application/xop+xml"; boundary="${boundary}"; start="<root.message@cxf.apache.org>"; start-info="application/soap+xml; action=\\"${ACTIONS.sendMessage}\\""` };
}

/** First text of an element by local name (any prefix). */
export function textOf(xml: string, local: string): string | undefined {
  return new RegExp(`<(?:[A-Za-z0-9_-]+:)?${local}(?:\\s[^>]*)?>([^<]*)</(?:[A-Za-z0-9_-]+:)?${local}>`).exec(xml)?.[1];
}

/** All texts of an element by local name. */
export function textsOf(xml: string, local: string): string[] {
  return [...xml.matchAll(new RegExp(`<(?:[A-Za-z0-9_-]+:)?${local}(?:\\s[^>]*)?>([^<]*)</(?:[A-Za-z0-9_-]+:)?${local}>`, 'g'))].map((m) => m[1] ?? '');
}

/** A caller of the hub's XTA ports with one identity's bearer token. */
export class XtaTestClient {
  constructor(
    readonly baseUrl: string,
    readonly token: string | undefined,
  ) {}

  /** POSTs to a port; `contentType` '' sends no Content-Type header at all. */
  async post(port: 'management' | 'send' | 'msgbox', body: Buffer | string, contentType = 'application/soap+xml; charset=utf-8', headers: Readonly<Record<string, string>> = {}): Promise<SoapReply> {
    const response = await fetch(`${this.baseUrl}/xta/v3/${port}`, {
      method: 'POST',
      headers: { ...headers, ...(contentType ? { 'content-type': contentType } : {}), ...(this.token ? { authorization: `Bearer ${this.token}` } : {}) },
      // bytes, not a string: fetch would add text/plain to a string body sent without a Content-Type
      body: new Uint8Array(typeof body === 'string' ? Buffer.from(body, 'utf8') : body),
    });
    const buf = Buffer.from(await response.arrayBuffer());
    const text = buf.toString('utf8');
    const fault = /<(?:\w+:)?Fault>/.test(text) ? textOf(text, 'code') : undefined;
    const faultKind = fault ? /<s:Subcode><s:Value>xta:(\w+)<\/s:Value>/.exec(text)?.[1] : undefined;
    return { status: response.status, contentType: response.headers.get('content-type') ?? '', body: buf, text, ...(fault ? { fault } : {}), ...(faultKind ? { faultKind } : {}) };
  }

  /** lookupService for one reader and service: whether it is available, and the reply. */
  async lookupService(reader: string, service = XBAU_SERVICE): Promise<{ available?: boolean; reply: SoapReply }> {
    const body = `<xta:LookupServiceRequest><xta:LookupServiceRequestList><xta:LookupService><oscimeta:Reader xmlns:oscimeta="${NS.oscimeta}"><oscimeta:Identifier type="xoev">${esc(reader)}</oscimeta:Identifier></oscimeta:Reader><xta:ServiceType>${esc(service)}</xta:ServiceType></xta:LookupService></xta:LookupServiceRequestList></xta:LookupServiceRequest>`;
    const reply = await this.post('management', envelope(ACTIONS.lookupService, body));
    const available = textOf(reply.text, 'ServiceIsAvailable');
    return { reply, ...(available === undefined ? {} : { available: available === 'true' }) };
  }

  /** lookupService → the reader's encryption certificate (PEM) from its ServiceParameter. */
  async readerCertificate(reader: string): Promise<string | undefined> {
    const { reply } = await this.lookupService(reader);
    const resource = textOf(reply.text, 'Resource');
    return resource ? new X509Certificate(Buffer.from(resource, 'base64')).toString() : undefined;
  }

  async send(opts: { meta: MetaOptions; plaintext: Buffer; certificatePem: string; mtom: boolean; tamperTag?: boolean }): Promise<SoapReply> {
    const enc = encryptFor(opts.plaintext, opts.certificatePem, { ...(opts.tamperTag ? { tamperTag: true } : {}) });
    const req = sendMessageRequest({ meta: messageMetaData(opts.meta), cipherValue: enc.cipherValue, encryptedData: enc.encryptedData, mtom: opts.mtom });
    return this.post('send', req.body, req.contentType);
  }

  async transportStatus(id: string): Promise<{ status?: number; reply: SoapReply }> {
    const reply = await this.post('management', envelope(ACTIONS.getTransportReport, `<wsa:MessageID>${esc(id)}</wsa:MessageID>`));
    const status = textOf(reply.text, 'Status');
    return { reply, ...(status === undefined ? {} : { status: Number(status) }) };
  }

  async statusList(max = 50): Promise<{ ids: string[]; reply: SoapReply }> {
    const reply = await this.post('msgbox', envelope(ACTIONS.getStatusList, `<osci:MsgBoxStatusListRequest maxListItems="${max}"/>`));
    const list = /<osci:MsgStatusList>([\s\S]*)<\/osci:MsgStatusList>/.exec(reply.text)?.[1] ?? '';
    return { ids: textsOf(list, 'MessageID'), reply };
  }

  /** getMessage of one MessageID; `msgPart` sets MsgBoxFetchRequest's MsgPart (absent: the schema's default, Envelope). */
  async getMessage(id: string, msgPart?: 'Envelope' | 'Header' | 'Body'): Promise<{ message?: Buffer; attachments: Buffer[]; reply: SoapReply }> {
    const part = msgPart === undefined ? '' : ` MsgPart="${msgPart}"`;
    const reply = await this.post('msgbox', envelope(ACTIONS.getMessage, `<osci:MsgBoxFetchRequest${part}><osci:MsgSelector><wsa:MessageID>${esc(id)}</wsa:MessageID></osci:MsgSelector></osci:MsgBoxFetchRequest>`));
    const message = textOf(reply.text, 'Message');
    return { reply, attachments: textsOf(reply.text, 'Attachment').map((b) => Buffer.from(b, 'base64')), ...(message ? { message: Buffer.from(message, 'base64') } : {}) };
  }

  async close(id: string): Promise<SoapReply> {
    return this.post('msgbox', envelope(ACTIONS.close, `<osci:MsgBoxCloseRequest MsgBoxRequestID="${randomUUID()}"><osci:LastMsgReceived>${esc(id)}</osci:LastMsgReceived></osci:MsgBoxCloseRequest>`));
  }
}
