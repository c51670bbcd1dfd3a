import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freePort, waitFor } from './env.js';
import { stopProcess } from './stop-process.js';

const run = promisify(execFile);

/** A private three-master Redis Cluster on free loopback ports (redis-server + redis-cli --cluster create). */
export class PrivateRedisCluster {
  private readonly children: ChildProcess[] = [];
  readonly nodes: string[] = [];

  async start(dir: string): Promise<this> {
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      const nodeDir = join(dir, `node-${i}`);
      await mkdir(nodeDir, { recursive: true });
      this.children.push(
        spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-config-file', join(nodeDir, 'nodes.conf'), '--save', '', '--appendonly', 'no', '--dir', nodeDir], { stdio: 'ignore' }),
      );
      this.nodes.push(`127.0.0.1:${port}`);
    }
    for (const node of this.nodes) {
      await waitFor(`redis node ${node}`, async () => {
        const [host, port] = node.split(':');
        const client = new Redis({ host, port: Number(port), lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
        client.on('error', () => undefined);
        try {
          await client.connect();
          return (await client.ping()) === 'PONG';
        } catch {
          return false;
        } finally {
          client.disconnect();
        }
      }, 10_000, 100);
    }
    await run('redis-cli', ['--cluster', 'create', ...this.nodes, '--cluster-replicas', '0', '--cluster-yes']);
    await waitFor('cluster state ok', async () => {
      const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', this.nodes[0]!.split(':')[1]!, 'cluster', 'info']);
      return stdout.includes('cluster_state:ok');
    }, 20_000, 200);
    return this;
  }

  /** Every key on every master (each master holds its own slots). */
  async keys(): Promise<string[]> {
    const all: string[] = [];
    for (const node of this.nodes) {
      const [host, port] = node.split(':');
      const client = new Redis({ host, port: Number(port) });
      try {
        all.push(...(await client.keys('*')));
      } finally {
        client.disconnect();
      }
    }
    return all;
  }

  async stop(): Promise<void> {
    await Promise.all(this.children.map((child) => stopProcess(child)));
  }
}
