/**
 * A FIT-Connect callback receiver as a sender's online service runs it (Submission API 1.1.3,
 * components.callbacks.NewEvents), written from the specification with node:crypto only: a real HTTPS
 * server whose certificate comes from a test CA (made with openssl), that checks each callback's
 * `callback-authentication` (hex HMAC-SHA512 over "<timestamp>.<body>") and `callback-timestamp`
 * (epoch seconds, refused when older than 5 minutes) and records what arrived.
 */
import { execFile } from 'node:child_process';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { listenOnLoopback } from './server-on-port.js';

const run = promisify(execFile);

export interface TestCa {
  /** PEM file of the CA certificate: what NODE_EXTRA_CA_CERTS names. */
  readonly caFile: string;
  /** Key and certificate of a server certificate for localhost / 127.0.0.1 issued by the CA. */
  readonly key: string;
  readonly cert: string;
}

/** A test CA and a server certificate it issued (subjectAltName localhost and 127.0.0.1). */
export async function makeTestCa(dir: string, name = 'ca'): Promise<TestCa> {
  const p = (file: string): string => join(dir, `${name}-${file}`);
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', p('ca.key'), '-out', p('ca.pem'), '-days', '2', '-subj', `/CN=Weiche test CA ${name}`]);
  await run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', p('server.key'), '-out', p('server.csr'), '-subj', '/CN=localhost']);
  await writeFile(p('ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n');
  await run('openssl', ['x509', '-req', '-in', p('server.csr'), '-CA', p('ca.pem'), '-CAkey', p('ca.key'), '-CAcreateserial', '-out', p('server.pem'), '-days', '2', '-extfile', p('ext.cnf')]);
  return { caFile: p('ca.pem'), key: await readFile(p('server.key'), 'utf8'), cert: await readFile(p('server.pem'), 'utf8') };
}

export interface ReceivedCallback {
  readonly body: string;
  readonly timestamp: number;
  readonly receivedAt: number;
  /** HMAC valid for the secret and timestamp not older than 5 minutes (nor more than 5 minutes ahead). */
  readonly valid: boolean;
}

export class CallbackReceiver {
  readonly received: ReceivedCallback[] = [];
  /** TCP connections accepted, whether or not a callback (or even a TLS handshake) followed: was it reached at all? */
  connections = 0;
  private server: Server | undefined;
  /** The port it listens on. Without one given, the kernel picks it at start() (race-free); a receiver that must be
   *  down first and come up later at a known url gets one from freePort() — and start() rejects with PortInUseError
   *  when a test file beside took it meanwhile (its url is already out, it cannot move). */
  port: number;

  constructor(
    private readonly tls: { key: string; cert: string },
    private readonly secret: string,
    port = 0,
  ) {
    this.port = port;
  }

  get url(): string {
    return `https://127.0.0.1:${this.port}/callbacks/weiche`;
  }

  async start(): Promise<void> {
    const server = createServer({ key: this.tls.key, cert: this.tls.cert }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const auth = String(req.headers['callback-authentication'] ?? '');
        const timestamp = Number(req.headers['callback-timestamp']);
        const expected = createHmac('sha512', this.secret).update(`${req.headers['callback-timestamp']}.${body}`).digest('hex');
        const now = Date.now();
        const fresh = Number.isInteger(timestamp) && Math.abs(now / 1000 - timestamp) <= 300;
        const macOk = auth.length === expected.length && timingSafeEqual(Buffer.from(auth), Buffer.from(expected));
        this.received.push({ body, timestamp, receivedAt: now, valid: fresh && macOk });
        res.statusCode = fresh && macOk ? 200 : 401;
        res.end();
      });
    });
    server.on('connection', () => {
      this.connections += 1;
    });
    this.port = await listenOnLoopback(server, this.port, 'callback receiver');
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
