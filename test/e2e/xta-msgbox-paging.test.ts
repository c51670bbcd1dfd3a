import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/env.js';
import type { InProcessHub } from '../support/hub-in-process.js';
import { startXtaTestHub } from '../support/xta-hub.js';
import { ACTIONS, contentContainer, envelope, textOf, textsOf, XtaTestClient, type SoapReply } from '../support/xta-sender.js';

const MT = 'http://www.osci.eu/ws/2008/05/transport/urn/messageTypes/';
const GET_NEXT_LIST = `${MT}MsgBoxGetNextListRequest`;
const GET_NEXT_MSG = `${MT}MsgBoxGetNextMsgRequest`;
const REASONS = 'http://www.osci.eu/ws/2008/05/transport/MsgBox/reasons/';

/** The osci:MsgBoxResponse header of an answer: its MsgBoxRequestID, ItemsPending or NoMessageAvailable reason. */
function msgBoxResponse(reply: SoapReply): { requestId?: string; itemsPending?: number; reason?: string } {
  const el = /<osci:MsgBoxResponse MsgBoxRequestID="([^"]*)">([\s\S]*?)<\/osci:MsgBoxResponse>/.exec(reply.text);
  const pending = el ? textOf(el[2] ?? '', 'ItemsPending') : undefined;
  const reason = el ? /reason="([^"]*)"/.exec(el[2] ?? '')?.[1] : undefined;
  return { ...(el ? { requestId: el[1] } : {}), ...(pending === undefined ? {} : { itemsPending: Number(pending) }), ...(reason ? { reason } : {}) };
}

const listed = (reply: SoapReply): string[] => textsOf(/<osci:MsgStatusList>([\s\S]*)<\/osci:MsgStatusList>/.exec(reply.text)?.[1] ?? '', 'MessageID');
/** The MessageID of a getMessage answer's MessageMetaData (MsgIdentification). */
const fetchedId = (reply: SoapReply): string | undefined => textOf(/<oscimeta:MsgIdentification>([\s\S]*?)<\/oscimeta:MsgIdentification>/.exec(reply.text)?.[1] ?? '', 'MessageID');

