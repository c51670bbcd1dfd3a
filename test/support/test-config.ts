import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { DATABASE_URL, REDIS_URL, uniqueName } from './env.js';

export const SERVICE = 'urn:de:fim:leika:leistung:99010003001006';

export interface TestHubConfig {
  readonly dir: string;
  readonly file: string;
  readonly raw: Record<string, unknown>;
  readonly schema: string;
  readonly prefix: string;
  readonly destinationId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly outbox: string;
}

/** Writes a complete hub config for one test: own DB schema, queue prefix, data dir and outbox. */
export async function writeTestConfig(dir: string, options: { port?: number; redisUrl?: string; overrides?: (raw: Record<string, unknown>) => void } = {}): Promise<TestHubConfig> {
  const schema = uniqueName('t');
  const prefix = uniqueName('wt');
  const destinationId = randomUUID();
  const clientId = 'test-portal';
  const clientSecret = randomBytes(16).toString('hex');
  const outbox = join(dir, 'outbox');
  await mkdir(join(dir, 'keys'), { recursive: true });
  const raw: Record<string, unknown> = {
    server: { host: '127.0.0.1', port: options.port ?? 0 },
    redis: { url: options.redisUrl ?? REDIS_URL(), prefix },
    database: { url: DATABASE_URL(), schema },
    dataDir: join(dir, 'data'),
    processing: { concurrency: 4, lockDurationMs: 3000, reconcileIntervalMs: 1000, reconcileAfterMs: 500 },
    tenants: [{ id: 'testhausen', name: 'Gemeinde Testhausen', ags: '05974028', behoerdenkennung: 'ags:05974028', organisationseinheit: 'Bauamt' }],
    destinations: [
      {
        id: destinationId,
        tenant: 'testhausen',
        keys: { privateKeyFile: join(dir, 'keys', 'dest.key.pem'), certificateFile: join(dir, 'keys', 'dest.cert.pem'), generate: true },
        services: [{ identifier: SERVICE, name: 'Baugenehmigung beantragen', submissionSchemas: [{ schemaUri: 'urn:test:schema:1.0', mimeType: 'application/json' }] }],
      },
    ],
    // callback receivers of tests listen on 127.0.0.1: allowed for the test portal as an operator allows an internal portal
    senderClients: [{ clientId, clientSecret, name: 'Testportal', behoerdenkennung: 'psw:testportal', destinations: [destinationId], callbackTargets: ['127.0.0.1/32'] }],
    adapters: [{ id: 'dms', kind: 'dms-folder', config: { path: outbox }, concurrency: 4, retry: { attempts: 4, backoffMs: 100, maxBackoffMs: 1000 } }],
    routes: [{ id: 'to-dms', tenant: 'testhausen', service: '*', target: 'xdomea-3.1.0:0401', adapter: 'dms' }],
  };
  options.overrides?.(raw);
  const file = join(dir, 'weiche.yaml');
  await writeFile(file, stringify(raw));
  return { dir, file, raw, schema, prefix, destinationId, clientId, clientSecret, outbox };
}

/** Writes the config again with the hub's HTTP port set to `port` (for startHubOnFreePort). */
export async function setServerPort(cfg: TestHubConfig, port: number): Promise<TestHubConfig> {
  (cfg.raw.server as { port: number }).port = port;
  await writeFile(cfg.file, stringify(cfg.raw));
  return cfg;
}

/**
 * Adds a tenant with its own FIT-Connect destination (key pair generated under `dir/keys`) offering
 * SERVICE, and lets the test portal send to it; returns the destination id. For `overrides`.
 */
export function addTenant(raw: Record<string, unknown>, dir: string, tenant: { id: string; name: string; behoerdenkennung: string }): string {
  const destinationId = randomUUID();
  (raw.tenants as unknown[]).push(tenant);
  (raw.destinations as unknown[]).push({
    id: destinationId,
    tenant: tenant.id,
    keys: { privateKeyFile: join(dir, 'keys', `${tenant.id}.key.pem`), certificateFile: join(dir, 'keys', `${tenant.id}.cert.pem`), generate: true },
    services: [{ identifier: SERVICE, name: 'Baugenehmigung beantragen', submissionSchemas: [{ schemaUri: 'urn:test:schema:1.0', mimeType: 'application/json' }] }],
  });
  ((raw.senderClients as Array<{ destinations: string[] }>)[0]?.destinations ?? []).push(destinationId);
  return destinationId;
}
