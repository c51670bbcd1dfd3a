import { connect, createServer, type Server } from 'node:net';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { dropSchema, tempDir } from './env.js';
import { CallbackReceiver, makeTestCa } from './callback-receiver.js';
import { FachverfahrenEndpoint } from './fachverfahren-endpoint.js';
import { HubProcess, restartHubOnPort, startHubOnFreePort } from './hub-process.js';
import { PGBOUNCER_BINARY, PgBouncer } from './pgbouncer.js';
import { PrivateRedisCluster } from './redis-cluster.js';
import { PrivateRedis, redisServerSpec } from './redis-server.js';
import { freePort, PortInUseError, startOnPort } from './server-on-port.js';
import { PrivateSshd } from './sshd.js';
import { setServerPort, writeTestConfig } from './test-config.js';

// The race these helpers close: a port from freePort() is taken by a test file running beside before the server
// binds it. Here the port source hands out a taken port first, as the race would, and the server must end up on a
// port of its own — and be the one that answers there.

/** Hands out `taken` first (what the race does), then free ports; counts what it handed out. */
function takenFirst(taken: number): { ports: () => Promise<number>; handedOut: number[] } {
  const handedOut: number[] = [];
  return {
    handedOut,
    ports: async () => {
      const port = handedOut.length === 0 ? taken : await freePort();
      handedOut.push(port);
      return port;
    },
  };
}

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function occupiedPort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('no port');
  return address.port;
}

async function redisGet(url: string, key: string): Promise<string | null> {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    return await client.get(key);
  } finally {
    client.disconnect();
  }
}

describe('servers started on a port another test file took first', () => {
  it('redis-server: the taken port is reported as PortInUseError although a redis answers there', async () => {
    const dir = await tempDir('port-race');
    const other = await new PrivateRedis().start(dir);
    cleanups.push(() => other.stop());
    const port = Number(new URL(other.url).port);
    // probing the port (what readiness used to be) would succeed: the other file's redis answers PONG
    await expect(startOnPort(redisServerSpec('redis-server', () => ['--dir', dir]), port)).rejects.toBeInstanceOf(PortInUseError);
  });

  it('PrivateRedis starts again on a new port, and the redis at its url is its own', async () => {
    const dir = await tempDir('port-race');
    const other = await new PrivateRedis().start(dir);
    cleanups.push(() => other.stop());
    const client = new Redis(other.url);
    await client.set('owner', 'the other test file');
    client.disconnect();
    const source = takenFirst(Number(new URL(other.url).port));
    const mine = await new PrivateRedis().start(dir, { ports: source.ports });
    cleanups.push(() => mine.stop());
    expect(source.handedOut).toHaveLength(2);
    expect(mine.url).toBe(`redis://127.0.0.1:${source.handedOut[1]}`);
    expect(await redisGet(mine.url, 'owner')).toBeNull();
  });

  it('PgBouncer starts again on a new port', async () => {
    if (!PGBOUNCER_BINARY) return expect.fail('pgbouncer is not installed (apt-get install pgbouncer)');
    const source = takenFirst(await occupiedPort());
    const bouncer = await new PgBouncer().start(await tempDir('port-race'), { ports: source.ports });
    cleanups.push(() => bouncer.stop());
    expect(source.handedOut).toHaveLength(2);
    expect(new URL(bouncer.url).port).toBe(String(source.handedOut[1]));
    const client = new pg.Client({ connectionString: bouncer.url });
    await client.connect();
    try {
      expect((await client.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await client.end();
    }
  });

  it('sshd starts again on a new port; a restart on its port, taken while it was stopped, says so', async () => {
    const source = takenFirst(await occupiedPort());
    const sshd = await new PrivateSshd().start({ ports: source.ports });
    cleanups.push(() => sshd.remove());
    expect(source.handedOut).toHaveLength(2);
    expect(sshd.port).toBe(source.handedOut[1]);
    expect(await banner(sshd.port)).toMatch(/^SSH-2\.0-OpenSSH/);
    await sshd.stop();
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(sshd.port, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => squatter.close(resolve)));
    await expect(sshd.start()).rejects.toBeInstanceOf(PortInUseError);
  });

  it('a hub whose port is taken (EADDRINUSE) starts again on a new one', async () => {
    const cfg = await writeTestConfig(await tempDir('port-race'));
    cleanups.push(() => dropSchema(cfg.schema));
    const source = takenFirst(await occupiedPort());
    const { hub, port } = await startHubOnFreePort(async (p) => new HubProcess(['--config', (await setServerPort(cfg, p)).file, '--role', 'gateway']), 'weiche hub started', { ports: source.ports });
    cleanups.push(() => hub.stop());
    expect(port).toBe(source.handedOut[1]);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
  });

  it('a hub restarted on its own port, taken meanwhile, fails saying so (it cannot move: its URL is out)', async () => {
    const cfg = await writeTestConfig(await tempDir('port-race'));
    cleanups.push(() => dropSchema(cfg.schema));
    const port = await occupiedPort();
    let hub: HubProcess | undefined;
    cleanups.push(async () => hub?.stop());
    const restart = restartHubOnPort(async (p) => (hub = new HubProcess(['--config', (await setServerPort(cfg, p)).file, '--role', 'gateway'])), port);
    await expect(restart).rejects.toBeInstanceOf(PortInUseError);
    await expect(restart).rejects.toThrow(`hub could not listen on port ${port}, it is taken by another process`);
  });

  it('a callback receiver that must come up at a known URL, whose port was taken meanwhile, fails saying so', async () => {
    const port = await occupiedPort();
    const receiver = new CallbackReceiver(await makeTestCa(await tempDir('port-race')), 'secret', port);
    cleanups.push(() => receiver.stop());
    const start = receiver.start();
    await expect(start).rejects.toBeInstanceOf(PortInUseError);
    await expect(start).rejects.toThrow(`callback receiver could not listen on port ${port}, it is taken by another process`);
  });

  it('a Fachverfahren endpoint back up after down, its port taken meanwhile, fails saying so instead of ending the worker', async () => {
    const endpoint = await new FachverfahrenEndpoint('secret').start();
    cleanups.push(() => endpoint.setMode('down'));
    await endpoint.setMode('down');
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(endpoint.port, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => squatter.close(resolve)));
    await expect(endpoint.setMode('ok')).rejects.toThrow(`Fachverfahren endpoint could not listen on port ${endpoint.port}, it is taken by another process`);
  });

  it('a redis cluster node starts on a taken port and on one above 55535 (its bus port is given, not port + 10000)', async () => {
    const high = await freePortAbove(55_535);
    const taken = await occupiedPort();
    const handedOut: number[] = [];
    const ports = async (): Promise<number> => {
      const port = handedOut.length === 0 ? taken : handedOut.length === 1 ? high : await freePort();
      handedOut.push(port);
      return port;
    };
    const cluster = new PrivateRedisCluster();
    cleanups.push(() => cluster.stop());
    await cluster.start(await tempDir('port-race'), { ports });
    expect(cluster.nodes[0]).toBe(`127.0.0.1:${high}`);
  });
});

function banner(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setTimeout(5_000, () => socket.destroy(new Error('no banner')));
    socket.once('data', (data: Buffer) => {
      socket.destroy();
      resolve(data.toString('latin1'));
    });
    socket.once('error', reject);
  });
}

/** A port above `min` free at this moment (the kernel hands out ports from 32768 to 60999). */
async function freePortAbove(min: number): Promise<number> {
  for (let port = min + 1 + Math.floor(Math.random() * 1000); port < 61_000; port++) {
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error(`no free port above ${min}`);
}
