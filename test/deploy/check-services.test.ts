import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { DATABASE_URL, REDIS_URL, REFUSED_PORT, tempDir } from '../support/env.js';
import { PrivateRedis } from '../support/redis-server.js';

const repo = join(import.meta.dirname, '..', '..');
const DOCKER = 'deploy/make-secrets.sh && docker compose -f deploy/docker-compose.yml up --build';

/** Runs the script with exactly these connection settings (none of the test run's own). */
async function checkServices(settings: Record<string, string>, args: string[] = []): Promise<{ code: number; stderr: string }> {
  const { REDIS_URL: _r, DATABASE_URL: _d, WEICHE_CONFIG: _c, ...rest } = process.env;
  return promisify(execFile)(process.execPath, [join(repo, 'scripts', 'check-services.mjs'), ...args], { env: { ...rest, ...settings } }).then(
    () => ({ code: 0, stderr: '' }),
    (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
  );
}

async function configFile(yaml: string): Promise<string> {
  const file = join(await tempDir('check-services'), 'weiche.yaml');
  await writeFile(file, yaml);
  return file;
}

// `npm start` and `npm test` run scripts/check-services.mjs first; the README promises they say what is missing and how to start it
describe('scripts/check-services.mjs', () => {
  it('names an unreachable Redis and PostgreSQL, how to start them, and the Docker command of the README; exit 1', async () => {
    expect(await readFile(join(repo, 'README.md'), 'utf8')).toContain(DOCKER);
    const failed = await checkServices({ REDIS_URL: `redis://127.0.0.1:${REFUSED_PORT}`, DATABASE_URL: `postgres://postgres@127.0.0.1:${REFUSED_PORT}/postgres` });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain(`Redis is not reachable at 127.0.0.1:${REFUSED_PORT}`);
    expect(failed.stderr).toContain(`PostgreSQL is not reachable at 127.0.0.1:${REFUSED_PORT}`);
    expect(failed.stderr).toContain(`redis-server --daemonize yes --port ${REFUSED_PORT}`);
    expect(failed.stderr).toContain('point REDIS_URL (set in the environment');
    expect(failed.stderr).toContain(DOCKER);
  });

  it('checks the Redis and PostgreSQL of the config file WEICHE_CONFIG names, as the hub uses them', async () => {
    const file = await configFile(`redis: { url: "redis://127.0.0.1:${REFUSED_PORT}" }\ndatabase: { url: "${DATABASE_URL()}" }\n`);
    const failed = await checkServices({ WEICHE_CONFIG: file });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain(`Redis is not reachable at 127.0.0.1:${REFUSED_PORT}`);
    expect(failed.stderr).toContain(`point redis.url in ${file} (or REDIS_URL, which overrides it)`);
    expect(failed.stderr).not.toContain('PostgreSQL is not reachable');
    // --config as the hub takes it, too
    expect((await checkServices({}, ['--config', file])).code).toBe(1);
  });

  it('lets REDIS_URL override the file, as the hub does, and passes when both answer', async () => {
    const file = await configFile(`redis: { url: "redis://127.0.0.1:${REFUSED_PORT}" }\ndatabase: { url: "${DATABASE_URL()}" }\n`);
    expect(await checkServices({ WEICHE_CONFIG: file, REDIS_URL: REDIS_URL() })).toEqual({ code: 0, stderr: '' });
  });

  it('checks the sentinels of a Sentinel config, not the placeholder host of its URL', async () => {
    const file = await configFile(`redis: { url: "redis://:pw@ignored:6379/0", sentinel: { name: mymaster, nodes: ["127.0.0.1:${REFUSED_PORT}"] } }\ndatabase: { url: "${DATABASE_URL()}" }\n`);
    const failed = await checkServices({ WEICHE_CONFIG: file });
    expect(failed.stderr).toContain(`Redis Sentinel "mymaster" (redis.sentinel.nodes) is not reachable at 127.0.0.1:${REFUSED_PORT}`);
    // REDIS_URL and redis.url do not name the sentinels: changing them would not help
    expect(failed.stderr).toContain(`point redis.sentinel.nodes in ${file} at running sentinels`);
    expect(failed.stderr).not.toMatch(/point (REDIS_URL|redis\.url)/);
    expect(failed.stderr).not.toContain('redis-server');
    expect(failed.stderr).not.toContain('ignored');
    expect(failed.stderr).not.toContain(':pw@');
  });

  it('reaches and names IPv6 literals in brackets, in REDIS_URL and in Sentinel nodes', async () => {
    // a TCP listener on ::1 answers as a running service would: the script checks reachability only
    const listener = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => listener.listen(0, '::1', resolve));
    const port = (listener.address() as AddressInfo).port;
    try {
      expect(await checkServices({ REDIS_URL: `redis://[::1]:${port}`, DATABASE_URL: DATABASE_URL() })).toEqual({ code: 0, stderr: '' });
      const sentinels = await configFile(`redis: { url: "redis://:pw@ignored:6379/0", sentinel: { name: mymaster, nodes: ["[::1]:${REFUSED_PORT}", "[::1]:${port}"] } }\ndatabase: { url: "${DATABASE_URL()}" }\n`);
      expect(await checkServices({ WEICHE_CONFIG: sentinels })).toEqual({ code: 0, stderr: '' });
    } finally {
      await new Promise((resolve) => listener.close(resolve));
    }
    const refused = await checkServices({ REDIS_URL: `redis://[::1]:${REFUSED_PORT}`, DATABASE_URL: DATABASE_URL() });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`Redis is not reachable at [::1]:${REFUSED_PORT}.`);
  });

  it('checks a Redis Unix socket (unix:// or redis+unix://) where the hub connects, naming the socket when it is not there', async () => {
    const redis = await new PrivateRedis().start(await tempDir('check-services-socket'), { unixSocket: true });
    try {
      for (const scheme of ['unix', 'redis+unix']) expect(await checkServices({ REDIS_URL: `${scheme}://${redis.socket}?db=2`, DATABASE_URL: DATABASE_URL() })).toEqual({ code: 0, stderr: '' });
    } finally {
      await redis.stop();
    }
    const missing = await checkServices({ REDIS_URL: `unix://${redis.socket}-gone?password=s3cret-pw`, DATABASE_URL: DATABASE_URL() });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`Redis is not reachable at ${redis.socket}-gone.`);
    expect(missing.stderr).toContain(`--unixsocket ${redis.socket}-gone`);
    expect(missing.stderr).not.toContain('s3cret-pw');
  });

  // a password with an unescaped / or : makes the URL unparseable: Node's TypeError printed it whole (input: '…')
  it('names a Redis or PostgreSQL URL that is no URL by its setting, never printing it (its password)', async () => {
    const redis = await checkServices({ REDIS_URL: 'redis://:s3cret-pw@127.0.0.1:notaport', DATABASE_URL: DATABASE_URL() });
    expect(redis.code).toBe(1);
    expect(redis.stderr).toContain('REDIS_URL (set in the environment');
    expect(redis.stderr).toContain('is not a valid URL');
    expect(redis.stderr).not.toContain('s3cret-pw');
    expect(redis.stderr).not.toContain('TypeError');
    const file = await configFile(`redis: { url: "${REDIS_URL()}" }\ndatabase: { url: "postgres://hub:pa/ss-s3cret@127.0.0.1:5432/weiche" }\n`);
    const database = await checkServices({ WEICHE_CONFIG: file });
    expect(database.code).toBe(1);
    expect(database.stderr).toContain(`database.url in ${file}`);
    expect(database.stderr).toContain('is not a valid URL');
    expect(database.stderr).not.toContain('s3cret');
    expect(database.stderr).not.toContain('TypeError');
  });

  // node-postgres takes a Unix socket directory in three spellings besides ?host=; the hub connects with any of them
  it('checks a PostgreSQL Unix socket however node-postgres accepts it, as the hub connects', async () => {
    const dir = await tempDir('check-services-socket');
    const server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(join(dir, '.s.PGSQL.5432'), resolve));
    try {
      for (const url of [`postgres://postgres@${encodeURIComponent(dir)}/postgres`, `postgres://postgres@/postgres?host=${dir}`, `socket:${dir}?db=postgres`]) {
        expect({ url, ...(await checkServices({ REDIS_URL: REDIS_URL(), DATABASE_URL: url })) }).toEqual({ url, code: 0, stderr: '' });
      }
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    const gone = await checkServices({ REDIS_URL: REDIS_URL(), DATABASE_URL: `postgres://postgres@${encodeURIComponent(dir)}/postgres` });
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain(`PostgreSQL is not reachable at ${dir}/.s.PGSQL.5432`);
  });

  it('says when the config file cannot be read, instead of blaming the services', async () => {
    const failed = await checkServices({ WEICHE_CONFIG: await configFile('redis: [1, 2') });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('cannot read where Redis and PostgreSQL are from');
  });
});
