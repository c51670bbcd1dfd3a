import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/env.js';
import { XtaMeta } from '@weiche/hub';
import type { InProcessHub } from '../support/hub-in-process.js';
import type { XtaTestParties } from '../support/xta-config.js';
import { startXtaTestHub } from '../support/xta-hub.js';
import { ACTIONS, contentContainer, encryptFor, envelope, messageId, messageMetaData, NS, sendMessageRequest, textsOf, XtaTestClient } from '../support/xta-sender.js';
import { xpathString } from '../support/zip.js';

const LIMIT = 256 * 1024;

// Issue 5, "Bad input": each refusal is the right XTA fault or a red transport report, nothing is
// lost, and the hub keeps answering.
describe('XTA 2 bad input', () => {
  let hub: InProcessHub;
  let parties: XtaTestParties;
  let author: XtaTestClient;
  let readerCert: string;
  let xbau: Buffer;

  const container = (): Buffer => contentContainer({ data: xbau, contentType: 'application/xml', filename: 'antrag.xml' }, [
    { data: Buffer.from('%PDF-1.7 Antrag'), contentType: 'application/pdf', filename: '00000000-0000-4000-8000-000000000002_Bauantrag.pdf' },
    { data: Buffer.from('%PDF-1.7 Lageplan'), contentType: 'application/pdf', filename: '00000000-0000-4000-8000-000000000003_Lageplan_Größe_Straße.pdf' },
    { data: Buffer.from('JPEG'), contentType: 'image/jpeg', filename: '00000000-0000-4000-8000-000000000004_Ansicht Süd.jpg' },
  ]);
  const meta = (overrides: Partial<{ author: string; reader: string; messageId: string; msgSize: number }> = {}) => ({ author: parties.author.identifier, reader: parties.reader, messageId: messageId(), ...overrides });

  beforeAll(async () => {
    ({ hub, parties, author, readerCert, xbau } = await startXtaTestHub('xta-bad', { maxContainerBytes: LIMIT }));
  }, 120_000);

  afterAll(async () => {
    if (!hub) return;
    // the hub is still there and answers after everything below
    const alive = await author.post('management', envelope(ACTIONS.checkAccountActive, ''));
    expect(alive.status).toBe(200);
    expect(alive.fault).toBeUndefined();
    await hub?.stop();
  });

  it('malformed XML → fault 9052', async () => {
    const r = await author.post('send', '<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><soap:Body>');
    expect(r.status).toBe(400);
    expect(r.fault).toBe('9052');
  });

  // the management port's operations declare no MessageSchemaViolationException: 9000, 9052 named in the reason
  it('a DTD with an external entity → fault, nothing read', async () => {
    const xxe = `<?xml version="1.0"?><!DOCTYPE e [<!ENTITY x SYSTEM "file:///etc/passwd">]>` + envelope(ACTIONS.checkAccountActive, '&x;').replace(/^<\?xml[^>]*\?>/, '');
    const r = await author.post('management', xxe);
    expect(r.fault).toBe('9000');
    expect(r.text).toContain('9052 ');
    expect(r.text).not.toContain('root:');
  });

  it('billion laughs → fault, no expansion', async () => {
    const lol = `<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]><l>&d;</l>`;
    const r = await author.post('management', lol);
    expect(r.fault).toBe('9000');
    expect(r.text).toContain('9052 ');
  });

  it('SOAP 1.1 → a SOAP 1.1 VersionMismatch fault; a body in the wrong namespace → 9022 (named in a 9000 where undeclared)', async () => {
    const v11 = await author.post('management', envelope(ACTIONS.checkAccountActive, '', '', NS.soap11), 'text/xml; charset=utf-8');
    expect(v11.status).toBe(500);
    expect(v11.contentType).toMatch(/^text\/xml/);
    expect(v11.text).toContain(`<e:Envelope xmlns:e="${NS.soap11}">`);
    expect(v11.text).toContain('<faultcode>e:VersionMismatch</faultcode><faultstring>9052 ');
    // getTransportReport declares no ParameterIsNotValidException: the refusal of its parameter says 9022 in the reason
    const wrongNs = await author.post('management', envelope(ACTIONS.getTransportReport, `<MessageID xmlns="urn:not-wsa">x</MessageID>`));
    expect(wrongNs.fault).toBe('9000');
    expect(wrongNs.faultKind).toBe('XTAWSTechnicalProblemException');
    expect(wrongNs.text).toContain('9022 Ungültige Parameterkombination');
    expect(wrongNs.text).toContain(`<wsa:Action>${ACTIONS.getTransportReport}</wsa:Action>`);
  });

  // issue 13: a NUL reached PostgreSQL and came back as 9030 with the driver's text
  it('a NUL or an over-long MessageID → a Sender fault, never 9030 or internal text', async () => {
    const wsa = (id: string): string => `<MessageID xmlns="${NS.wsa}">${id}</MessageID>`;
    const nul = await author.post('management', envelope(ACTIONS.getTransportReport, wsa(`urn:de:xta:messageid:x\u0000y`)));
    expect(nul.status).toBe(400);
    expect(nul.fault).toBe('9000');
    expect(nul.text).toContain('9052 ');
    const inMeta = await author.send({ meta: meta({ messageId: `urn:de:xta:messageid:a\u0000b` }), plaintext: container(), certificatePem: readerCert, mtom: false });
    expect(inMeta.fault).toBe('9052');
    const long = await author.post('management', envelope(ACTIONS.getTransportReport, wsa(`urn:de:xta:messageid:${'x'.repeat(5000)}`)));
    expect(long.status).toBe(400);
    // getTransportReport declares no ParameterIsNotValidException in the WSDL: 9022 is named in the reason
    expect(long.fault).toBe('9000');
    expect(long.faultKind).toBe('XTAWSTechnicalProblemException');
    expect(long.text).toContain('9022 Ungültige Parameterkombination');
    for (const r of [nul, inMeta, long]) expect(r.text).not.toMatch(/invalid byte sequence|journal|9030/);
  });

  // XTA.wsdl: a fault must be one the operation declares; an unreadable request may be any operation of the port
  it('a request whose operation is unknown is answered with a fault every candidate operation declares', async () => {
    const malformed = '<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><soap:Body>';
    const onBox = await author.post('msgbox', malformed);
    expect([onBox.status, onBox.fault, onBox.faultKind]).toEqual([400, '9000', 'XTAWSTechnicalProblemException']);
    expect(onBox.text).toContain('9052 Nachricht verletzt das entsprechende Service Profil.');
    expect(onBox.text).toContain('<wsa:Action>http://www.w3.org/2005/08/addressing/soap/fault</wsa:Action>');
    // without wsa:Action (9020, ParameterIsNotValid): declared by cancelMessage, which a SOAPAction header names
    const noAction = envelope('', '<MessageID xmlns="http://www.w3.org/2005/08/addressing">x</MessageID>').replace('<wsa:Action></wsa:Action>', '');
    const unnamed = await author.post('management', noAction);
    expect(unnamed.fault).toBe('9000');
    expect(unnamed.text).toContain('9020 ');
    const named = await author.post('management', noAction, 'application/soap+xml; charset=utf-8', { SOAPAction: `"${ACTIONS.cancelMessage}"` });
    expect([named.fault, named.faultKind]).toEqual(['9020', 'ParameterIsNotValidException']);
    expect(named.text).toContain(`<wsa:Action>${ACTIONS.cancelMessage}</wsa:Action>`);
    // too large for the HTTP layer (over the body limit, about 4/3 of the container limit + 1 MiB): only the URL tells
    const tooLarge = await author.post('management', Buffer.alloc(2 * 1024 * 1024, 0x20));
    expect(tooLarge.fault).toBe('9000');
    expect(tooLarge.text).toContain('9023 ');
  });

  // RFC 9110 §15.5.16 and SOAP 1.2 Part 2 §7.5.2.2: a media type the hub does not read is 415, with the SOAP fault
  // (as every other refusal, declared as ADR 0018 says) in an application/soap+xml body
  it('another media type, none at all, or a multipart/related that is not MTOM → HTTP 415 with a SOAP fault', async () => {
    const check = envelope(ACTIONS.checkAccountActive, '');
    const cases: Array<[string, 'management' | 'send', Buffer | string, string]> = [
      ['text/plain', 'send', check, 'text/plain; charset=utf-8'],
      ['application/json', 'management', '{"operation":"checkAccountActive"}', 'application/json'],
      // not even JSON: the root app's JSON parser must not read it first (it answered 500, 9030)
      ['application/json, not JSON', 'send', check, 'application/json'],
      ['application/json, empty', 'management', '', 'application/json; charset=utf-8'],
      ['not a media type', 'management', check, 'nonsense'],
      ['no Content-Type, with a body', 'management', check, ''],
      ['no Content-Type, no body', 'send', '', ''],
      ['multipart/related of another root type', 'send', `--b\r\nContent-Type: text/plain\r\n\r\n${check}\r\n--b--\r\n`, 'multipart/related; type="text/plain"; boundary="b"'],
    ];
    for (const [name, port, body, contentType] of cases) {
      const r = await author.post(port, body, contentType);
      expect([r.status, r.contentType.split(';')[0]], name).toEqual([415, 'application/soap+xml']);
      // sendMessage declares MessageSchemaViolationException (9052); the management port's operations do not: 9000 naming 9052
      if (port === 'send') expect([r.fault, r.faultKind], name).toEqual(['9052', 'MessageSchemaViolationException']);
      else expect([r.fault, r.text.includes('9052 Nachricht verletzt')], name).toEqual(['9000', true]);
    }
    // a content coding (RFC 9110 §8.4): the hub reads bodies as sent, so gzip was read as XML (9051) and an identity
    // body labelled gzip accepted; 415 naming the one coding it reads
    for (const coding of ['gzip', 'br, gzip']) {
      const coded = await author.post('management', check, 'application/soap+xml; charset=utf-8', { 'Content-Encoding': coding });
      expect([coded.status, coded.text.includes(`Content-Encoding ${coding} is not read`)], coding).toEqual([415, true]);
    }
    expect((await author.post('management', check, 'application/soap+xml; charset=utf-8', { 'Content-Encoding': 'identity' })).status).toBe(200);
    // what the hub reads stays as it was: MTOM, SOAP 1.2, and SOAP 1.1's text/xml (its VersionMismatch fault, 500)
    expect((await author.post('management', check)).status).toBe(200);
    expect((await author.post('management', envelope(ACTIONS.checkAccountActive, '', '', NS.soap11), 'text/xml; charset=utf-8')).status).toBe(500);
  });

  // SOAP 1.2 Part 1 §5.4.8: one env:NotUnderstood per mandatory block not understood, its QName's namespace in scope
  it('mandatory headers the hub does not understand → MustUnderstand fault naming each in a NotUnderstood block', async () => {
    const blocks =
      `<wsse:Security xmlns:wsse="urn:example:wsse" soap:mustUnderstand="true"/><tr:Trace xmlns:tr="urn:example:trace" soap:mustUnderstand="1"/>` +
      `<opt:Hint xmlns:opt="urn:example:optional"/><nx:Relay xmlns:nx="urn:example:relay" soap:mustUnderstand="true" soap:role="urn:example:some-intermediary"/>`;
    const r = await author.post('management', envelope(ACTIONS.checkAccountActive, '', blocks));
    expect(r.status).toBe(500);
    const SOAP = `namespace-uri()='${NS.soap12}'`;
    expect(await xpathString(r.text, `/*/*[local-name()='Body' and ${SOAP}]/*/*[local-name()='Code']/*[local-name()='Value']`)).toBe('s:MustUnderstand');
    const notUnderstood = `/*/*[local-name()='Header' and ${SOAP}]/*[local-name()='NotUnderstood' and ${SOAP}]`;
    expect(await xpathString(r.text, `count(${notUnderstood})`)).toBe('2');
    // each qname resolved through the namespace declarations in scope on its element, as a QName-aware reader does
    const resolved = (i: number): Promise<string> =>
      xpathString(r.text, `concat((${notUnderstood})[${i}]/namespace::*[name()=substring-before(../@qname, ':')], ' ', substring-after((${notUnderstood})[${i}]/@qname, ':'))`);
    expect([await resolved(1), await resolved(2)]).toEqual(['urn:example:wsse Security', 'urn:example:trace Trace']);
  });

  // XTA.wsdl's policy wsam:AnonymousResponses: a reply elsewhere was silently answered on the HTTP response instead
  it('a wsa:ReplyTo other than the anonymous address → fault naming 9022', async () => {
    const replyTo = (address: string): string => `<wsa:ReplyTo><wsa:Address>${address}</wsa:Address></wsa:ReplyTo>`;
    const elsewhere = await author.post('management', envelope(ACTIONS.checkAccountActive, '', replyTo('https://portal.example/xta-replies')));
    expect([elsewhere.status, elsewhere.fault, elsewhere.text.includes('9022 Ungültige Parameterkombination: wsa:ReplyTo must be the anonymous address')]).toEqual([400, '9000', true]);
    expect((await author.post('management', envelope(ACTIONS.checkAccountActive, '', replyTo('http://www.w3.org/2005/08/addressing/anonymous')))).status).toBe(200);
  });

  it('sendMessage without MessageMetaData → 9020', async () => {
    const r = await author.post('send', envelope(ACTIONS.sendMessage, `<xta:GenericContentContainer><xta:ContentContainer><xta:Message contentType="application/xml">PGEvPg==</xta:Message></xta:ContentContainer></xta:GenericContentContainer>`));
    expect(r.fault).toBe('9020');
  });

  it('an unknown reader → 9022; sending as another author → 9014', async () => {
    const unknownReader = await author.send({ meta: meta({ reader: 'ags:99999999' }), plaintext: container(), certificatePem: readerCert, mtom: false });
    expect(unknownReader.fault).toBe('9022');
    const impostor = await author.send({ meta: meta({ author: parties.otherAuthor.identifier }), plaintext: container(), certificatePem: readerCert, mtom: false });
    expect(impostor.fault).toBe('9014');
    expect(impostor.faultKind).toBe('PermissionDeniedException');
    const noToken = await new XtaTestClient(hub.baseUrl, undefined).send({ meta: meta(), plaintext: container(), certificatePem: readerCert, mtom: false });
    expect(noToken.fault).toBe('9012');
  });

  // a Fachverfahren polls its box; sending, even as itself, is for authors (portals): it was accepted and delivered
  it('a Fachverfahren identity that sends, even as itself → 9013, nothing stored', async () => {
    const id = messageId();
    const fv = new XtaTestClient(hub.baseUrl, parties.fachverfahren.token);
    const r = await fv.send({ meta: meta({ author: parties.fachverfahren.identifier, messageId: id }), plaintext: container(), certificatePem: readerCert, mtom: false });
    expect([r.status, r.fault, r.faultKind]).toEqual([400, '9013', 'PermissionDeniedException']);
    expect(await hub.deps.journal.findByChannelRef('xta', id)).toBeUndefined();
  });

  it('a tampered GCM tag → red transport report, ciphertext kept', async () => {
    const id = messageId();
    const sent = await author.send({ meta: meta({ messageId: id }), plaintext: container(), certificatePem: readerCert, mtom: true, tamperTag: true });
    expect(sent.fault).toBeUndefined();
    const red = await waitFor('red report', async () => {
      const r = await author.transportStatus(id);
      return r.status === 3 ? r : undefined;
    });
    expect(red.reply.text).toContain('decryption-failed');
    const row = await hub.deps.journal.findByChannelRef('xta', id);
    expect((await hub.deps.blobs.read(XtaMeta.parse(row!.channelMeta).containerBlobKey)).length).toBeGreaterThan(0);
  });

  it('a container over the limit → 9023 (announced MsgSize, decoded content, and HTTP body)', async () => {
    const announced = await author.send({ meta: meta({ msgSize: LIMIT + 1 }), plaintext: container(), certificatePem: readerCert, mtom: false });
    expect(announced.fault).toBe('9023');
    const big = await author.send({ meta: meta(), plaintext: contentContainer({ data: randomBytes(LIMIT + 1024), contentType: 'application/xml', filename: 'x.xml' }, []), certificatePem: readerCert, mtom: false });
    expect(big.fault).toBe('9023');
    const huge = await author.send({ meta: meta(), plaintext: contentContainer({ data: randomBytes(2 * 1024 * 1024), contentType: 'application/xml', filename: 'x.xml' }, []), certificatePem: readerCert, mtom: true });
    expect(huge.fault).toBe('9023');
  });

  it('a repeated MessageID → 9024', async () => {
    const id = messageId();
    const first = await author.send({ meta: meta({ messageId: id }), plaintext: container(), certificatePem: readerCert, mtom: false });
    expect(first.fault).toBeUndefined();
    const again = await author.send({ meta: meta({ messageId: id }), plaintext: container(), certificatePem: readerCert, mtom: true });
    expect(again.fault).toBe('9024');
  });

  // XTA MessageIDs are one namespace (createMessageId issues them; 9024 "MessageID ist bereits vergeben" names no author):
  // another author's id is refused like the author's own repeat, in the same words, so it says no more than "taken" —
  // not whose, not when, not in what state — and what it could be asked next answers as for an id never used (9070)
  it("a MessageID another author used → the same 9024 as the author's own repeat; its transport report stays 9070", async () => {
    const id = messageId();
    const otherAuthor = new XtaTestClient(hub.baseUrl, parties.otherAuthor.token);
    expect((await author.send({ meta: meta({ messageId: id }), plaintext: container(), certificatePem: readerCert, mtom: false })).fault).toBeUndefined();
    const repeat = await author.send({ meta: meta({ messageId: id }), plaintext: container(), certificatePem: readerCert, mtom: false });
    const foreign = await otherAuthor.send({ meta: meta({ author: parties.otherAuthor.identifier, messageId: id }), plaintext: container(), certificatePem: readerCert, mtom: false });
    // the answers differ only in the wsa headers naming each request
    const reason = (text: string) => /<s:Fault>[\s\S]*<\/s:Fault>/.exec(text)?.[0];
    expect([repeat.status, repeat.fault, foreign.status, foreign.fault]).toEqual([400, '9024', 400, '9024']);
    expect(reason(foreign.text)).toBeDefined();
    expect(reason(foreign.text)).toBe(reason(repeat.text));
    expect(foreign.text).not.toContain(parties.author.identifier);
    const never = await otherAuthor.transportStatus(messageId());
    const taken = await otherAuthor.transportStatus(id);
    expect([taken.reply.fault, never.reply.fault]).toEqual(['9070', '9070']);
    expect(reason(taken.reply.text)).toBe(reason(never.reply.text));
  });

  it("an identity cannot fetch, close or ask about another identity's messages → 9070", async () => {
    const id = messageId();
    expect((await author.send({ meta: meta({ messageId: id }), plaintext: container(), certificatePem: readerCert, mtom: false })).fault).toBeUndefined();
    const owner = new XtaTestClient(hub.baseUrl, parties.fachverfahren.token);
    const other = new XtaTestClient(hub.baseUrl, parties.otherFachverfahren.token);
    const boxId = await waitFor('message in the box', async () => (await owner.statusList()).ids[0]);
    expect((await other.statusList()).ids).toEqual([]);
    expect((await other.getMessage(boxId)).reply.fault).toBe('9070');
    expect((await other.close(boxId)).fault).toBe('9070');
    expect((await owner.getMessage(boxId)).message).toBeDefined();
    const otherAuthor = new XtaTestClient(hub.baseUrl, parties.otherAuthor.token);
    expect((await otherAuthor.transportStatus(id)).reply.fault).toBe('9070');
  });

  // OSCI2_02.xsd MsgBoxFetchRequest/@MsgPart was read and ignored: Header and Body answered the whole message
  it('getMessage MsgPart="Body" → the content without the MessageMetaData header; "Header" → 9022 (in a 9000), nothing fetched', async () => {
    const owner = new XtaTestClient(hub.baseUrl, parties.fachverfahren.token);
    // the box names what it offers by a MessageID of its own: the new one is the message sent here
    const before = new Set((await owner.statusList(1000)).ids);
    expect((await author.send({ meta: meta(), plaintext: container(), certificatePem: readerCert, mtom: false })).fault).toBeUndefined();
    const boxId = await waitFor('message in the box', async () => (await owner.statusList(1000)).ids.find((boxed) => !before.has(boxed)));
    const header = await owner.getMessage(boxId, 'Header');
    // getMessage declares no ParameterIsNotValidException: the refusal says 9022 in the reason of a 9000
    expect([header.reply.status, header.reply.fault, header.reply.faultKind]).toEqual([400, '9000', 'XTAWSTechnicalProblemException']);
    expect(header.reply.text).toContain('9022 Ungültige Parameterkombination');
    expect(header.reply.text).toMatch(/MsgPart=(&quot;|")Header(&quot;|") is not supported/);
    // the refused fetch counts as none: the box still offers it as a new entry
    const fresh = await owner.post('msgbox', envelope(ACTIONS.getStatusList, `<osci:MsgBoxStatusListRequest><osci:MsgSelector newEntry="true"><wsa:MessageID>${boxId}</wsa:MessageID></osci:MsgSelector></osci:MsgBoxStatusListRequest>`));
    expect(fresh.text).toContain(boxId);
    const body = await owner.getMessage(boxId, 'Body');
    expect(body.reply.fault).toBeUndefined();
    expect(body.message).toEqual(xbau);
    expect(body.reply.text).not.toContain('MessageMetaData');
    const envelopeWhole = await owner.getMessage(boxId, 'Envelope');
    expect(envelopeWhole.message).toEqual(xbau);
    expect(envelopeWhole.reply.text).toContain('MessageMetaData');
    expect((await owner.close(boxId)).fault).toBeUndefined();
  });

  // OSCI_MessageMetaData_V2.02.xsd: the DeliveryAttributes are xs:dateTime (ObsoleteAfter xs:date); they were kept as
  // sent and echoed in the transport report and the box's MessageMetaData, which no longer matched their schema
  it('DeliveryAttributes that are no xs:dateTime / xs:date → 9022, nothing stored', async () => {
    for (const [element, value] of [['Origin', 'yesterday'], ['NotBefore', '2026-02-30T10:00:00Z'], ['InitialSend', '2026-11-29T24:30:00Z'], ['ObsoleteAfter', '2026-11-29T10:00:00Z']] as const) {
      const id = messageId();
      const enc = encryptFor(container(), readerCert);
      const metaXml = messageMetaData(meta({ messageId: id })).replace(/<oscimeta:Origin>[^<]*<\/oscimeta:Origin>/, `<oscimeta:${element}>${value}</oscimeta:${element}>`);
      const request = sendMessageRequest({ meta: metaXml, cipherValue: enc.cipherValue, encryptedData: enc.encryptedData, mtom: false });
      const r = await author.post('send', request.body, request.contentType);
      expect([r.status, r.fault, r.text.includes(`DeliveryAttributes/${element} is not a valid`)], element).toEqual([400, '9022', true]);
      expect(await hub.deps.journal.findByChannelRef('xta', id), element).toBeUndefined();
    }
  });

  // OSCI 2 MsgSelector: its entry times, newEntry and RelatesTo were read and then ignored, so a box answered every
  // offered message (and an unreadable time too)
  it('getStatusList selects by MsgBoxEntryTimeFrom/To, newEntry and RelatesTo; an unreadable time → fault', async () => {
    const id = messageId();
    expect((await author.send({ meta: meta({ messageId: id }), plaintext: container(), certificatePem: readerCert, mtom: false })).fault).toBeUndefined();
    const owner = new XtaTestClient(hub.baseUrl, parties.fachverfahren.token);
    const select = async (selector: string, newEntry?: string): Promise<{ ids: string[]; status: number; text: string }> => {
      const r = await owner.post('msgbox', envelope(ACTIONS.getStatusList, `<osci:MsgBoxStatusListRequest><osci:MsgSelector${newEntry === undefined ? '' : ` newEntry="${newEntry}"`}>${selector}</osci:MsgSelector></osci:MsgBoxStatusListRequest>`));
      const list = /<osci:MsgStatusList>([\s\S]*)<\/osci:MsgStatusList>/.exec(r.text)?.[1] ?? '';
      return { ids: textsOf(list, 'MessageID'), status: r.status, text: r.text };
    };
    const relatesTo = `<wsa:RelatesTo>${id}</wsa:RelatesTo>`;
    // the box entry made from this message answers it (InReplyTo): RelatesTo finds exactly that one
    const boxId = await waitFor('message in the box', async () => (await select(relatesTo)).ids[0]);
    expect((await select(relatesTo)).ids).toEqual([boxId]);
    expect((await select(`<wsa:RelatesTo>${messageId()}</wsa:RelatesTo>`)).ids).toEqual([]);
    const hourAhead = new Date(Date.now() + 3_600_000).toISOString();
    expect((await select(`${relatesTo}<osci:MsgBoxEntryTimeFrom>${hourAhead}</osci:MsgBoxEntryTimeFrom>`)).ids).toEqual([]);
    expect((await select(`${relatesTo}<osci:MsgBoxEntryTimeTo>2000-01-01T00:00:00Z</osci:MsgBoxEntryTimeTo>`)).ids).toEqual([]);
    expect((await select(`${relatesTo}<osci:MsgBoxEntryTimeFrom>2000-01-01T00:00:00</osci:MsgBoxEntryTimeFrom><osci:MsgBoxEntryTimeTo>${hourAhead}</osci:MsgBoxEntryTimeTo>`)).ids).toEqual([boxId]);
    // newEntry: only what was never fetched; "false" narrows nothing
    expect((await select(relatesTo, 'true')).ids).toEqual([boxId]);
    expect((await owner.getMessage(boxId)).message).toBeDefined();
    expect((await select(relatesTo, 'true')).ids).toEqual([]);
    expect((await select(relatesTo, 'false')).ids).toEqual([boxId]);
    for (const bad of ['<osci:MsgBoxEntryTimeFrom>yesterday</osci:MsgBoxEntryTimeFrom>', '<osci:MsgBoxEntryTimeTo>2026-02-30T00:00:00Z</osci:MsgBoxEntryTimeTo>', '<osci:MsgBoxEntryTimeFrom>99999-01-01T00:00:00Z</osci:MsgBoxEntryTimeFrom>']) {
      const r = await select(bad);
      // getStatusList declares no ParameterIsNotValidException: 9000 naming 9022
      expect([r.status, r.text.includes('9022 Ungültige Parameterkombination: MsgSelector/')], bad).toEqual([400, true]);
    }
    expect((await select(relatesTo, 'maybe')).status).toBe(400);
  });

  it('a close naming an unknown MessageID beside an offered one → 9070, and closes none', async () => {
    const id = messageId();
    expect((await author.send({ meta: meta({ messageId: id }), plaintext: container(), certificatePem: readerCert, mtom: false })).fault).toBeUndefined();
    const owner = new XtaTestClient(hub.baseUrl, parties.fachverfahren.token);
    const answers = async (): Promise<string[]> => {
      const r = await owner.post('msgbox', envelope(ACTIONS.getStatusList, `<osci:MsgBoxStatusListRequest><osci:MsgSelector><wsa:RelatesTo>${id}</wsa:RelatesTo></osci:MsgSelector></osci:MsgBoxStatusListRequest>`));
      return textsOf(/<osci:MsgStatusList>([\s\S]*)<\/osci:MsgStatusList>/.exec(r.text)?.[1] ?? '', 'MessageID');
    };
    const boxId = await waitFor('message in the box', async () => (await answers())[0]);
    const close = await owner.post('msgbox', envelope(ACTIONS.close, `<osci:MsgBoxCloseRequest MsgBoxRequestID="urn:uuid:${messageId().slice(-36)}"><osci:LastMsgReceived>${boxId}</osci:LastMsgReceived><osci:LastMsgReceived>${messageId()}</osci:LastMsgReceived></osci:MsgBoxCloseRequest>`));
    expect(close.fault).toBe('9070');
    // still offered: the fault said nothing was closed
    expect(await answers()).toEqual([boxId]);
    expect((await owner.close(boxId)).fault).toBeUndefined();
    expect(await answers()).toEqual([]);
  });

  // WS-Addressing 1.0 SOAP Binding §6.4.1 / §6.4.4; XTA.wsdl binds each operation to its soapAction (soapActionRequired)
  it('wsa:Action and the HTTP-level action naming different operations → ActionMismatch, nothing done; an unknown action → ActionNotSupported', async () => {
    const mismatch = (r: { status: number; text: string }) => {
      expect(r.status).toBe(400);
      expect(r.text).toMatch(/<s:Subcode><s:Value>wsa:InvalidAddressingHeader<\/s:Value><s:Subcode><s:Value>wsa:ActionMismatch<\/s:Value>/);
      expect(r.text).toContain('<wsa:ProblemHeaderQName>wsa:Action</wsa:ProblemHeaderQName>');
      expect(r.text).toContain('<wsa:Action>http://www.w3.org/2005/08/addressing/fault</wsa:Action>');
      expect(r.text).not.toContain('<xta:MessageID');
    };
    // createMessageId and checkAccountActive both take an empty body: only the actions tell them apart
    const create = envelope(ACTIONS.createMessageId, '');
    mismatch(await author.post('management', create, `application/soap+xml; charset=utf-8; action="${ACTIONS.checkAccountActive}"`));
    mismatch(await author.post('management', create, 'application/soap+xml; charset=utf-8', { SOAPAction: `"${ACTIONS.checkAccountActive}"` }));
    // MTOM: the action of the root part's type (start-info)
    const boundary = 'uuid:b1';
    const mtom = `--${boundary}\r\nContent-Type: application/xop+xml; charset=UTF-8; type="application/soap+xml"\r\nContent-ID: <root@x>\r\n\r\n${create}\r\n--${boundary}--\r\n`;
    mismatch(await author.post('management', mtom, `multipart/related; type="application/xop+xml"; boundary="${boundary}"; start="<root@x>"; start-info="application/soap+xml; action=\\"${ACTIONS.checkAccountActive}\\""`));
    // the same action everywhere, or none besides wsa:Action, or SOAP 1.1's empty SOAPAction: processed
    const agreeing = await author.post('management', create, `application/soap+xml; charset=utf-8; action="${ACTIONS.createMessageId}"`, { SOAPAction: `"${ACTIONS.createMessageId}"` });
    expect([agreeing.status, agreeing.fault]).toEqual([200, undefined]);
    expect((await author.post('management', create, 'application/soap+xml; charset=utf-8', { SOAPAction: '""' })).status).toBe(200);
    // an action no operation of the port has
    for (const [port, action] of [['management', 'urn:example:unknown-action'], ['msgbox', ACTIONS.createMessageId]] as const) {
      const r = await author.post(port, envelope(action, ''));
      expect(r.status, action).toBe(400);
      expect(r.text).toMatch(/<s:Subcode><s:Value>wsa:ActionNotSupported<\/s:Value><\/s:Subcode>/);
      expect(r.text).toContain(`<wsa:ProblemAction><wsa:Action>${action}</wsa:Action></wsa:ProblemAction>`);
    }
  });

  it('sendMessageSync → SyncAsyncException 9080; an operation at the wrong port → 9021', async () => {
    const sync = await author.post('send', envelope(ACTIONS.sendMessageSync, `<xta:GenericContentContainer><xta:ContentContainer><xta:Message contentType="application/xml">PGEvPg==</xta:Message></xta:ContentContainer></xta:GenericContentContainer>`, messageMetaData(meta())));
    expect(sync.fault).toBe('9080');
    expect(sync.faultKind).toBe('SyncAsyncException');
    const wrongPort = await author.post('send', envelope(ACTIONS.checkAccountActive, ''));
    expect(wrongPort.fault).toBe('9021');
  });
});
