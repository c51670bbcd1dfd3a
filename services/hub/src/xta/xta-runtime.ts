import type pg from 'pg';
import type { XtaConfig } from '@weiche/config';
import { XtaStore } from '@weiche/journal';
import { DEFAULT_XTA_LIMITS, type XtaLimits } from '@weiche/xta';
import { loadIdentities, type XtaIdentity } from './identities.js';
import { loadReaders, type LoadedReader } from './reader-keystores.js';

/** What the XTA ports and the XTA opening share: config, identities, readers' keystores, the journal store. */
export interface XtaRuntime {
  readonly config: XtaConfig;
  readonly identities: readonly XtaIdentity[];
  readonly readers: ReadonlyMap<string, LoadedReader>;
  readonly store: XtaStore;
  readonly limits: XtaLimits;
}

/** Limits of the parser: the container limit from the config, the body limit what base64 of it needs plus headroom. */
export function xtaLimits(config: XtaConfig): XtaLimits {
  const container = config.limits.maxContainerBytes;
  return { ...DEFAULT_XTA_LIMITS, maxContainerBytes: container, maxBodyBytes: Math.ceil((container * 4) / 3) + 1024 * 1024 };
}

/** Builds the XTA runtime (opens every reader keystore, generating demo ones on first start). */
export async function createXtaRuntime(config: XtaConfig, pool: pg.Pool, schema: string): Promise<XtaRuntime> {
  return {
    config,
    identities: loadIdentities(config),
    readers: await loadReaders(config.readers),
    store: new XtaStore({ pool, schema }),
    limits: xtaLimits(config),
  };
}
