import { NS_OSCIMETA, NS_WSA } from './namespaces.js';
import { attrValue, childNamed, childrenNamed, escapeXml } from './xml-tree.js';
import type { XmlElement } from './xml-tree.js';
import { xtaError } from './xta-errors.js';
import { isXsDate, isXsDateTime } from './xsd-date-time.js';

/** `oscimeta:PartyIdentifierType`: text like `ags:05515000` with @type (required), @name, @category. */
export interface PartyIdentifier {
  readonly type: string;
  readonly value: string;
  readonly name?: string;
  readonly category?: string;
}

/** `oscimeta:KeyCodeType` (xoev-dt:Code with required list attributes). */
export interface KeyCode {
  readonly code: string;
  readonly name?: string;
  readonly listUri: string;
  readonly listVersionId: string;
}

/** `oscimeta:DeliveryAttributesType`; timestamps as xs:dateTime/xs:date lexical strings. */
export interface DeliveryAttributes {
  readonly origin?: string;
  readonly initialSend?: string;
  readonly notBefore?: string;
  readonly obsoleteAfter?: string;
  readonly delivery?: string;
  readonly initialFetch?: string;
  readonly reception?: string;
  readonly serviceQuality?: string;
}

/** `oscimeta:Qualifier`: what the message is (decides the mapping). */
export interface Qualifier {
  readonly subject?: string;
  readonly service: string;
  readonly businessScenario: { readonly kind: 'defined'; readonly code: KeyCode } | { readonly kind: 'undefined'; readonly value: string };
  readonly messageType: KeyCode & { readonly payloadSchema: string };
}

/** OSCI MessageMetaData 2.02 (the parts the hub uses; SecurityTokens and receipt requests are not kept). */
export interface MessageMetaData {
  readonly testMsg: boolean;
  readonly deliveryAttributes: DeliveryAttributes;
  readonly author: PartyIdentifier;
  readonly sender?: PartyIdentifier;
  readonly replyTo?: PartyIdentifier;
  readonly reader: PartyIdentifier;
  readonly otherReaders?: readonly PartyIdentifier[];
  readonly ccReaders?: readonly PartyIdentifier[];
  /** `MsgIdentification/wsa:MessageID`, e.g. `urn:de:xta:messageid:<prefix>:<id>`. */
  readonly messageId: string;
  readonly inReplyTo?: readonly string[];
  readonly qualifier: Qualifier;
  readonly properties?: readonly { readonly key: KeyCode; readonly value: string }[];
  readonly msgSize?: number;
}

const DELIVERY_FIELDS = [
  ['origin', 'Origin'],
  ['initialSend', 'InitialSend'],
  ['notBefore', 'NotBefore'],
  ['obsoleteAfter', 'ObsoleteAfter'],
  ['delivery', 'Delivery'],
  ['initialFetch', 'InitialFetch'],
  ['reception', 'Reception'],
  ['serviceQuality', 'ServiceQuality'],
] as const;

function required(parent: XmlElement, local: string, ns = NS_OSCIMETA): XmlElement {
  const el = childNamed(parent, ns, local);
  if (!el) throw xtaError('NO_PARAMETERS', `MessageMetaData: ${parent.local}/${local} missing`);
  return el;
}

function nonEmpty(value: string | undefined, what: string): string {
  const v = value?.trim();
  if (!v) throw xtaError('NO_PARAMETERS', `MessageMetaData: ${what} is empty`);
  return v;
}

/** Reads an `oscimeta:PartyIdentifierType` element. */
export function parsePartyIdentifier(el: XmlElement): PartyIdentifier {
  const type = attrValue(el, 'type');
  if (!type) throw xtaError('NO_PARAMETERS', `${el.local}: @type missing`);
  const name = attrValue(el, 'name');
  const category = attrValue(el, 'category');
  return {
    type,
    value: nonEmpty(el.text, `${el.local} identifier`).replace(/\s+/g, ' '),
    ...(name === undefined ? {} : { name }),
    ...(category === undefined ? {} : { category }),
  };
}

/** Reads an `oscimeta:PartyType` element (Author, Sender, Reader) by its Identifier. */
export function parseParty(el: XmlElement): PartyIdentifier {
  return parsePartyIdentifier(required(el, 'Identifier'));
}

function parseKeyCode(el: XmlElement): KeyCode {
  const code = childNamed(el, '', 'code')?.text.trim();
  const listUri = attrValue(el, 'listURI');
  const listVersionId = attrValue(el, 'listVersionID');
  if (!code || !listUri || !listVersionId) throw xtaError('NO_PARAMETERS', `MessageMetaData: ${el.local} needs code, @listURI and @listVersionID`);
  const name = childNamed(el, '', 'name')?.text.trim();
  return { code, listUri, listVersionId, ...(name ? { name } : {}) };
}

