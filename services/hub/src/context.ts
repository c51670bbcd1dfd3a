import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type pg from 'pg';
import type { Adapter, AdapterFactory } from '@weiche/adapter-sdk';
import { dmsFolderAdapter } from '@weiche/adapter-dms-folder';
import { httpAdapter } from '@weiche/adapter-http';
import { sftpAdapter } from '@weiche/adapter-sftp';
import { XTA_MSGBOX_CONTEXT_KEY, xtaMsgBoxAdapter } from '@weiche/adapter-xta-msgbox';
import { FsBlobStore, TenantKeyring, type WriteOnceFiles } from '@weiche/blobstore';
import type { WeicheConfig } from '@weiche/config';
import { ErrorCode, WeicheError } from '@weiche/core';
import type { EvidenceKeyring, JwtSigner } from '@weiche/crypto';
import { createMetadataValidator } from '@weiche/fit-connect';
import { createPool, Journal, migrate } from '@weiche/journal';
import { bauantragXbau } from '@weiche/mapping-bauantrag-xbau';
import { genericXdomea, genericXdomea0605 } from '@weiche/mapping-generic-xdomea';
import { xbauPassthrough } from '@weiche/mapping-xbau-passthrough';
import { xbauToXdomea } from '@weiche/mapping-xbau-to-xdomea';
import { MappingRegistry, type MappingModule } from '@weiche/mapping-sdk';
import { HubQueues, type RetryPolicy } from '@weiche/queue';
import { resolveSchemaCacheDir, XsdValidator } from '@weiche/xoev';
import { prepareAuditEvidence } from './audit-evidence.js';
import { loadDestinations, type LoadedDestination } from './destinations.js';
import { loadMasterKey, loadSigner } from './hub-keys.js';
import { HUB_PRODUCT } from './version.js';
import { HubMessageBox, lateBoundMessageBox } from './xta/message-box.js';
import { createXtaRuntime, type XtaRuntime } from './xta/xta-runtime.js';

/** Mapping modules this hub knows; onboarding a service is one module package plus a line here and a route. */
export const MAPPING_MODULES: readonly MappingModule<unknown>[] = [genericXdomea, genericXdomea0605, bauantragXbau, xbauPassthrough, xbauToXdomea];

/** Adapter kinds this hub can instantiate; a new kind is one line here plus its package. */
export const ADAPTER_KINDS: ReadonlyMap<string, AdapterFactory<unknown>> = new Map<string, AdapterFactory<unknown>>([
  [dmsFolderAdapter.kind, dmsFolderAdapter as AdapterFactory<unknown>],
  [httpAdapter.kind, httpAdapter as AdapterFactory<unknown>],
  [sftpAdapter.kind, sftpAdapter as AdapterFactory<unknown>],
  [xtaMsgBoxAdapter.kind, xtaMsgBoxAdapter as AdapterFactory<unknown>],
]);

type StandardId = 'xdomea-3.1.0' | 'xbau-2.6';

/** Everything the stages share, built once per process from the config and passed in (no singletons). */
export interface HubDeps {
  readonly config: WeicheConfig;
  readonly log: Logger;
  readonly pool: pg.Pool;
  readonly journal: Journal;
  readonly blobs: FsBlobStore;
  readonly keyring: TenantKeyring;
  readonly redis: Redis;
  readonly queues: HubQueues;
  readonly signer: JwtSigner;
  /** Evidence keys (MAC of every audit record, checkpoint signatures) and the append-only checkpoint log. */
  readonly evidence: EvidenceKeyring;
  readonly auditLog: WriteOnceFiles;
  readonly destinations: ReadonlyMap<string, LoadedDestination>;
  readonly metadata: ReturnType<typeof createMetadataValidator>;
  readonly registry: MappingRegistry;
  readonly adapters: ReadonlyMap<string, Adapter>;
  readonly hub: { readonly product: string; readonly version: string };
  /** Issuer of tokens and events: the public base URL. */
  readonly issuer: string;
  /** XTA 2 ports and opening, when the config has an `xta` section. */
  readonly xta?: XtaRuntime;
  /** The XTA message box (with `xta`). */
  readonly messageBox?: HubMessageBox;
  xsd(standardId: StandardId): Promise<XsdValidator>;
  close(): Promise<void>;
}

