// Hand-written requests following the XTA 2 V3 XSDs, shared by the unit tests.
import { NS_OSCI, NS_OSCIMETA, NS_SOAP12, NS_WSA, NS_XENC, NS_XOP, NS_XTA } from './namespaces.js';
import { XTA_ACTIONS } from './operations.js';
import type { XtaOperation } from './operations.js';
import type { MessageMetaData } from './message-metadata.js';

/** MessageMetaData header as a Java client would send it (prefix m, own namespace declarations). */
export const META_XML = `<m:MessageMetaData xmlns:m="${NS_OSCIMETA}" xmlns:a="${NS_WSA}">
  <m:DeliveryAttributes><m:Origin>2025-01-10T09:00:00Z</m:Origin><m:InitialSend>2025-01-10T09:00:01Z</m:InitialSend></m:DeliveryAttributes>
  <m:Originators>
    <m:Author><m:Identifier type="xoev" category="Portal" name="Bauportal">dvdv:portal-01</m:Identifier></m:Author>
    <m:Sender><m:Identifier type="xoev">dvdv:intermediary-7</m:Identifier></m:Sender>
  </m:Originators>
  <m:Destinations><m:Reader><m:Identifier type="xoev" category="Bauaufsicht" name="Kreis Musterland">ags:05515000</m:Identifier></m:Reader></m:Destinations>
  <m:MsgIdentification><a:MessageID>urn:de:xta:messageid:portal01:4711</a:MessageID></m:MsgIdentification>
  <m:Qualifier>
    <m:Service>urn:xoev-de:xbau:standard:xbau</m:Service>
    <m:BusinessScenario><m:Defined listURI="urn:de:dataport:codeliste:business.scenario" listVersionID="1"><code>XBAU_DATA</code></m:Defined></m:BusinessScenario>
    <m:MessageType listURI="urn:de:payloadSchema:elementName" listVersionID="1.0" payloadSchema="http://www.xleitstelle.de/xbau/2/6"><code>baugenehmigung.antrag.0200</code></m:MessageType>
  </m:Qualifier>
  <m:MsgSize>1234</m:MsgSize>
</m:MessageMetaData>`;

/** A SOAP 1.2 envelope with wsa headers for an operation. */
export function envelope(op: XtaOperation, body: string, extraHeaders = '', soapNs: string = NS_SOAP12): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<soap:Envelope xmlns:soap="${soapNs}" xmlns:wsa="${NS_WSA}" xmlns:xta="${NS_XTA}" xmlns:osci="${NS_OSCI}" xmlns:oscimeta="${NS_OSCIMETA}">
  <soap:Header>
    <wsa:Action>${XTA_ACTIONS[op]}</wsa:Action>
    <wsa:MessageID>urn:uuid:6b1c3f0e-0000-4000-8000-000000000001</wsa:MessageID>
    <wsa:To>https://hub.example/xta/send</wsa:To>
    ${extraHeaders}
  </soap:Header>
  <soap:Body>${body}</soap:Body>
</soap:Envelope>`;
}

/** PDF-ish attachment bytes with every byte value (exercises binary MIME parts). */
export const ATTACHMENT_BYTES = Buffer.concat([Buffer.from('%PDF-1.7\n', 'latin1'), Buffer.from(Array.from({ length: 256 }, (_, i) => i))]);
/** The XBau message bytes. */
export const MESSAGE_BYTES = Buffer.from('<xbau:baugenehmigung.antrag.0200 xmlns:xbau="http://www.xleitstelle.de/xbau/2/6"/>', 'utf8');

/** sendMessage with an inline plain ContentContainer. */
export function inlineSendMessage(): string {
  return envelope(
    'sendMessage',
    `<xta:GenericContentContainer><xta:ContentContainer>
      <xta:Message contentType="application/xml" filename="antrag.xml" size="${MESSAGE_BYTES.length}">${MESSAGE_BYTES.toString('base64')}</xta:Message>
      <xta:Attachment contentType="application/pdf" filename="plan.pdf" id="att1" contentDescription="Lageplan">${ATTACHMENT_BYTES.toString('base64').replace(/(.{76})/g, '$1\n')}</xta:Attachment>
    </xta:ContentContainer></xta:GenericContentContainer>`,
    META_XML,
  );
}

/** Ciphertext bytes of the encrypted fixture. */
export const CIPHER_BYTES = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 7) % 256));

/** sendMessage as MTOM: EncryptedData whose CipherValue is an xop:Include to a binary part. */
export function mtomEncryptedSendMessage(): { body: Buffer; contentType: string } {
  const boundary = 'uuid:0f3b2c1a-mtom';
  const root = envelope(
    'sendMessage',
    `<xta:GenericContentContainer><xenc:EncryptedData xmlns:xenc="${NS_XENC}" xmlns:xop="${NS_XOP}" Type="http://www.w3.org/2001/04/xmlenc#Element">
      <xenc:EncryptionMethod Algorithm="http://www.w3.org/2009/xmlenc11#aes256-gcm"/>
      <xenc:CipherData><xenc:CipherValue><xop:Include href="cid:cipher%401"/></xenc:CipherValue></xenc:CipherData>
    </xenc:EncryptedData></xta:GenericContentContainer>`,
    META_XML,
  );
  const body = Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Type: application/xop+xml; charset=UTF-8; type="application/soap+xml"\r\nContent-Transfer-Encoding: binary\r\nContent-ID: <root.message@cxf.apache.org>\r\n\r\n${root}\r\n` +
        `--${boundary}\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\nContent-ID: <cipher@1>\r\n\r\n`,
      'utf8',
    ),
    CIPHER_BYTES,
    Buffer.from(`\r\n--${boundary}--\r\n`, 'utf8'),
  ]);
  return {
    body,
    contentType: `multipart/related; type="application/xop+xml"; boundary="${boundary}"; start="<root.message@cxf.apache.org>"; start-info="application/soap+xml"`,
  };
}

/** MessageMetaData as the parser returns it for META_XML. */
export const META: MessageMetaData = {
  testMsg: false,
  deliveryAttributes: { origin: '2025-01-10T09:00:00Z', initialSend: '2025-01-10T09:00:01Z' },
  author: { type: 'xoev', value: 'dvdv:portal-01', category: 'Portal', name: 'Bauportal' },
  sender: { type: 'xoev', value: 'dvdv:intermediary-7' },
  reader: { type: 'xoev', value: 'ags:05515000', category: 'Bauaufsicht', name: 'Kreis Musterland' },
  messageId: 'urn:de:xta:messageid:portal01:4711',
  qualifier: {
    service: 'urn:xoev-de:xbau:standard:xbau',
    businessScenario: { kind: 'defined', code: { code: 'XBAU_DATA', listUri: 'urn:de:dataport:codeliste:business.scenario', listVersionId: '1' } },
    messageType: { code: 'baugenehmigung.antrag.0200', listUri: 'urn:de:payloadSchema:elementName', listVersionId: '1.0', payloadSchema: 'http://www.xleitstelle.de/xbau/2/6' },
  },
  msgSize: 1234,
};