/** Reads `oscimeta:MessageMetaData`; a missing required part is fault 9020, a bad value 9022. */
export function parseMessageMetaData(el: XmlElement): MessageMetaData {
  const da = required(el, 'DeliveryAttributes');
  const deliveryAttributes: Record<string, string> = {};
  for (const [key, local] of DELIVERY_FIELDS) {
    const v = childNamed(da, NS_OSCIMETA, local)?.text.trim();
    if (!v) continue;
    // kept and echoed in transport reports and box entries: a value outside its XSD type would make those invalid
    const valid = key === 'serviceQuality' ? true : key === 'obsoleteAfter' ? isXsDate(v) : isXsDateTime(v);
    if (!valid) throw xtaError('INVALID_PARAMETER_COMBINATION', `MessageMetaData: DeliveryAttributes/${local} is not a valid ${key === 'obsoleteAfter' ? 'xs:date' : 'xs:dateTime'}`);
    deliveryAttributes[key] = v;
  }
  const originators = required(el, 'Originators');
  const destinations = required(el, 'Destinations');
  const senderEl = childNamed(originators, NS_OSCIMETA, 'Sender');
  const replyToEl = childNamed(originators, NS_OSCIMETA, 'ReplyTo');
  const other = childNamed(destinations, NS_OSCIMETA, 'OtherDestinations');
  const msgId = required(el, 'MsgIdentification');
  const messageId = nonEmpty(required(msgId, 'MessageID', NS_WSA).text, 'MessageID');
  const inReplyTo = childrenNamed(msgId, NS_OSCIMETA, 'In-Reply-To').map((e) => e.text.trim());
  const q = required(el, 'Qualifier');
  const service = nonEmpty(required(q, 'Service').text, 'Service');
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:\S+$/.test(service)) throw xtaError('INVALID_URI', 'MessageMetaData: Service is not a URI');
  const bs = required(q, 'BusinessScenario');
  const defined = childNamed(bs, NS_OSCIMETA, 'Defined');
  const undef = childNamed(bs, NS_OSCIMETA, 'Undefined');
  let businessScenario: Qualifier['businessScenario'];
  if (defined) businessScenario = { kind: 'defined', code: parseKeyCode(defined) };
  else if (undef) businessScenario = { kind: 'undefined', value: nonEmpty(undef.text, 'BusinessScenario/Undefined') };
  else throw xtaError('NO_PARAMETERS', 'MessageMetaData: BusinessScenario needs Defined or Undefined');
  const mt = required(q, 'MessageType');
  const payloadSchema = attrValue(mt, 'payloadSchema');
  if (!payloadSchema) throw xtaError('NO_PARAMETERS', 'MessageMetaData: MessageType/@payloadSchema missing');
  const subject = childNamed(q, NS_OSCIMETA, 'Subject')?.text;
  const props = childNamed(el, NS_OSCIMETA, 'MessageProperties');
  const sizeText = childNamed(el, NS_OSCIMETA, 'MsgSize')?.text.trim();
  let msgSize: number | undefined;
  if (sizeText !== undefined) {
    if (!/^\+?[0-9]{1,15}$/.test(sizeText) || Number(sizeText) < 1) throw xtaError('INVALID_PARAMETER_COMBINATION', 'MessageMetaData: MsgSize is not a positive integer');
    msgSize = Number(sizeText);
  }
  const testMsg = attrValue(el, 'TestMsg');
  return {
    testMsg: testMsg === 'true' || testMsg === '1',
    deliveryAttributes,
    author: parseParty(required(originators, 'Author')),
    ...(senderEl ? { sender: parseParty(senderEl) } : {}),
    ...(replyToEl ? { replyTo: parseParty(replyToEl) } : {}),
    reader: parseParty(required(destinations, 'Reader')),
    ...(other
      ? {
          otherReaders: childrenNamed(other, NS_OSCIMETA, 'OtherReaders').map(parsePartyIdentifier),
          ccReaders: childrenNamed(other, NS_OSCIMETA, 'CcReaders').map(parsePartyIdentifier),
        }
      : {}),
    messageId,
    ...(inReplyTo.length > 0 ? { inReplyTo } : {}),
    qualifier: {
      ...(subject === undefined ? {} : { subject }),
      service,
      businessScenario,
      messageType: { ...parseKeyCode(mt), payloadSchema },
    },
    ...(props
      ? {
          properties: childrenNamed(props, NS_OSCIMETA, 'Property').map((p) => ({
            key: parseKeyCode(required(p, 'Key')),
            value: required(p, 'Value').text,
          })),
        }
      : {}),
    ...(msgSize === undefined ? {} : { msgSize }),
  };
}

