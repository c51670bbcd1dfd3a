import { join } from 'node:path';
import type { Logger } from 'pino';
import type pg from 'pg';
import type { AdapterFactory, AdapterServices } from '@weiche/adapter-sdk';
import { FsBlobStore, type TenantKeyring, type WriteOnceFiles } from '@weiche/blobstore';
import type { WeicheConfig } from '@weiche/config';
import { ErrorCode, WeicheError } from '@weiche/core';
import type { EvidenceKeyring, JwtSigner } from '@weiche/crypto';
import { createMetadataValidator } from '@weiche/fit-connect';
import { CallbackStore, createPool, DelegationStore, Journal, MissingAttachmentStore, UpstreamStore } from '@weiche/journal';
import { MappingRegistry } from '@weiche/mapping-sdk';
import { createRedisConnection, HubQueues, type RedisConnection, type RedisEndpoint, type RetryPolicy } from '@weiche/queue';
import { pooledXsdValidator, resolveSchemaCacheDir } from '@weiche/xoev';
import { prepareAuditEvidence } from './audit-evidence.js';
import { ADAPTER_KINDS } from './config/adapter-kinds.js';
import { assertHubConfig } from './config/hub-config.js';
import { MAPPING_MODULES } from './config/mapping-modules.js';
import type { Channel } from './channels/channel.js';
import { loadDestinations } from './channels/fit-connect/destinations.js';
import type { ResolveHost } from './channels/fit-connect/callbacks/post-callback.js';
import { createFitConnectChannel, fitConnectRecord } from './channels/fit-connect/index.js';
import { createRelayChannel } from './channels/fit-connect/relay/channel.js';
import { createFitConnectUpstreamChannel } from './channels/fit-connect/upstream/index.js';
import { ChannelRegistry } from './channels/registry.js';
import { createXtaChannel, type XtaChannel } from './channels/xta/index.js';
import { createXtaUpstreamChannel } from './channels/xta/upstream/index.js';
import { DelegationRegistry } from './delegations/delegation-registry.js';
import type { AdapterInstance } from './dispatcher/deliver-route.js';
import { loadSigner } from './hub-keys.js';
import { loadMasterKeys, tenantKeyring } from './master-key-rotation.js';
import { loadFormSchemas } from './processor/form-schemas.js';
import type { MapperDeps } from './processor/map-submission.js';
import { watchRedis, type RedisOutage } from './redis-outage.js';
import { Routing } from './routing.js';
import { HUB_PRODUCT } from './version.js';
import { migrateWhenReachable } from './wait-for-database.js';

export { MAPPING_MODULES } from './config/mapping-modules.js';

export { ADAPTER_KINDS } from './config/adapter-kinds.js';

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
  /** Tells Redis outages once (the shared connection's and the workers' reconnects). */
  readonly redisOutage: RedisOutage;
  readonly queues: HubQueues;
  readonly signer: JwtSigner;
  /** Evidence keys (MAC of every audit record, checkpoint signatures) and the append-only checkpoint log. */
  readonly evidence: EvidenceKeyring;
  readonly auditLog: WriteOnceFiles;
  readonly channels: ChannelRegistry;
  /** Poll outcomes and waiting submissions of the upstreams (admin API, console, metrics). */
  readonly upstreams: UpstreamStore;
  /** Callbacks owed to FIT-Connect senders (sent by the channel; listed for operators). */
  readonly callbacks: CallbackStore;
  readonly routing: Routing;
  /** Back offices (issue 15): the journal's current list, applied from the config file when it has the key. */
  readonly delegations: DelegationRegistry;
  readonly mapper: MapperDeps;
  readonly adapters: ReadonlyMap<string, AdapterInstance>;
  readonly hub: { readonly product: string; readonly version: string };
  /** Issuer of tokens and events: the public base URL. */
  readonly issuer: string;
  close(): Promise<void>;
}

/** Instantiates the adapters of a config that passed assertHubConfig (kinds known, configs valid). */
function createAdapters(config: WeicheConfig, kinds: ReadonlyMap<string, AdapterFactory<unknown>>, services: AdapterServices): Map<string, AdapterInstance> {
  const adapters = new Map<string, AdapterInstance>();
  for (const instance of config.adapters) {
    const factory = kinds.get(instance.kind);
    if (!factory) throw new WeicheError(ErrorCode.CONFIG_INVALID, `unknown adapter kind "${instance.kind}"`);
    adapters.set(instance.id, { config: instance, adapter: factory.create({ instanceId: instance.id, config: factory.configSchema.parse(instance.config), services }) });
  }
  return adapters;
}

/** What a hub is built with besides its config. */
export interface HubOptions {
  /** Adapter kinds beyond the built-in ones (ADAPTER_KINDS). */
  readonly adapterKinds?: readonly AdapterFactory<unknown>[];
  /** How callback host names are resolved when a callback connects: the system resolver unless given (tests script DNS). */
  readonly resolveHost?: ResolveHost;
}

