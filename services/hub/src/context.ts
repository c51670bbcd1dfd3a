import { join } from 'node:path';
import type { Logger } from 'pino';
import type pg from 'pg';
import type { AdapterFactory, AdapterServices } from '@weiche/adapter-sdk';
import { dmsFolderAdapter } from '@weiche/adapter-dms-folder';
import { httpAdapter } from '@weiche/adapter-http';
import { sftpAdapter } from '@weiche/adapter-sftp';
import { xtaMsgBoxAdapter } from '@weiche/adapter-xta-msgbox';
import { FsBlobStore, TenantKeyring, type WriteOnceFiles } from '@weiche/blobstore';
import type { WeicheConfig } from '@weiche/config';
import { ErrorCode, WeicheError } from '@weiche/core';
import type { EvidenceKeyring, JwtSigner } from '@weiche/crypto';
import { createMetadataValidator } from '@weiche/fit-connect';
import { createPool, Journal } from '@weiche/journal';
import { bauantragXbau } from '@weiche/mapping-bauantrag-xbau';
import { genericXdomea, genericXdomea0605 } from '@weiche/mapping-generic-xdomea';
import { xbauPassthrough } from '@weiche/mapping-xbau-passthrough';
import { xbauToXdomea } from '@weiche/mapping-xbau-to-xdomea';
import { MappingRegistry, type MappingModule } from '@weiche/mapping-sdk';
import { createRedisConnection, HubQueues, type RedisConnection, type RetryPolicy } from '@weiche/queue';
import { resolveSchemaCacheDir, sharedXsdValidator } from '@weiche/xoev';
import { prepareAuditEvidence } from './audit-evidence.js';
import type { Channel } from './channels/channel.js';
import { loadDestinations } from './channels/fit-connect/destinations.js';
import { createFitConnectChannel } from './channels/fit-connect/index.js';
import { ChannelRegistry } from './channels/registry.js';
import { createXtaChannel, type XtaChannel } from './channels/xta/index.js';
import type { AdapterInstance } from './dispatcher/deliver-route.js';
import { loadMasterKey, loadSigner } from './hub-keys.js';
import { loadFormSchemas } from './processor/form-schemas.js';
import type { MapperDeps } from './processor/map-submission.js';
import { Routing } from './routing.js';
import { HUB_PRODUCT } from './version.js';
import { migrateWhenReachable } from './wait-for-database.js';

/** Mapping modules this hub knows; onboarding a service is one module package plus a line here and a route. */
export const MAPPING_MODULES: readonly MappingModule<unknown>[] = [genericXdomea, genericXdomea0605, bauantragXbau, xbauPassthrough, xbauToXdomea];

/** Adapter kinds this hub can instantiate; a new kind is one line here plus its package. */
export const ADAPTER_KINDS: ReadonlyMap<string, AdapterFactory<unknown>> = new Map<string, AdapterFactory<unknown>>([
  [dmsFolderAdapter.kind, dmsFolderAdapter as AdapterFactory<unknown>],
  [httpAdapter.kind, httpAdapter as AdapterFactory<unknown>],
  [sftpAdapter.kind, sftpAdapter as AdapterFactory<unknown>],
  [xtaMsgBoxAdapter.kind, xtaMsgBoxAdapter as AdapterFactory<unknown>],
]);

/**
 * The hub as built from one config: the composition root that main, the roles, the admin API and the
 * tests hold. The stages do not take it: each gets the few members it uses (ProcessDeps, DeliverDeps, …).
 */
export interface HubDeps {
  readonly config: WeicheConfig;
  readonly log: Logger;
  readonly pool: pg.Pool;
  readonly journal: Journal;
  readonly blobs: FsBlobStore;
  readonly keyring: TenantKeyring;
  readonly redis: RedisConnection;
  readonly queues: HubQueues;
  readonly signer: JwtSigner;
  /** Evidence keys (MAC of every audit record, checkpoint signatures) and the append-only checkpoint log. */
  readonly evidence: EvidenceKeyring;
  readonly auditLog: WriteOnceFiles;
  readonly channels: ChannelRegistry;
  readonly routing: Routing;
  readonly mapper: MapperDeps;
  readonly adapters: ReadonlyMap<string, AdapterInstance>;
  readonly hub: { readonly product: string; readonly version: string };
  /** Issuer of tokens and events: the public base URL. */
  readonly issuer: string;
  close(): Promise<void>;
}