const attr = (name: string, value: string | undefined): string => (value === undefined ? '' : ` ${name}="${escapeXml(value)}"`);

/** Serialises a PartyIdentifierType element with the given qualified name. */
export function partyIdentifierXml(qname: string, p: PartyIdentifier): string {
  return `<${qname}${attr('type', p.type)}${attr('name', p.name)}${attr('category', p.category)}>${escapeXml(p.value)}</${qname}>`;
}

/** Serialises a PartyType element (Author, Sender, Reader) with the given qualified name. */
export function partyXml(qname: string, p: PartyIdentifier): string {
  return `<${qname}>${partyIdentifierXml('oscimeta:Identifier', p)}</${qname}>`;
}

function keyCodeXml(qname: string, k: KeyCode, extraAttrs = ''): string {
  const name = k.name === undefined ? '' : `<name>${escapeXml(k.name)}</name>`;
  return `<${qname}${attr('listURI', k.listUri)}${attr('listVersionID', k.listVersionId)}${extraAttrs}><code>${escapeXml(k.code)}</code>${name}</${qname}>`;
}

/** Serialises MessageMetaData (prefix `oscimeta`, `wsa` for MessageID; the caller declares both). */
export function messageMetaDataXml(m: MessageMetaData): string {
  const da = DELIVERY_FIELDS.map(([key, local]) => {
    const v = m.deliveryAttributes[key];
    return v === undefined ? '' : `<oscimeta:${local}>${escapeXml(v)}</oscimeta:${local}>`;
  }).join('');
  const others = m.otherReaders && m.otherReaders.length > 0
    ? `<oscimeta:OtherDestinations>${m.otherReaders.map((r) => partyIdentifierXml('oscimeta:OtherReaders', r)).join('')}${(m.ccReaders ?? []).map((r) => partyIdentifierXml('oscimeta:CcReaders', r)).join('')}</oscimeta:OtherDestinations>`
    : '';
  const q = m.qualifier;
  const bs = q.businessScenario.kind === 'defined'
    ? keyCodeXml('oscimeta:Defined', q.businessScenario.code)
    : `<oscimeta:Undefined>${escapeXml(q.businessScenario.value)}</oscimeta:Undefined>`;
  const props = m.properties && m.properties.length > 0
    ? `<oscimeta:MessageProperties>${m.properties.map((p) => `<oscimeta:Property>${keyCodeXml('oscimeta:Key', p.key)}<oscimeta:Value>${escapeXml(p.value)}</oscimeta:Value></oscimeta:Property>`).join('')}</oscimeta:MessageProperties>`
    : '';
  return [
    `<oscimeta:MessageMetaData${m.testMsg ? ' TestMsg="true"' : ''}>`,
    `<oscimeta:DeliveryAttributes>${da}</oscimeta:DeliveryAttributes>`,
    '<oscimeta:Originators>',
    partyXml('oscimeta:Author', m.author),
    m.sender ? partyXml('oscimeta:Sender', m.sender) : '',
    m.replyTo ? partyXml('oscimeta:ReplyTo', m.replyTo) : '',
    '</oscimeta:Originators>',
    `<oscimeta:Destinations>${partyXml('oscimeta:Reader', m.reader)}${others}</oscimeta:Destinations>`,
    `<oscimeta:MsgIdentification><wsa:MessageID>${escapeXml(m.messageId)}</wsa:MessageID>`,
    (m.inReplyTo ?? []).map((r) => `<oscimeta:In-Reply-To>${escapeXml(r)}</oscimeta:In-Reply-To>`).join(''),
    '</oscimeta:MsgIdentification>',
    '<oscimeta:Qualifier>',
    q.subject === undefined ? '' : `<oscimeta:Subject>${escapeXml(q.subject)}</oscimeta:Subject>`,
    `<oscimeta:Service>${escapeXml(q.service)}</oscimeta:Service>`,
    `<oscimeta:BusinessScenario>${bs}</oscimeta:BusinessScenario>`,
    keyCodeXml('oscimeta:MessageType', q.messageType, attr('payloadSchema', q.messageType.payloadSchema)),
    '</oscimeta:Qualifier>',
    props,
    m.msgSize === undefined ? '' : `<oscimeta:MsgSize>${m.msgSize}</oscimeta:MsgSize>`,
    '</oscimeta:MessageMetaData>',
  ].join('');
}
