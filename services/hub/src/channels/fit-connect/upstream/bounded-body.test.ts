import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '@weiche/core';
import { readBounded } from './bounded-body.js';
import { closeLocal, listenLocal } from './test-server.js';

/** A server that answers with `total` bytes in 16 KiB chunks, without Content-Length (chunked), and notes whether it got them all out. */
async function chunkedServer(total: number): Promise<{ url: string; server: Server; sent: Promise<{ complete: boolean }> }> {
  let report!: (r: { complete: boolean }) => void;
  const sent = new Promise<{ complete: boolean }>((resolve) => (report = resolve));
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    let left = total;
    const pump = (): void => {
      while (left > 0 && !res.destroyed) {
        const n = Math.min(16 * 1024, left);
        left -= n;
        if (!res.write(Buffer.alloc(n, 0x20))) return void res.once('drain', pump);
      }
      if (!res.destroyed) res.end();
    };
    res.on('close', () => report({ complete: left === 0 && res.writableFinished }));
    pump();
  });
  return { url: `${await listenLocal(server)}/`, server, sent };
}

describe('readBounded', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await closeLocal(server);
    server = undefined;
  });

  it('reads a chunked body within the limit whole', async () => {
    const s = await chunkedServer(100_000);
    server = s.server;
    expect((await readBounded(await fetch(s.url), 100_000, 'test')).length).toBe(100_000);
  });

  it('stops a chunked body at the limit (413) and hangs up before the server has sent it all', async () => {
    const s = await chunkedServer(256 * 1024 * 1024);
    server = s.server;
    await expect(readBounded(await fetch(s.url), 100_000, 'test')).rejects.toMatchObject({ code: ErrorCode.PAYLOAD_TOO_LARGE });
    expect((await s.sent).complete).toBe(false);
  });
});