/** Connects to PostgreSQL and Redis, migrates, loads keys, builds the channels, the adapters and the stages' dependencies. */
export async function createHubDeps(config: WeicheConfig, log: Logger, options: HubOptions = {}): Promise<HubDeps> {
  const kinds = new Map(ADAPTER_KINDS);
  for (const kind of options.adapterKinds ?? []) kinds.set(kind.kind, kind);
  // the checks `weiche config check` runs, before anything is connected: a bad config never half-starts a hub
  assertHubConfig(config, kinds);
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
  // one warning per outage, not one line per reconnect of every connection
  const redisOutage = watchRedis(redis, { log, where: describeRedis(config.redis) });
  const retry = new Map<string, RetryPolicy>(config.adapters.map((a) => [a.id, a.retry]));
  const queues = new HubQueues(redis, config.redis.prefix, retry);
  let stopDelegations = (): void => {};
  const release = async (): Promise<void> => {
    stopDelegations();
    await queues.close();
    redis.disconnect();
    await pool.end();
  };

  try {
    const { evidence, auditLog } = await prepareAuditEvidence(config, pool);
    const [signer, masterKeys, destinations] = await Promise.all([loadSigner(config.dataDir), loadMasterKeys(config), loadDestinations(config.destinations)]);
    const publicBaseUrl = config.server.publicBaseUrl ?? `http://localhost:${config.server.port}`;
    const issuer = publicBaseUrl.replace(/\/$/, '');
    const blobs = new FsBlobStore({ root: join(config.dataDir, 'blobs') });
    const keyring = tenantKeyring(config.dataDir, masterKeys);
    const delegations = new DelegationRegistry(new DelegationStore({ pool, schema: config.database.schema }), new Set(config.tenants.map((t) => t.id)), log, config.routes);
    // with the key in the file, the file is the source (docs/delegation.md); every change is audited
    if (config.delegations) await delegations.replace(config.delegations, 'hub:config', 'config-file');
    else await delegations.refresh();
    delegations.start(Math.min(config.processing.reconcileIntervalMs, 10_000));
    stopDelegations = () => delegations.stop();
    const routing = new Routing(config.routes, () => delegations.current());
    const schemaCacheDir = resolveSchemaCacheDir();

    const metadata = createMetadataValidator({ schemaDir: join(schemaCacheDir, 'fit-connect') });

    const callbacks = new CallbackStore({ pool, schema: config.database.schema });
    const fitConnect = createFitConnectChannel({
      journal,
      keyring,
      callbacks,
      redis,
      redisOutage,
      config,
      log,
      blobs,
      destinations,
      limits: config.limits,
      queues,
      signer,
      issuer,
      hub: HUB_PRODUCT,
      senderClients: config.senderClients,
      subscriberClients: config.subscriberClients,
      tokenTtlSeconds: config.tokens.ttlSeconds,
      metadata,
      ...(options.resolveHost ? { resolveHost: options.resolveHost } : {}),
    });
    const xta: XtaChannel | undefined = config.xta
      ? await createXtaChannel({ config: config.xta, submissionBytes: config.limits.submissionBytes, pool, schema: config.database.schema, redis, redisPrefix: config.redis.prefix, journal, blobs, keyring, queues, routing, log })
      : undefined;
    const upstreams = new UpstreamStore({ pool, schema: config.database.schema });
    const relay = createRelayChannel({ journal, signer, issuer, queues, log, record: (row) => fitConnectRecord({ journal }, row) });
    const channelList: Channel[] = xta ? [fitConnect, relay, xta] : [fitConnect, relay];
    if (config.upstreams.fitConnect.length > 0) {
      const missingAttachments = new MissingAttachmentStore({ pool, schema: config.database.schema });
      channelList.push(
        await createFitConnectUpstreamChannel({ upstreamConfigs: config.upstreams.fitConnect, journal, blobs, queues, limits: config.limits, log, metadata, pool, upstreams, missingAttachments }),
      );
    }
    if (xta && config.xta && config.upstreams.xta.length > 0) {
      const { schema } = config.database;
      channelList.push(createXtaUpstreamChannel({ upstreams: config.upstreams.xta, xta: config.xta, submissionBytes: config.limits.submissionBytes, readers: xta.readers, pool, databaseUrl: config.database.url, schema, journal, blobs, keyring, queues, log }));
    }
    const adapters = createAdapters(config, kinds, xta ? { messageBox: xta.messageBox } : {});

    return {
      config,
      log,
      pool,
      journal,
      blobs,
      keyring,
      redis,
      redisOutage,
      queues,
      signer,
      evidence,
      auditLog,
      channels: new ChannelRegistry(channelList),
      upstreams,
      callbacks,
      routing,
      delegations,
      // XSD validation runs on the process's XSD pool, shared with the mapping modules (pooledXsdValidator)
      mapper: { registry, xsd: (standardId) => pooledXsdValidator({ cacheDir: schemaCacheDir, standardId }), blobs, keyring, tenants: config.tenants, formSchemas: await loadFormSchemas(), hub: HUB_PRODUCT },
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

/**
 * Where the hub looks for Redis, for logs: the URL without its password — or, with Sentinel or Cluster, the
 * nodes it asks (the URL's host is not used then and would send the operator to the wrong machine).
 */
export function describeRedis(redis: RedisEndpoint): string {
  if (redis.cluster) return `cluster nodes ${redis.cluster.nodes.join(',')}`;
  if (redis.sentinel) return `sentinel "${redis.sentinel.name}" via ${redis.sentinel.nodes.join(',')}`;
  return redactUrl(redis.url);
}

// ioredis and node-postgres take a password from the query too (`?password=`, `?sslpassword=`)
const SECRET_PARAM = /pass|secret|token/i;

/** The URL for logs: its password masked, in the user info and in any query parameter that holds one. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    for (const key of new Set(parsed.searchParams.keys())) if (SECRET_PARAM.test(key)) parsed.searchParams.set(key, '***');
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}