// OSCI2_02.xsd / XTA.wsdl MsgBoxPort as a Fachverfahren pages through its box: getStatusList with maxListItems, then
// getNextStatusList with the MsgBoxRequestID of each answer while ItemsPending says more are there; getMessage by
// MsgSelector without a MessageID ("the first message relating to the given parameter"), then getNextMessage.
// getNextStatusList used to answer the first page again with the same ItemsPending (a client paging until
// ItemsPending is 0 never ended), getMessage without a MessageID was a fault, and a close naming no message too;
// the messages a getNextMessage acknowledged in LastMsgReceived (the element a close acknowledges with) stayed offered,
// to be fetched again.
describe('XTA message box: paging with MsgBoxRequestID, getMessage by selector', () => {
  let hub: InProcessHub;
  let box: XtaTestClient;
  let ids: string[];

  beforeAll(async () => {
    const started = await startXtaTestHub('xta-paging');
    hub = started.hub;
    const { parties, author, readerCert, xbau } = started;
    box = new XtaTestClient(hub.baseUrl, parties.fachverfahren.token);
    const plaintext = contentContainer({ data: xbau, contentType: 'application/xml', filename: 'antrag.xml' }, [
      { data: Buffer.from('%PDF-1.7 Antrag'), contentType: 'application/pdf', filename: '00000000-0000-4000-8000-000000000002_Bauantrag.pdf' },
      { data: Buffer.from('%PDF-1.7 Lageplan'), contentType: 'application/pdf', filename: '00000000-0000-4000-8000-000000000003_Lageplan_Größe_Straße.pdf' },
      { data: Buffer.from('JPEG'), contentType: 'image/jpeg', filename: '00000000-0000-4000-8000-000000000004_Ansicht Süd.jpg' },
    ]);
    for (let i = 0; i < 3; i += 1) {
      const sent = await author.send({ meta: { author: parties.author.identifier, reader: parties.reader, messageId: `urn:de:xta:messageid:testportal:paging-${i}-${Date.now()}` }, plaintext, certificatePem: readerCert, mtom: false });
      expect(sent.fault, sent.text).toBeUndefined();
    }
    ids = await waitFor('three messages in the box', async () => {
      const all = (await box.statusList(100)).ids;
      return all.length === 3 ? all : undefined;
    }, 90_000, 200);
  }, 150_000);

  afterAll(async () => {
    await hub?.stop();
  });

  it('getNextStatusList continues the listing after the entries listed under the MsgBoxRequestID, in the form asked for', async () => {
    const first = await box.post('msgbox', envelope(ACTIONS.getStatusList, '<osci:MsgBoxStatusListRequest maxListItems="2" ListForm="MsgAtrributes"/>'));
    expect(first.fault, first.text).toBeUndefined();
    expect(listed(first)).toEqual(ids.slice(0, 2));
    const head = msgBoxResponse(first);
    expect(head.itemsPending).toBe(1);

    const next = await box.post('msgbox', envelope(GET_NEXT_LIST, `<osci:MsgBoxGetNextRequest MsgBoxRequestID="${head.requestId}"/>`));
    expect(next.fault, next.text).toBeUndefined();
    expect(listed(next)).toEqual(ids.slice(2));
    expect(next.text).toContain('<osci:MsgAttributes>');
    expect(msgBoxResponse(next).itemsPending).toBe(0);

    const end = await box.post('msgbox', envelope(GET_NEXT_LIST, `<osci:MsgBoxGetNextRequest MsgBoxRequestID="${msgBoxResponse(next).requestId}"/>`));
    expect(listed(end)).toEqual([]);
    expect(msgBoxResponse(end).reason).toBe(`${REASONS}NoMatch`);

    const foreign = await box.post('msgbox', envelope(GET_NEXT_LIST, '<osci:MsgBoxGetNextRequest MsgBoxRequestID="urn:uuid:00000000-0000-4000-8000-000000000000"/>'));
    expect(foreign.fault, foreign.text).toBeUndefined();
    expect(listed(foreign)).toEqual([]);
    expect(msgBoxResponse(foreign).reason).toBe(`${REASONS}RequestIdInvalid`);
  });

  // OSCI: the MsgBoxRequestID identifies the request (the WSDL's "fetch iterator"); a client that keeps the first
  // answer's id for every step must get the next page each time, not page 2 again (the id used to carry the position)
  it('the first answer\'s MsgBoxRequestID used for every getNext step continues after the last entry delivered', async () => {
    const first = await box.post('msgbox', envelope(ACTIONS.getStatusList, '<osci:MsgBoxStatusListRequest maxListItems="1"/>'));
    const requestId = msgBoxResponse(first).requestId;
    const pages = [listed(first)];
    for (let i = 0; i < 3; i += 1) {
      const next = await box.post('msgbox', envelope(GET_NEXT_LIST, `<osci:MsgBoxGetNextRequest MsgBoxRequestID="${requestId}"/>`));
      expect(next.fault, next.text).toBeUndefined();
      expect(msgBoxResponse(next).requestId).toBe(requestId);
      pages.push(listed(next));
    }
    expect(pages).toEqual([[ids[0]], [ids[1]], [ids[2]], []]);

    const fetched = await box.post('msgbox', envelope(ACTIONS.getMessage, '<osci:MsgBoxFetchRequest><osci:MsgSelector newEntry="false"/></osci:MsgBoxFetchRequest>'));
    const fetchId = msgBoxResponse(fetched).requestId;
    const got = [fetchedId(fetched)];
    for (let i = 0; i < 2; i += 1) got.push(fetchedId(await box.post('msgbox', envelope(GET_NEXT_MSG, `<osci:MsgBoxGetNextRequest MsgBoxRequestID="${fetchId}"/>`))));
    expect(got).toEqual(ids);
    const none = await box.post('msgbox', envelope(GET_NEXT_MSG, `<osci:MsgBoxGetNextRequest MsgBoxRequestID="${fetchId}"/>`));
    expect(none.fault).toBe('9070');
  });

  it('getMessage without a MessageID answers the oldest message the MsgSelector selects; getNextMessage the ones after it, closing those acknowledged', async () => {
    const first = await box.post('msgbox', envelope(ACTIONS.getMessage, '<osci:MsgBoxFetchRequest><osci:MsgSelector newEntry="false"/></osci:MsgBoxFetchRequest>'));
    expect(first.fault, first.text).toBeUndefined();
    expect(fetchedId(first)).toBe(ids[0]);
    expect(msgBoxResponse(first).itemsPending).toBe(2);
    const got = [fetchedId(first)];
    let requestId = msgBoxResponse(first).requestId;
    // the first getNextMessage acknowledges the first message (LastMsgReceived), the second acknowledges nothing
    for (const acknowledged of [ids[0], undefined]) {
      const received = acknowledged ? `<osci:LastMsgReceived>${acknowledged}</osci:LastMsgReceived>` : '';
      const next = await box.post('msgbox', envelope(GET_NEXT_MSG, `<osci:MsgBoxGetNextRequest MsgBoxRequestID="${requestId}">${received}</osci:MsgBoxGetNextRequest>`));
      expect(next.fault, next.text).toBeUndefined();
      got.push(fetchedId(next));
      requestId = msgBoxResponse(next).requestId;
    }
    expect(got).toEqual(ids);
    const none = await box.post('msgbox', envelope(GET_NEXT_MSG, `<osci:MsgBoxGetNextRequest MsgBoxRequestID="${requestId}"/>`));
    expect([none.fault, none.faultKind]).toEqual(['9070', 'InvalidMessageIDException']);
    // acknowledged in LastMsgReceived as in a close: no longer offered; the others stay until closed
    expect((await box.statusList(100)).ids).toEqual(ids.slice(1));
  });

  it('a close that names no message ends the request; the named ones are closed and no longer listed', async () => {
    const listing = await box.post('msgbox', envelope(ACTIONS.getStatusList, '<osci:MsgBoxStatusListRequest maxListItems="1"/>'));
    const bare = await box.post('msgbox', envelope(ACTIONS.close, `<osci:MsgBoxCloseRequest MsgBoxRequestID="${msgBoxResponse(listing).requestId}"/>`));
    expect([bare.status, bare.fault], bare.text).toEqual([200, undefined]);
    // the close closed the fetch iterator (XTA.wsdl close): its MsgBoxRequestID continues nothing any more
    const after = await box.post('msgbox', envelope(GET_NEXT_LIST, `<osci:MsgBoxGetNextRequest MsgBoxRequestID="${msgBoxResponse(listing).requestId}"/>`));
    expect(msgBoxResponse(after).reason).toBe(`${REASONS}RequestIdInvalid`);
    expect((await box.statusList(100)).ids).toEqual(ids.slice(1));
    for (const id of ids) expect((await box.close(id)).fault).toBeUndefined();
    expect((await box.statusList(100)).ids).toEqual([]);
    const empty = await box.post('msgbox', envelope(ACTIONS.getMessage, '<osci:MsgBoxFetchRequest/>'));
    expect(empty.fault).toBe('9070');
  });
});
