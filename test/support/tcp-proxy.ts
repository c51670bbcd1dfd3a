import { connect, createServer, type Server, type Socket } from 'node:net';
import { listenOnLoopback } from './server-on-port.js';

/**
 * A loopback TCP proxy in front of a real service, to simulate an outage: `cut()` drops every open
 * connection and refuses new ones (the client sees ECONNRESET / ECONNREFUSED), `restore()` listens again.
 */
export class TcpProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async start(port = 0): Promise<this> {
    const server = createServer((client) => {
      const upstream = connect({ host: this.targetHost, port: this.targetPort });
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    // restore() listens on the port it had, which another test file may have taken meanwhile: that is an error to
    // report (PortInUseError, code EADDRINUSE), not an unhandled 'error' event that ends the test worker
    this.port = await listenOnLoopback(server, port, 'TCP proxy');
    this.server = server;
    return this;
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async restore(): Promise<void> {
    if (!this.server) await this.start(this.port);
  }
}
