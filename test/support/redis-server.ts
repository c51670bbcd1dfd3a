import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { startOnFreePort, startOnPort, type ServerSpec } from './server-on-port.js';
import { stopProcess } from './stop-process.js';

/**
 * redis-server on a loopback port, nothing written to disk; `args` adds to the command line. Ready is its own "Ready to
 * accept connections" (every port it wants is bound then: client and cluster bus); a taken port gives "Could not create
 * server TCP listening socket 127.0.0.1:N: bind: Address already in use" and the exit.
 */
export function redisServerSpec(name: string, args: (port: number) => string[] | Promise<string[]>): ServerSpec {
  return {
    name,
    spawn: async (port) =>
      spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...(await args(port))], { stdio: ['ignore', 'pipe', 'pipe'] }),
    listening: () => /Ready to accept connections/,
    portInUse: /Address already in use/,
    timeoutMs: 10_000,
  };
}

/** A private redis-server on a free loopback port, so a test can flush or kill it without touching others. */
export class PrivateRedis {
  private child: ChildProcess | undefined;
  private args: string[] = [];
  private port = 0;
  url = '';

  /** Its Unix socket (`redis.sock` in `dir`), when started with `unixSocket`; it listens on the port as well. */
  socket = '';

  /**
   * `ports`: where the port comes from (default: a free one); for the test of the port race. `unixSocket`: listen on
   * `dir`/redis.sock too (mode 700); `password`: requirepass.
   */
  async start(dir: string, options: { ports?: () => Promise<number>; unixSocket?: boolean; password?: string } = {}): Promise<this> {
    if (options.unixSocket) this.socket = join(dir, 'redis.sock');
    const extra = [...(this.socket ? ['--unixsocket', this.socket, '--unixsocketperm', '700'] : []), ...(options.password ? ['--requirepass', options.password] : [])];
    this.args = ['--dir', dir, ...extra];
    const server = await startOnFreePort(redisServerSpec('redis-server', () => this.args), options);
    this.child = server.child;
    this.port = server.port;
    this.url = `redis://127.0.0.1:${server.port}`;
    return this;
  }

  /** Starts it again on the same port after stop(), as an operator restarts a Redis that went away (empty: no persistence). */
  async restart(): Promise<void> {
    const server = await startOnPort(redisServerSpec('redis-server', () => this.args), this.port);
    this.child = server.child;
  }

  async flushAll(): Promise<void> {
    const client = new Redis(this.url);
    try {
      await client.flushall();
    } finally {
      client.disconnect();
    }
  }

  async stop(): Promise<void> {
    await stopProcess(this.child);
  }
}
