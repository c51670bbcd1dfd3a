import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { signatureMatches } from '@weiche/adapter-http';
import { listenOnLoopback } from './server-on-port.js';

export type EndpointMode = 'ok' | 'error' | 'hang' | 'down';

/**
 * A Fachverfahren's HTTP import endpoint as a test peer: checks the HMAC signature, stores each
 * Idempotency-Key once (a repeat gets the first answer), and can be switched to answer 500, to hang
 * without answering, or to be down altogether (port closed → connection refused).
 */
export class FachverfahrenEndpoint {
  mode: EndpointMode = 'ok';
  /** Idempotency-Key → stored body size; what the far side really holds. */
  readonly stored = new Map<string, number>();
  /** Idempotency-Key → the stored body (tests keep packages small). */
  readonly bodies = new Map<string, Buffer>();
  requests = 0;
  badSignatures = 0;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly secret: string) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/import`;
  }

  async start(port = this.port): Promise<this> {
    const server = createServer((req, res) => void this.handle(req, res));
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    // back up after 'down' it listens on the port it had (the hub knows its URL): taken meanwhile, that is a PortInUseError
    this.port = await listenOnLoopback(server, port, 'Fachverfahren endpoint');
    this.server = server;
    this.mode = this.mode === 'down' ? 'ok' : this.mode;
    return this;
  }

  async setMode(mode: EndpointMode): Promise<void> {
    if (mode === 'down') {
      const server = this.server;
      this.server = undefined;
      for (const socket of this.sockets) socket.destroy();
      if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    } else if (!this.server) {
      this.mode = mode;
      await this.start(this.port);
    }
    this.mode = mode;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.requests += 1;
    if (req.method === 'HEAD') return void res.writeHead(this.mode === 'ok' ? 200 : 503).end();
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    if (this.mode === 'hang') return; // never answers; the adapter's timeout must fire
    if (this.mode === 'error') return void res.writeHead(500).end('unavailable');
    const timestamp = String(req.headers['x-weiche-timestamp'] ?? '');
    if (!signatureMatches(this.secret, timestamp, body, req.headers['x-weiche-signature'] as string | undefined)) {
      this.badSignatures += 1;
      return void res.writeHead(401).end('bad signature');
    }
    const key = String(req.headers['idempotency-key'] ?? '');
    if (!this.stored.has(key)) {
      this.stored.set(key, body.length);
      this.bodies.set(key, body);
    }
    res.writeHead(201, { 'content-type': 'application/json', 'x-receipt-id': `fv-${key}` }).end(JSON.stringify({ id: `fv-${key}` }));
  }

  async stop(): Promise<void> {
    await this.setMode('down');
  }
}
