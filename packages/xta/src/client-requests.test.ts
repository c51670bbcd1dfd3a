import { describe, expect, it } from 'vitest';
import { buildCheckAccountActiveRequest, buildCloseRequest, buildFetchRequest, buildStatusListRequest } from './client-requests.js';
import { parseEmptyResponse, parseFetchResponse, parseStatusListResponse, XtaResponseError } from './parse-soap-response.js';
import { DEFAULT_XTA_LIMITS, parseSoapRequest } from './parse-soap-request.js';
import { buildEmptyResponse, buildGetMessageResponse, buildStatusListResponse } from './responses.js';
import { buildFaultResponse } from './soap-fault.js';
import { ATTACHMENT_BYTES, META, MESSAGE_BYTES } from './test-fixtures.js';
import { isXtaFault, xtaError } from './xta-errors.js';

const caller = { author: { type: 'xoev', value: 'ags:05974028' }, to: 'https://rz.example/xta/v3/msgbox' };

// The hub as XTA client: what it sends must read as the WSDL's requests (here: through the hub's own
// server-side parser), and it must read every answer form an XTA server gives (inline, MTOM, faults).
describe('XTA client requests and responses', () => {
  it('asks getStatusList for the reader with ListForm MessageMetaData and the Author header', () => {
    const req = buildStatusListRequest(caller, 50);
    const parsed = parseSoapRequest(req.body, req.contentType);
    expect(parsed.operation).toBe('getStatusList');
    if (parsed.operation !== 'getStatusList') return;
    expect(parsed.payload).toMatchObject({ maxListItems: 50, listForm: 'MessageMetaData' });
    expect(parsed.header.author?.value).toBe('ags:05974028');
    expect(parsed.to).toBe(caller.to);
  });

  it('asks getMessage by MessageID and closes with LastMsgReceived under the box request id', () => {
    const fetch = parseSoapRequest(buildFetchRequest(caller, 'urn:de:xta:messageid:rz:1').body, 'application/soap+xml');
    expect(fetch.operation === 'getMessage' && fetch.payload.selector.messageIds).toEqual(['urn:de:xta:messageid:rz:1']);
    const close = parseSoapRequest(buildCloseRequest(caller, 'urn:uuid:box-1', ['urn:de:xta:messageid:rz:1']).body, 'application/soap+xml');
    expect(close.operation === 'close' && close.payload).toEqual({ msgBoxRequestId: 'urn:uuid:box-1', lastMsgReceived: ['urn:de:xta:messageid:rz:1'] });
    const check = parseSoapRequest(buildCheckAccountActiveRequest(caller).body, 'application/soap+xml');
    expect(check.operation).toBe('checkAccountActive');
  });

  it('reads a status list with MessageMetaData entries and the ItemsPending header, and an empty one', () => {
    const full = buildStatusListResponse({ operation: 'getStatusList' }, { msgBoxResponse: { requestId: 'urn:uuid:r1', itemsPending: 3 }, entries: { messageMetaData: [META] } });
    const list = parseStatusListResponse({ status: 200, contentType: full.contentType, body: full.body }, DEFAULT_XTA_LIMITS);
    expect(list.items).toEqual([{ messageId: META.messageId, messageMetaData: META }]);
    expect(list.msgBoxResponse).toEqual({ requestId: 'urn:uuid:r1', itemsPending: 3 });
    const empty = buildStatusListResponse({ operation: 'getStatusList' }, { msgBoxResponse: { requestId: 'urn:uuid:r2', noMessageAvailable: 'NoMatch' }, entries: { messageMetaData: [] } });
    const none = parseStatusListResponse({ status: 200, contentType: empty.contentType, body: empty.body }, DEFAULT_XTA_LIMITS);
    expect(none).toEqual({ items: [], msgBoxResponse: { requestId: 'urn:uuid:r2', noMessageAvailable: 'NoMatch' } });
  });

  for (const mtom of [false, true]) {
    it(`reads a getMessage answer ${mtom ? 'as MTOM' : 'inline'}`, () => {
      const container = { kind: 'plain' as const, message: { contentType: 'application/xml', data: MESSAGE_BYTES }, attachments: [{ contentType: 'application/pdf', data: ATTACHMENT_BYTES, filename: 'plan.pdf' }] };
      const res = buildGetMessageResponse({ operation: 'getMessage' }, { msgBoxResponse: { requestId: 'urn:uuid:r3', itemsPending: 0 }, messageMetaData: META, container, mtom });
      const fetched = parseFetchResponse({ status: 200, contentType: res.contentType, body: res.body }, DEFAULT_XTA_LIMITS);
      expect(fetched.mtom).toBe(mtom);
      expect(fetched.kind).toBe('message');
      expect(fetched.messageMetaData).toEqual(META);
      expect(fetched.kind === 'message' && fetched.container).toMatchObject({ kind: 'plain', message: { data: MESSAGE_BYTES }, attachments: [{ data: ATTACHMENT_BYTES, filename: 'plan.pdf' }] });
      expect(fetched.msgBoxResponse).toEqual({ requestId: 'urn:uuid:r3', itemsPending: 0 });
    });
  }

  it('reads content that breaks the profile as unreadable, with the MessageMetaData and the reason', () => {
    const res = buildGetMessageResponse({ operation: 'getMessage' }, { msgBoxResponse: { requestId: 'urn:uuid:r4', itemsPending: 0 }, messageMetaData: META, container: { kind: 'plain', message: { contentType: 'application/xml', data: MESSAGE_BYTES }, attachments: [] } });
    const broken = Buffer.from(res.body.toString('utf8').replace(MESSAGE_BYTES.toString('base64'), '!!not base64!!'));
    const fetched = parseFetchResponse({ status: 200, contentType: res.contentType, body: broken }, DEFAULT_XTA_LIMITS);
    expect(fetched.kind).toBe('unreadable');
    expect(fetched.kind === 'unreadable' && [fetched.problem.fehlernummer, fetched.messageMetaData?.messageId]).toEqual(['9052', META.messageId]);
  });

  it('turns a SOAP fault into the XtaFault it carries, and a non-SOAP answer into a retryable error', () => {
    const fault = buildFaultResponse(xtaError('UNKNOWN_MESSAGE_ID'), { operation: 'close' });
    let thrown: unknown;
    try {
      parseEmptyResponse({ status: fault.httpStatus, contentType: fault.contentType, body: fault.body }, DEFAULT_XTA_LIMITS);
    } catch (error) {
      thrown = error;
    }
    expect(isXtaFault(thrown) && [thrown.kind, thrown.fehlernummer]).toEqual(['InvalidMessageIDException', '9070']);
    expect(() => parseEmptyResponse({ status: 502, contentType: 'text/html', body: Buffer.from('<html>Bad Gateway</html>') }, DEFAULT_XTA_LIMITS)).toThrow(XtaResponseError);
    const ok = buildEmptyResponse({ operation: 'close' });
    expect(() => parseEmptyResponse({ status: 200, contentType: ok.contentType, body: ok.body }, DEFAULT_XTA_LIMITS)).not.toThrow();
  });
});
