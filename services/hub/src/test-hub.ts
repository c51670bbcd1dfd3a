import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import pino from 'pino';
import { resolveConfig, type WeicheConfigInput } from '@weiche/config';
import { createHubDeps, type HubDeps } from './context.js';
import { buildApp } from './gateway/app.js';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A hub's dependencies and HTTP app (no workers) on the real Redis and PostgreSQL, for tests. */
export interface TestHub {
  readonly deps: HubDeps;
  readonly app: FastifyInstance;
  /** A fresh folder for the test's files. */
  readonly dir: string;
  close(): Promise<void>;
}

/** The config of a test hub apart from what startTestHub gives each test (server, Redis, database, data folder). */
export type TestHubConfigParts = Omit<WeicheConfigInput, 'server' | 'redis' | 'database' | 'dataDir'>;
type DestinationInput = NonNullable<TestHubConfigParts['destinations']>[number];
type SenderClientInput = NonNullable<TestHubConfigParts['senderClients']>[number];

export const TEST_SERVICE = 'urn:de:fim:leika:leistung:99010003001006';

/** A service taking one JSON schema, the Baugenehmigung unless named otherwise. */
export function testService(identifier = TEST_SERVICE, name = 'Baugenehmigung'): { identifier: string; name: string; submissionSchemas: Array<{ schemaUri: string; mimeType: 'application/json' }> } {
  return { identifier, name, submissionSchemas: [{ schemaUri: 'urn:test:schema:1.0', mimeType: 'application/json' }] };
}

/** A destination of tenant stadt-a whose key pair is generated in `dir` (named by the id), offering `services`. */
export function testDestination(dir: string, id: string, services: DestinationInput['services'] = [testService()]): DestinationInput {
  return { id, tenant: 'stadt-a', keys: { privateKeyFile: join(dir, `${id}.key.pem`), certificateFile: join(dir, `${id}.cert.pem`), generate: true }, services };
}

/**
 * The small hub most gateway tests need: tenant stadt-a with `destinations`, the sender clients that may send to
 * them, and every submission routed to a dms-folder adapter `dms` writing to `dir/out`.
 */
export function smallHubConfig(dir: string, parts: { destinations: DestinationInput[]; senderClients: SenderClientInput[] }): TestHubConfigParts {
  return {
    tenants: [{ id: 'stadt-a', name: 'Stadt A', behoerdenkennung: 'ags:00000001' }],
    ...parts,
    adapters: [{ id: 'dms', kind: 'dms-folder', config: { path: join(dir, 'out') } }],
    routes: [{ id: 'r', tenant: 'stadt-a', service: '*', target: 'xdomea-3.1.0:0401', adapter: 'dms' }],
  };
}

/**
 * Builds the hub for a test from the config parts it cares about: its own database schema, queue
 * prefix and data folder, so test files never see each other; close() drops the schema.
 */
export async function startTestHub(config: (dir: string) => TestHubConfigParts): Promise<TestHub> {
  const dir = await mkdtemp(join(tmpdir(), 'weiche-test-hub-'));
  const schema = `t_${randomBytes(5).toString('hex')}`;
  const resolved = resolveConfig(
    {
      server: { host: '127.0.0.1', port: 0 },
      redis: { url: REDIS_URL, prefix: `wt_${randomBytes(5).toString('hex')}` },
      database: { url: DATABASE_URL, schema },
      dataDir: join(dir, 'data'),
      ...config(dir),
    },
    { env: {} },
  );
  const deps = await createHubDeps(resolved, pino({ level: 'silent' }));
  const app = await buildApp(deps);
  return {
    deps,
    app,
    dir,
    async close() {
      await app.close();
      await deps.close();
      const client = new pg.Client({ connectionString: DATABASE_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    },
  };
}

/** A sender client's credentials, as configured in `senderClients`. */
export interface TestSenderClient {
  readonly id: string;
  readonly secret: string;
}

/** `Bearer <token>` for a sender client, from the hub's own token endpoint. */
export async function senderBearer(app: FastifyInstance, client: TestSenderClient): Promise<string> {
  const response = await app.inject({
    method: 'POST',
    url: '/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ grant_type: 'client_credentials', client_id: client.id, client_secret: client.secret }).toString(),
  });
  return `Bearer ${(response.json() as { access_token: string }).access_token}`;
}

/**
 * A FIT-Connect submission created (to `destinationId`, TEST_SERVICE) with one attachment uploaded, left open (CREATED):
 * its attachments row names the blob `sha256(attachment)`.
 */
export async function createWithUpload(app: FastifyInstance, authorization: string, destinationId: string, attachment: string): Promise<{ submissionId: string; attachmentKey: string }> {
  const attachmentId = randomUUID();
  const created = await app.inject({
    method: 'POST',
    url: '/v1/submissions',
    headers: { authorization, 'content-type': 'application/json' },
    payload: { destinationId, serviceType: { identifier: TEST_SERVICE, name: 'Bau' }, announcedAttachments: [attachmentId] },
  });
  const { submissionId } = created.json() as { submissionId: string };
  const upload = await app.inject({ method: 'PUT', url: `/v1/submissions/${submissionId}/attachments/${attachmentId}`, headers: { authorization, 'content-type': 'application/jose' }, payload: attachment });
  if (upload.statusCode !== 204) throw new Error(`upload answered ${upload.statusCode}: ${upload.body}`);
  return { submissionId, attachmentKey: createHash('sha256').update(attachment, 'utf8').digest('hex') };
}
