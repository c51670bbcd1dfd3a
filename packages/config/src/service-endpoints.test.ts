import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './load.js';
import { serviceEndpoints } from './service-endpoints.js';

function configFile(yaml: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'endpoints-')), 'weiche.yaml');
  writeFileSync(file, yaml);
  return file;
}

describe('serviceEndpoints', () => {
  it('takes redis and database from the config file', () => {
    const file = configFile('redis: { url: "redis://cache.intern:6380", prefix: amt }\ndatabase: { url: "postgres://hub@db.intern:5433/weiche" }\ntenants: []\n');
    const endpoints = serviceEndpoints(file, {});
    expect(endpoints.redis).toMatchObject({ url: 'redis://cache.intern:6380', prefix: 'amt' });
    expect(endpoints.database.url).toBe('postgres://hub@db.intern:5433/weiche');
  });

  it('lets REDIS_URL and DATABASE_URL override the file, as the hub does', () => {
    const file = configFile('redis: { url: "redis://cache.intern:6380" }\ndatabase: { url: "postgres://hub@db.intern:5433/weiche" }\n');
    const endpoints = serviceEndpoints(file, { REDIS_URL: 'redis://127.0.0.1:7000', DATABASE_URL: 'postgres://x@127.0.0.1:7001/y', PORT: '9999', WEICHE_DATA_DIR: '/tmp/x' });
    expect(endpoints.redis.url).toBe('redis://127.0.0.1:7000');
    expect(endpoints.database.url).toBe('postgres://x@127.0.0.1:7001/y');
  });

  it('gives the ports the hub listens on, PORT and WEICHE_HEALTH_PORT over the file', () => {
    const file = configFile('server: { port: 9000, healthPort: 9001 }\n');
    expect(serviceEndpoints(file, {}).server).toMatchObject({ port: 9000, healthPort: 9001 });
    expect(serviceEndpoints(file, { PORT: '7000', WEICHE_HEALTH_PORT: '7001' }).server).toMatchObject({ port: 7000, healthPort: 7001 });
    expect(serviceEndpoints(undefined, {}).server).toMatchObject({ port: 8080 });
  });

  it('has the hub defaults without a file, and keeps sentinel and cluster nodes', () => {
    expect(serviceEndpoints(undefined, {})).toMatchObject({ redis: { url: 'redis://127.0.0.1:6379' }, database: { url: 'postgres://postgres@127.0.0.1:5432/postgres' } });
    const file = configFile('redis: { url: "redis://:pw@ignored:6379/0", sentinel: { name: mymaster, nodes: ["s1:26379", "s2:26379"] } }\n');
    expect(serviceEndpoints(file, {}).redis.sentinel?.nodes).toEqual(['s1:26379', 's2:26379']);
  });

  it('does not look at the rest of the file, and names a broken one', () => {
    expect(serviceEndpoints(configFile('tenants: "not even a list"\nredis: { url: "redis://r:1" }\n'), {}).redis.url).toBe('redis://r:1');
    expect(() => serviceEndpoints(configFile('redis: [1, 2'), {})).toThrow(ConfigError);
    expect(() => serviceEndpoints(configFile('redis: { url: 5 }'), {})).toThrow(/redis\.url/);
  });
});
