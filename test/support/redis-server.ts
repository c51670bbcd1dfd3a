import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { freePort, waitFor } from './env.js';
import { stopProcess } from './stop-process.js';

/** A private redis-server on a free loopback port, so a test can flush or kill it without touching others. */
export class PrivateRedis {
  private child: ChildProcess | undefined;
  private dir = '';
  private port = 0;
  url = '';

  async start(dir: string): Promise<this> {
    this.dir = dir;
    this.port = await freePort();
    this.url = `redis://127.0.0.1:${this.port}`;
    await this.spawnServer();
    return this;
  }

  /** Starts it again on the same port after stop(), as an operator restarts a Redis that went away (empty: no persistence). */
  async restart(): Promise<void> {
    await this.spawnServer();
  }

  private async spawnServer(): Promise<void> {
    const port = this.port;
    const dir = this.dir;
    this.child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
    await waitFor('private redis', async () => {
      const client = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      client.on('error', () => undefined);
      try {
        await client.connect();
        return (await client.ping()) === 'PONG';
      } finally {
        client.disconnect();
      }
    }, 10_000, 100);
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
