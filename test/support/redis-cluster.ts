import { execFile, type ChildProcess } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { waitFor } from './env.js';
import { redisServerSpec } from './redis-server.js';
import { freePort, startOnFreePort } from './server-on-port.js';
import { stopProcess } from './stop-process.js';

const run = promisify(execFile);

/** A private three-master Redis Cluster on free loopback ports (redis-server + redis-cli --cluster create). */
export class PrivateRedisCluster {
  private readonly children: ChildProcess[] = [];
  readonly nodes: string[] = [];

  /** `ports`: where the client ports come from (default: free ones); for the test of the port race. */
  async start(dir: string, options: { ports?: () => Promise<number> } = {}): Promise<this> {
    for (let i = 0; i < 3; i++) {
      const nodeDir = join(dir, `node-${i}`);
      await mkdir(nodeDir, { recursive: true });
      const server = await startOnFreePort(
        redisServerSpec(`redis cluster node ${i}`, async () => [
          // a node that gave up on a taken port may have written its config already
          ...(await rm(join(nodeDir, 'nodes.conf'), { force: true }).then(() => [])),
          '--cluster-enabled', 'yes',
          // the bus port is port + 10000 unless given: never checked for being free, and over 65535 for a port above 55535
          '--cluster-port', String(await freePort()),
          '--cluster-config-file', join(nodeDir, 'nodes.conf'),
          '--dir', nodeDir,
        ]),
        options,
      );
      this.children.push(server.child);
      this.nodes.push(`127.0.0.1:${server.port}`);
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
