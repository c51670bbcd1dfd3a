import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { closeLocal, listenLocal } from '../../fit-connect/upstream/test-server.js';
import type { XtaClientRequest } from '@weiche/xta';
import { XtaSoapHttpClient } from './soap-http-client.js';

const REQUEST: XtaClientRequest = { operation: 'getStatusList', contentType: 'application/soap+xml; charset=utf-8', body: Buffer.from('<Envelope/>') };
// Far from every pace below (20–50 ms between bytes, answers of 100 ms or 6 s): a test process held up by a busy
// machine for a few hundred ms must not turn a quick answer into a timeout (400 ms did, once in eight runs)
const TIMEOUT_MS = 1000;

/** An intermediary that answers 200 and then sends one byte every `gapMs`, `bytes` in all: never silent long enough for an idle timeout. */
function dripping(bytes: number, gapMs: number): Server {
  return createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/soap+xml' });
    let sent = 0;
    const next = (): void => {
      if (res.destroyed) return;
      res.write('x');
      if (++sent === bytes) return void res.end();
      setTimeout(next, gapMs);
    };
    next();
  });
}

describe('XtaSoapHttpClient on an intermediary that answers slowly', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await closeLocal(server);
    server = undefined;
  });

  it('gives up on an answer that trickles on past the request timeout (the poll, and its lock on the box, are not held)', async () => {
    // 120 bytes 50 ms apart: 6 s, far past the 1 s a call may take, yet never 1 s without a byte
    server = dripping(120, 50);
    const url = await listenLocal(server);
    const started = Date.now();
    await expect(new XtaSoapHttpClient({ id: 'box', auth: { token: 't' } }, 1_000_000, TIMEOUT_MS).post(url, REQUEST)).rejects.toMatchObject({ name: 'XtaResponseError' });
    // given up at the call's timeout, long before the answer's end
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it('takes an answer that arrives within the timeout', async () => {
    server = dripping(5, 20);
    const url = await listenLocal(server);
    const answer = await new XtaSoapHttpClient({ id: 'box', auth: { token: 't' } }, 1_000_000, TIMEOUT_MS).post(url, REQUEST);
    expect(answer).toMatchObject({ status: 200, body: Buffer.from('xxxxx') });
  });

  it('fails (to be retried) on an answer cut off before its declared length', async () => {
    server = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/soap+xml', 'content-length': '1000' });
      res.write('<Envelope>', () => req.socket.destroy());
    });
    const url = await listenLocal(server);
    await expect(new XtaSoapHttpClient({ id: 'box', auth: { token: 't' } }, 1_000_000, TIMEOUT_MS).post(url, REQUEST)).rejects.toMatchObject({ name: 'XtaResponseError' });
  });
});
