import type pg from 'pg';
import type { Logger } from 'pino';
import type { FsBlobStore, TenantKeyring } from '@weiche/blobstore';
import type { XtaConfig } from '@weiche/config';
import { XtaStore, type Journal } from '@weiche/journal';
import type { HubQueues, RedisConnection } from '@weiche/queue';
import { DEFAULT_XTA_LIMITS, type XtaLimits } from '@weiche/xta';
import type { Routing } from '../../routing.js';
import { loadIdentities, type XtaIdentity } from './identities.js';
import { MsgBoxListings } from './msgbox-listings.js';
import { loadReaders, type LoadedReader } from './reader-keystores.js';
import { xtaLimitsWithin } from './submission-limit.js';

/** What the XTA channel is built from. */
export interface XtaChannelDeps {
  readonly config: XtaConfig;
  readonly pool: pg.Pool;
  readonly schema: string;
  readonly journal: Journal;
  readonly blobs: FsBlobStore;
  readonly keyring: TenantKeyring;
  readonly queues: Pick<HubQueues, 'enqueueProcess'>;
  /** Where the message box keeps its listings (MsgBoxRequestID), shared by every replica; keys under `redisPrefix`. */
  readonly redis: RedisConnection;
  readonly redisPrefix: string;
  /** The hub's `limits.submissionBytes`: what one message sent to the XTA server may hold (9023 above it). */
  readonly submissionBytes: number;
  /** The routing table: a (reader, service) without a route is refused at send time. */
  readonly routing: Pick<Routing, 'isRouted' | 'route'>;
  readonly log: Logger;
}

/** What the XTA ports, the opening and the message box share: the deps, identities, readers' keystores, the box store, limits. */
export interface XtaRuntime extends Omit<XtaChannelDeps, 'pool' | 'schema' | 'redis' | 'redisPrefix'> {
  readonly identities: readonly XtaIdentity[];
  readonly readers: ReadonlyMap<string, LoadedReader>;
  readonly store: XtaStore;
  readonly listings: MsgBoxListings;
  readonly limits: XtaLimits;
}

/** Limits of the parser: the container limit from the config, the body limit what base64 of it needs plus headroom. */
export function xtaLimits(config: XtaConfig): XtaLimits {
  const container = config.limits.maxContainerBytes;
  return { ...DEFAULT_XTA_LIMITS, maxContainerBytes: container, maxBodyBytes: Math.ceil((container * 4) / 3) + 1024 * 1024 };
}

/** Builds the XTA runtime (opens every reader keystore, generating demo ones on first start). */
export async function createXtaRuntime(deps: XtaChannelDeps): Promise<XtaRuntime> {
  const { pool, schema, redis, redisPrefix, ...rest } = deps;
  return {
    ...rest,
    identities: loadIdentities(deps.config),
    readers: await loadReaders(deps.config.readers),
    store: new XtaStore({ pool, schema }),
    listings: new MsgBoxListings(redis, redisPrefix),
    // the body bound lowered to what a message within submissionBytes can need: larger ones are refused unread
    limits: xtaLimitsWithin(xtaLimits(deps.config), deps.submissionBytes),
  };
}