function createAdapters(config: WeicheConfig, kinds: ReadonlyMap<string, AdapterFactory<unknown>>, context: Readonly<Record<string, unknown>>): Map<string, Adapter> {
  const adapters = new Map<string, Adapter>();
  const problems: string[] = [];
  config.adapters.forEach((instance, i) => {
    const factory = kinds.get(instance.kind);
    if (!factory) {
      problems.push(`adapters.${i}.kind: unknown adapter kind "${instance.kind}" (known: ${[...kinds.keys()].join(', ')})`);
      return;
    }
    const parsed = factory.configSchema.safeParse(instance.config);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) problems.push(`adapters.${i}.config.${issue.path.join('.')}: ${issue.message}`);
      return;
    }
    adapters.set(instance.id, factory.create({ instanceId: instance.id, config: parsed.data, context }));
  });
  if (problems.length > 0) throw new WeicheError(ErrorCode.CONFIG_INVALID, `configuration invalid:\n  - ${problems.join('\n  - ')}`);
  return adapters;
}

/** Connects to PostgreSQL and Redis, migrates, loads keys, and builds the shared dependencies. */
export async function createHubDeps(config: WeicheConfig, log: Logger, options: { adapterKinds?: readonly AdapterFactory<unknown>[] } = {}): Promise<HubDeps> {
  const kinds = new Map(ADAPTER_KINDS);
  for (const kind of options.adapterKinds ?? []) kinds.set(kind.kind, kind);
  const box = lateBoundMessageBox();
  const adapters = createAdapters(config, kinds, { [XTA_MSGBOX_CONTEXT_KEY]: box.sink });
  const registry = new MappingRegistry();
  for (const module of MAPPING_MODULES) registry.register(module);

  const pool = createPool(config.database.url);
  try {
    await migrate(pool, config.database.schema);
  } catch (error) {
    await pool.end();
    throw new WeicheError(ErrorCode.STORAGE_UNAVAILABLE, `PostgreSQL at ${redactUrl(config.database.url)} is not usable: ${(error as Error).message}`, { cause: error });
  }
  const journal = new Journal({ pool, schema: config.database.schema });
  const { evidence, auditLog } = await prepareAuditEvidence(config, pool).catch(async (error: unknown) => {
    await pool.end();
    throw error;
  });
  const redis = new Redis(config.redis.url, { maxRetriesPerRequest: null, lazyConnect: false });
  redis.on('error', (error: Error) => log.warn({ err: error.message }, 'redis connection problem'));
  const retry = new Map<string, RetryPolicy>(config.adapters.map((a) => [a.id, a.retry]));
  const queues = new HubQueues(redis, config.redis.prefix, retry);

  const [signer, masterKey, destinations] = await Promise.all([
    loadSigner(config.dataDir),
    loadMasterKey(config.dataDir, config.masterKey),
    loadDestinations(config.destinations),
  ]);
  const schemaCache = resolveSchemaCacheDir();
  const validators = new Map<StandardId, Promise<XsdValidator>>();
  const publicBaseUrl = config.server.publicBaseUrl ?? `http://localhost:${config.server.port}`;
  const blobs = new FsBlobStore({ root: join(config.dataDir, 'blobs') });
  const keyring = new TenantKeyring({ dir: join(config.dataDir, 'keys', 'tenants'), masterKey });
  let xta: XtaRuntime | undefined;
  let messageBox: HubMessageBox | undefined;
  if (config.xta) {
    try {
      xta = await createXtaRuntime(config.xta, pool, config.database.schema);
    } catch (error) {
      await queues.close();
      redis.disconnect();
      await pool.end();
      throw error;
    }
    messageBox = new HubMessageBox({ config, journal, blobs, keyring }, xta);
    box.bind(messageBox);
  }

  return {
    config,
    log,
    pool,
    journal,
    blobs,
    keyring,
    ...(xta ? { xta } : {}),
    ...(messageBox ? { messageBox } : {}),
    redis,
    queues,
    signer,
    evidence,
    auditLog,
    destinations,
    metadata: createMetadataValidator({ schemaDir: join(schemaCache, 'fit-connect') }),
    registry,
    adapters,
    hub: HUB_PRODUCT,
    issuer: publicBaseUrl.replace(/\/$/, ''),
    xsd(standardId) {
      // parsed once per process, on first use
      let validator = validators.get(standardId);
      if (!validator) {
        validator = XsdValidator.load({ cacheDir: schemaCache, standardId });
        validators.set(standardId, validator);
      }
      return validator;
    },
    async close() {
      await queues.close();
      redis.disconnect();
      await pool.end();
      for (const validator of validators.values()) (await validator).close();
    },
  };
}

export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}
