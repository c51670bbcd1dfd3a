import type pg from 'pg';
import type { Logger } from 'pino';
import type { FsBlobStore, TenantKeyring } from '@weiche/blobstore';
import type { XtaConfig, XtaUpstreamConfig } from '@weiche/config';
import { ErrorCode, inputProblem, WeicheError } from '@weiche/core';
import { createPool, XtaUpstreamStore, type Journal } from '@weiche/journal';
import type { HubQueues } from '@weiche/queue';
import type { Channel } from '../channel.js';
import { openXta } from '../xta/open.js';
import type { LoadedReader } from '../xta/reader-keystores.js';
import { xtaLimits } from '../xta/xta-runtime.js';
import { XTA_UPSTREAM_CHANNEL, XtaUpstreamMeta } from './meta.js';
import { XtaUpstreamPoller } from './poller.js';
import { XtaSoapHttpClient } from './soap-http-client.js';
import type { UpstreamStatus } from './upstream-status.js';

export { XTA_UPSTREAM_CHANNEL, XtaUpstreamMeta, xtaUpstreamRef } from './meta.js';
export { XtaUpstreamPoller, XTA_OVERDUE_AFTER_MS, type PollOutcome } from './poller.js';
export type { UpstreamStatus } from './upstream-status.js';

/** What the XTA upstream channel is built from; the readers' keystores are the XTA channel's (opened once). */
export interface XtaUpstreamChannelDeps {
  readonly upstreams: readonly XtaUpstreamConfig[];
  readonly xta: XtaConfig;
  readonly readers: ReadonlyMap<string, LoadedReader>;
  readonly pool: pg.Pool;
  /** The journal's database URL: poll locks get connections of their own from it (one per upstream at most). */
  readonly databaseUrl: string;
  readonly schema: string;
  readonly journal: Journal;
  readonly blobs: FsBlobStore;
  readonly keyring: TenantKeyring;
  readonly queues: Pick<HubQueues, 'enqueueProcess'>;
  readonly log: Logger;
}

/** The XTA upstream channel and the state of its connections. */
export interface XtaUpstreamChannel extends Channel {
  readonly pollers: readonly XtaUpstreamPoller[];
  status(): Promise<UpstreamStatus[]>;
}

/**
 * The hub as XTA 2 client of intermediaries' message boxes (architecture "xta-client"): pollers take messages
 * in and close them upstream once durable; opening is the XTA channel's (the reader's keystore, the same
 * checks); there is nothing to tell the upstream about the outcome — the close was the whole answer.
 */
export function createXtaUpstreamChannel(deps: XtaUpstreamChannelDeps): XtaUpstreamChannel {
  const limits = xtaLimits(deps.xta);
  // a poll holds its lock's connection while it talks to the upstream: never from the pipeline's pool, which
  // as many slow upstreams as it has connections would otherwise starve
  const lockPool = createPool(deps.databaseUrl, { max: Math.max(1, deps.upstreams.length) });
  const store = new XtaUpstreamStore({ pool: deps.pool, schema: deps.schema, lockPool });
  const clients = deps.upstreams.map((u) => new XtaSoapHttpClient(u, limits.maxBodyBytes));
  const pollers = deps.upstreams.map(
    (upstream, i) => new XtaUpstreamPoller({ journal: deps.journal, blobs: deps.blobs, keyring: deps.keyring, queues: deps.queues, store, http: clients[i]!, limits, log: deps.log }, upstream),
  );
  return {
    name: XTA_UPSTREAM_CHANNEL,
    pollers,
    async open(row) {
      const meta = XtaUpstreamMeta.parse(row.channelMeta);
      if (meta.container === 'unreadable') {
        throw inputProblem(ErrorCode.SCHEMA_VIOLATION, `Die Nachricht des Intermediärs verletzt das XTA-Profil: ${meta.unreadableReason ?? 'unlesbar'}`, { part: 'data', stage: 'open' });
      }
      const reader = deps.readers.get(meta.readerId);
      // the reader's rule holds for what an intermediary hands over as for what the hub's own XTA server takes
      if (meta.container === 'plain' && reader && !reader.config.allowUnencrypted) {
        throw inputProblem(ErrorCode.ENCRYPTION, 'Der Leser nimmt nur verschlüsselte Inhalte an; der Inhalt kam unverschlüsselt.', { part: 'data', stage: 'open' });
      }
      return openXta({ blobs: deps.blobs, keyring: deps.keyring, readers: deps.readers, maxContainerBytes: limits.maxContainerBytes }, row, { ...meta, container: meta.container });
    },
    async acknowledge(row) {
      if (row.state !== 'DELIVERED' && row.state !== 'REJECTED') throw new WeicheError(ErrorCode.INTERNAL, `nothing to acknowledge in state ${row.state}`);
      const meta = XtaUpstreamMeta.parse(row.channelMeta);
      // XTA has no outcome message from a reader to its intermediary: the box entry was closed when it was taken in
      return { upstream: meta.upstreamId, closedUpstream: 'at intake' };
    },
    async start() {
      for (const poller of pollers) poller.start();
    },
    async stop() {
      await Promise.all(pollers.map((p) => p.stop()));
      for (const client of clients) client.close();
      await lockPool.end();
    },
    async status() {
      const rows = await store.status(deps.upstreams.map((u) => u.id));
      const now = Date.now();
      return deps.upstreams.map((u): UpstreamStatus => {
        const r = rows.get(u.id);
        return {
          id: u.id,
          kind: 'xta',
          tenant: u.tenant,
          ...(r?.lastPollAt ? { lastPollAt: r.lastPollAt.toISOString() } : {}),
          ...(r?.lastSuccessAt ? { lastSuccessAt: r.lastSuccessAt.toISOString() } : {}),
          ...(r?.lastError ? { lastError: { at: r.lastError.at.toISOString(), message: r.lastError.message } } : {}),
          backlog: r?.backlog ?? 0,
          ...(r?.oldestPendingAt ? { oldestUnacknowledgedAgeSeconds: Math.max(0, Math.round((now - r.oldestPendingAt.getTime()) / 1000)) } : {}),
          overdue: r?.overdue ?? 0,
        };
      });
    },
  };
}
