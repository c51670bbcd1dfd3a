import type pg from 'pg';
import type { Logger } from 'pino';
import type { FsBlobStore, TenantKeyring } from '@weiche/blobstore';
import type { XtaConfig, XtaUpstreamConfig } from '@weiche/config';
import { ErrorCode, inputProblem, WeicheError } from '@weiche/core';
import { createPool, UpstreamStore, type Journal } from '@weiche/journal';
import type { HubQueues } from '@weiche/queue';
import type { Channel, ChannelRecord } from '../../channel.js';
import { openXta } from '../open.js';
import type { LoadedReader } from '../reader-keystores.js';
import { xtaLimits } from '../xta-runtime.js';
import { XTA_UPSTREAM_CHANNEL, XtaUpstreamMeta } from './meta.js';
import { XtaUpstreamPoller } from './poller.js';
import { xtaUpstreamRecord } from './record.js';
import { XtaSoapHttpClient } from './soap-http-client.js';
import { xtaLimitsWithin } from '../submission-limit.js';

export { XTA_UPSTREAM_CHANNEL, XtaUpstreamMeta, xtaUpstreamRef } from './meta.js';
export { XtaUpstreamPoller, type PollOutcome } from './poller.js';

/** What the XTA upstream channel is built from; the readers' keystores are the XTA channel's (opened once). */
export interface XtaUpstreamChannelDeps {
  readonly upstreams: readonly XtaUpstreamConfig[];
  readonly xta: XtaConfig;
  /** The hub's `limits.submissionBytes`: what one message taken in may hold (refused at pickup above it). */
  readonly submissionBytes: number;
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

/** The XTA upstream channel and its pollers (their state is the shared upstream status: upstreams/status.ts). */
export interface XtaUpstreamChannel extends Channel {
  readonly pollers: readonly XtaUpstreamPoller[];
}

/**
 * The hub as XTA 2 client of intermediaries' message boxes (docs/architecture.md, "xta-upstream"): pollers take
 * messages in and close them upstream once durable, recording each poll in the upstream bookkeeping every kind
 * shares; opening is the XTA channel's (the reader's keystore, the same checks); there is nothing to tell the
 * upstream about the outcome — the close was the whole answer. It keeps no copies of outputs (no
 * `retainOutputs`): retention deletes what it received through `record`.
 */
export function createXtaUpstreamChannel(deps: XtaUpstreamChannelDeps): XtaUpstreamChannel {
  const channelLimits = xtaLimits(deps.xta);
  const limits = xtaLimitsWithin(channelLimits, deps.submissionBytes);
  // a poll holds its lock's connection while it talks to the upstream: never from the pipeline's pool, which
  // as many slow upstreams as it has connections would otherwise starve
  const lockPool = createPool(deps.databaseUrl, { max: Math.max(1, deps.upstreams.length) });
  const upstreams = new UpstreamStore({ pool: deps.pool, schema: deps.schema, lockPool });
  const clients = deps.upstreams.map((u) => new XtaSoapHttpClient(u, limits.maxBodyBytes));
  const pollers = deps.upstreams.map(
    (upstream, i) => new XtaUpstreamPoller({ journal: deps.journal, blobs: deps.blobs, keyring: deps.keyring, queues: deps.queues, upstreams, http: clients[i]!, limits, submissionBytes: deps.submissionBytes, log: deps.log }, upstream),
  );
  return {
    name: XTA_UPSTREAM_CHANNEL,
    pollers,
    async open(row) {
      const meta = XtaUpstreamMeta.parse(row.channelMeta);
      if (meta.container === 'unreadable') {
        throw inputProblem(ErrorCode.SCHEMA_VIOLATION, `Die Nachricht des Intermediärs verletzt das XTA-Profil: ${meta.unreadableReason ?? 'unlesbar'}`, { part: 'data', stage: 'open' });
      }
      if (meta.container === 'refused') {
        throw inputProblem(ErrorCode.INPUT_REFUSED, meta.refusedReason ?? 'Die Nachricht überschreitet die Größengrenze des Empfängers.', { part: 'data', stage: 'open' });
      }
      const { containerBlobKey } = meta;
      if (containerBlobKey === undefined) throw new WeicheError(ErrorCode.INTERNAL, 'an xta upstream row without its container', { stage: 'open' });
      const reader = deps.readers.get(meta.readerId);
      // the reader's rule holds for what an intermediary hands over as for what the hub's own XTA server takes
      if (meta.container === 'plain' && reader && !reader.config.allowUnencrypted) {
        throw inputProblem(ErrorCode.ENCRYPTION, 'Der Leser nimmt nur verschlüsselte Inhalte an; der Inhalt kam unverschlüsselt.', { part: 'data', stage: 'open' });
      }
      return openXta({ blobs: deps.blobs, keyring: deps.keyring, readers: deps.readers, maxContainerBytes: channelLimits.maxContainerBytes, submissionBytes: deps.submissionBytes }, row, { ...meta, container: meta.container, containerBlobKey });
    },
    async acknowledge(row) {
      if (row.state !== 'DELIVERED' && row.state !== 'REJECTED') throw new WeicheError(ErrorCode.INTERNAL, `nothing to acknowledge in state ${row.state}`);
      const meta = XtaUpstreamMeta.parse(row.channelMeta);
      // XTA has no outcome message from a reader to its intermediary: the box entry was closed when it was taken in
      return { upstream: meta.upstreamId, closedUpstream: 'at intake' };
    },
    async record(row): Promise<ChannelRecord> {
      return xtaUpstreamRecord(row, await deps.journal.listAudit({ submissionId: row.submissionId, limit: 1000 }));
    },
    async start() {
      for (const poller of pollers) poller.start();
    },
    async stop() {
      await Promise.all(pollers.map((p) => p.stop()));
      for (const client of clients) client.close();
      await lockPool.end();
    },
  };
}
