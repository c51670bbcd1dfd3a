import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { DeliveredItem } from '@weiche/adapter-sdk/conformance';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER } from './sign.js';

/** How the test endpoint answers deliveries (and HEAD) right now. */
export type EndpointBehaviour = 'ok' | 'transient' | 'permanent';

export interface StoredDelivery extends DeliveredItem {
  readonly key: string;
  readonly contentType: string;
  /** The body, kept only when small (multipart tests parse it). */
  readonly body?: Buffer;
  readonly answer: { readonly status: number; readonly id: string };
}

/** A real HTTP(S) endpoint for tests: verifies signatures, stores once per Idempotency-Key, can be told to fail. */
export interface TestEndpoint {
  readonly url: string;
  readonly stored: StoredDelivery[];
  /** Requests that failed the signature check. */
  readonly badSignatures: number;
  behaviour: EndpointBehaviour;
  /** Answers the next n POSTs with this status (and optional Retry-After) before `behaviour` applies again. */
  failNext(n: number, status: number, retryAfter?: string): void;
  close(): Promise<void>;
}

const KEEP_BODY_LIMIT = 1024 * 1024;

function filenameOf(disposition: string | undefined): string {
  const star = /filename\*=UTF-8''([^;]+)/i.exec(disposition ?? '');
  if (star?.[1] !== undefined) return decodeURIComponent(star[1]);
  return /filename="([^"]*)"/.exec(disposition ?? '')?.[1] ?? '';
}

/** Starts the endpoint on a loopback port (https when `tls` is given). */
export async function startTestEndpoint(options: {
  secret: string;
  tls?: { key: string; cert: string; ca?: string; requestCert?: boolean };
}): Promise<TestEndpoint> {
  const stored: StoredDelivery[] = [];
  const failures: Array<{ status: number; retryAfter?: string }> = [];
  let badSignatures = 0;
  let serial = 0;

  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const failing = (): { status: number; retryAfter?: string } | undefined => {
      if (endpoint.behaviour === 'transient') return { status: 503, retryAfter: '2' };
      if (endpoint.behaviour === 'permanent') return { status: 403 };
      return undefined;
    };
    if (req.method === 'HEAD') {
      res.writeHead(failing()?.status ?? 200).end();
      return;
    }
    const failure = failures.shift() ?? failing();
    const timestamp = String(req.headers[TIMESTAMP_HEADER] ?? '');
    const hmac = createHmac('sha256', options.secret).update(`${timestamp}.`);
    const sha = createHash('sha256');
    const kept: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      hmac.update(chunk);
      sha.update(chunk);
      size += chunk.length;
      if (size <= KEEP_BODY_LIMIT) kept.push(chunk);
    });
    req.on('end', () => {
      // the body is read before failing, as real endpoints do, so the client sees the answer
      if (failure) {
        res.writeHead(failure.status, failure.retryAfter === undefined ? {} : { 'retry-after': failure.retryAfter }).end();
        return;
      }
      const expected = Buffer.from(`sha256=${hmac.digest('hex')}`);
      const given = Buffer.from(String(req.headers[SIGNATURE_HEADER] ?? ''));
      const fresh = Math.abs(Date.now() / 1000 - Number(timestamp)) < 300;
      if (!fresh || given.length !== expected.length || !timingSafeEqual(given, expected)) {
        badSignatures++;
        res.writeHead(401).end();
        return;
      }
      const key = String(req.headers['idempotency-key'] ?? '');
      const first = stored.find((s) => s.key === key);
      // a repeat gets the first answer and stores nothing (Idempotency-Key draft §2.6)
      const answer = first?.answer ?? { status: 201, id: `d-${++serial}` };
      if (!first) {
        stored.push({
          key,
          name: filenameOf(req.headers['content-disposition']) || `multipart-${serial}`,
          size,
          sha256: sha.digest('hex'),
          contentType: String(req.headers['content-type'] ?? ''),
          ...(size <= KEEP_BODY_LIMIT ? { body: Buffer.concat(kept) } : {}),
          answer,
        });
      }
      res.writeHead(answer.status, { 'content-type': 'application/json', 'x-receipt-id': answer.id }).end(JSON.stringify({ id: answer.id }));
    });
  };

  const server = options.tls
    ? https.createServer({ key: options.tls.key, cert: options.tls.cert, ...(options.tls.ca ? { ca: options.tls.ca } : {}), requestCert: options.tls.requestCert ?? false, rejectUnauthorized: options.tls.requestCert ?? false }, handler)
    : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const endpoint: TestEndpoint = {
    url: `${options.tls ? 'https' : 'http'}://${options.tls ? 'localhost' : '127.0.0.1'}:${port}/deliveries`,
    stored,
    get badSignatures() {
      return badSignatures;
    },
    behaviour: 'ok',
    failNext: (n, status, retryAfter) => {
      for (let i = 0; i < n; i++) failures.push(retryAfter === undefined ? { status } : { status, retryAfter });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return endpoint;
}