function createAdapters(config: WeicheConfig, kinds: ReadonlyMap<string, AdapterFactory<unknown>>, services: AdapterServices): Map<string, AdapterInstance> {
  const adapters = new Map<string, AdapterInstance>();
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
    adapters.set(instance.id, { config: instance, adapter: factory.create({ instanceId: instance.id, config: parsed.data, services }) });
  });
  if (problems.length > 0) throw new WeicheError(ErrorCode.CONFIG_INVALID, `configuration invalid:\n  - ${problems.join('\n  - ')}`);
  return adapters;
}

/** Connects to PostgreSQL and Redis, migrates, loads keys, builds the channels, the adapters and the stages' dependencies. */
export async function createHubDeps(config: WeicheConfig, log: Logger, options: { adapterKinds?: readonly AdapterFactory<unknown>[] } = {}): Promise<HubDeps> {
  const kinds = new Map(ADAPTER_KINDS);
  for (const kind of options.adapterKinds ?? []) kinds.set(kind.kind, kind);
  const registry = new MappingRegistry();
  for (const module of MAPPING_MODULES) registry.register(module);

  const pool = createPool(config.database.url);
  try {
    await migrateWhenReachable(pool, config.database.schema, log, redactUrl(config.database.url));
  } catch (error) {
    await pool.end();
    throw new WeicheError(ErrorCode.STORAGE_UNAVAILABLE, `PostgreSQL at ${redactUrl(config.database.url)} is not usable: ${(error as Error).message}`, { cause: error });
  }
  const journal = new Journal({ pool, schema: config.database.schema });
  const redis = createRedisConnection(config.redis);
  redis.on('error', (error: Error) => log.warn({ err: error.message }, 'redis connection problem'));
  const retry = new Map<string, RetryPolicy>(config.adapters.map((a) => [a.id, a.retry]));
  const queues = new HubQueues(redis, config.redis.prefix, retry);
  const release = async (): Promise<void> => {
    await queues.close();
    redis.disconnect();
    await pool.end();
  };

  try {
    const { evidence, auditLog } = await prepareAuditEvidence(config, pool);
    const [signer, masterKey, destinations] = await Promise.all([loadSigner(config.dataDir), loadMasterKey(config.dataDir, config.masterKey), loadDestinations(config.destinations)]);
    const publicBaseUrl = config.server.publicBaseUrl ?? `http://localhost:${config.server.port}`;
    const issuer = publicBaseUrl.replace(/\/$/, '');
    const blobs = new FsBlobStore({ root: join(config.dataDir, 'blobs') });
    const keyring = new TenantKeyring({ dir: join(config.dataDir, 'keys', 'tenants'), masterKey });
    const routing = new Routing(config.routes);
    const schemaCacheDir = resolveSchemaCacheDir();

    const fitConnect = createFitConnectChannel({
      journal,
      blobs,
      destinations,
      limits: config.limits,
      queues,
      signer,
      issuer,
      hub: HUB_PRODUCT,
      senderClients: config.senderClients,
      tokenTtlSeconds: config.tokens.ttlSeconds,
      metadata: createMetadataValidator({ schemaDir: join(schemaCacheDir, 'fit-connect') }),
    });
    const xta: XtaChannel | undefined = config.xta
      ? await createXtaChannel({ config: config.xta, pool, schema: config.database.schema, journal, blobs, keyring, queues, routing, log })
      : undefined;
    const channelList: Channel[] = xta ? [fitConnect, xta] : [fitConnect];
    const adapters = createAdapters(config, kinds, xta ? { messageBox: xta.messageBox } : {});

    return {
      config,
      log,
      pool,
      journal,
      blobs,
      keyring,
      redis,
      queues,
      signer,
      evidence,
      auditLog,
      channels: new ChannelRegistry(channelList),
      routing,
      // XSD validators are compiled once per process and shared with the mapping modules (sharedXsdValidator)
      mapper: { registry, xsd: (standardId) => sharedXsdValidator({ cacheDir: schemaCacheDir, standardId }), blobs, keyring, tenants: config.tenants, formSchemas: await loadFormSchemas(), hub: HUB_PRODUCT },
      adapters,
      hub: HUB_PRODUCT,
      issuer,
      close: release,
    };
  } catch (error) {
    await release();
    throw error;
  }
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
