import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, WeicheError } from '@weiche/core';
import { DEFAULT_XTA_LIMITS, parseEmptyResponse, xtaError, type XtaClientRequest } from '@weiche/xta';
import { closeLocal, listenLocal } from '../../fit-connect/upstream/test-server.js';
import { xtaFailureKind } from './failure-kind.js';
import { XtaSoapHttpClient } from './soap-http-client.js';

const REQUEST: XtaClientRequest = { operation: 'checkAccountActive', contentType: 'application/soap+xml; charset=utf-8', body: Buffer.from('<Envelope/>') };
/** A port nothing listens on (discard, 9/tcp; test/support's REFUSED_PORT): connections to it are refused. */
const REFUSED = 'http://127.0.0.1:9/msgbox';

/** What the client makes of `answer` (status, content type, body) from an intermediary. */
async function failureOf(answer: { status: number; type: string; body: string }): Promise<unknown> {
  server = createServer((_req, res) => void res.writeHead(answer.status, { 'content-type': answer.type }).end(answer.body));
  const url = await listenLocal(server);
  const client = new XtaSoapHttpClient({ id: 'box', auth: { token: 't' } }, 1_000_000, 5000);
  try {
    parseEmptyResponse(await client.post(url, REQUEST), DEFAULT_XTA_LIMITS);
    return undefined;
  } catch (error) {
    return error;
  } finally {
    client.close();
  }
}
let server: Server | undefined;

// weiche_upstream_failures_total{kind}: what an operator needs to tell apart, from the errors the client really throws
describe('xtaFailureKind', () => {
  afterEach(async () => {
    await closeLocal(server);
    server = undefined;
  });

  it('no connection is `connection`', async () => {
    const client = new XtaSoapHttpClient({ id: 'box', auth: { token: 't' } }, 1_000_000, 5000);
    const error = await client.post(REFUSED, REQUEST).catch((e: unknown) => e);
    client.close();
    expect(xtaFailureKind(error)).toBe('connection');
  });

  it("a proxy's 401 or 403 page is `auth`, its 502 page `upstream-error`, a 200 that is no SOAP `invalid-answer`", async () => {
    expect(xtaFailureKind(await failureOf({ status: 401, type: 'text/html', body: '<html>Anmeldung</html>' }))).toBe('auth');
    expect(xtaFailureKind(await failureOf({ status: 403, type: 'text/plain', body: 'forbidden' }))).toBe('auth');
    expect(xtaFailureKind(await failureOf({ status: 502, type: 'text/html', body: '<html>Bad Gateway</html>' }))).toBe('upstream-error');
    expect(xtaFailureKind(await failureOf({ status: 200, type: 'text/html', body: '<html>Wartung</html>' }))).toBe('invalid-answer');
  });

  it('an XTA fault: PermissionDenied is `auth`, a technical problem `upstream-error`; over the limits `too-large`; else `other`', () => {
    expect(xtaFailureKind(xtaError('ACCOUNT_UNKNOWN'))).toBe('auth');
    expect(xtaFailureKind(xtaError('INTERNAL_ERROR'))).toBe('upstream-error');
    expect(xtaFailureKind(new WeicheError(ErrorCode.PAYLOAD_TOO_LARGE, 'getMessage: answer exceeds 10 bytes'))).toBe('too-large');
    expect(xtaFailureKind(new Error('connection terminated unexpectedly'))).toBe('other');
  });
});
