import type { KeyObject } from 'node:crypto';
import type pg from 'pg';
import type { FsBlobStore } from '@weiche/blobstore';
import type { FitConnectUpstream } from '@weiche/config';
import { ErrorCode, inputProblem, WeicheError } from '@weiche/core';
import type { MetadataValidator } from '@weiche/fit-connect';
import type { Journal, MissingAttachmentStore, SubmissionRow, UpstreamStore } from '@weiche/journal';
import type { Channel, ChannelRecord } from '../../channel.js';
import { openFitConnect } from '../open.js';
import { SubmissionApiClient } from './api-client.js';
import { answerUpstream } from './answer.js';
import { callbackRoutes } from './callback-routes.js';
import { zustelldienstKeys } from './event-log.js';
import { loadPrivateKeyFile } from './keys.js';
import { FIT_CONNECT_UPSTREAM_CHANNEL, FitConnectUpstreamMeta } from './meta.js';
import type { PickupDeps, UpstreamConnection } from './pickup.js';
import { UpstreamPoller } from './poller.js';
import { fitConnectUpstreamRecord } from './record.js';

export { FIT_CONNECT_UPSTREAM_CHANNEL } from './meta.js';

export interface FitConnectUpstreamDeps extends PickupDeps {
  readonly journal: PickupDeps['journal'] & Pick<Journal, 'listAudit'>;
  readonly upstreamConfigs: readonly FitConnectUpstream[];
  readonly blobs: PickupDeps['blobs'] & Pick<FsBlobStore, 'read'>;
  readonly metadata: MetadataValidator;
  readonly pool: pg.Pool;
  readonly upstreams: Pick<UpstreamStore, 'recordPoll'>;
  readonly missingAttachments: Pick<MissingAttachmentStore, 'missed' | 'forget' | 'keepOnly'>;
}

interface LoadedUpstream extends UpstreamConnection {
  readonly poller: UpstreamPoller;
  readonly decryption: { readonly privateKey: KeyObject; readonly kid?: string };
  readonly signingKey: KeyObject;
}

/** The kid in a stored JWE's protected header (for a decryption key given as PEM, which names none). */
async function kidOf(blobs: Pick<FsBlobStore, 'read'>, key: string | undefined): Promise<string> {
  if (!key) return '';
  try {
    const header = JSON.parse(Buffer.from((await blobs.read(key)).toString('ascii').split('.')[0] ?? '', 'base64url').toString('utf8')) as { kid?: unknown };
    return typeof header.kid === 'string' ? header.kid : '';
  } catch {
    return '';
  }
}

/**
 * The FIT-Connect upstream channel (issue 10): the hub as Subscriber of Zustelldienste. Pollers (processor
 * role) and callbacks (gateway) pick submissions up into the journal; they are opened by the same code as
 * the hub's own FIT-Connect intake (no service list: an upstream destination offers whatever the Zustelldienst
 * routes to it), routed by their service with the tenant's routes, and answered upstream with signed SETs once
 * the outcome is committed. It keeps no copies of outputs (no `retainOutputs`): retention deletes the JWEs it
 * fetched through `record`.
 */
export async function createFitConnectUpstreamChannel(deps: FitConnectUpstreamDeps): Promise<Channel> {
  const upstreams = new Map<string, LoadedUpstream>();
  for (const config of deps.upstreamConfigs) {
    const connection: UpstreamConnection = {
      config,
      client: new SubmissionApiClient(config),
      keys: zustelldienstKeys(config.zustelldienstJwksUrl ?? `${config.submissionApiUrl.replace(/\/$/, '')}/.well-known/jwks.json`),
    };
    upstreams.set(config.id, {
      ...connection,
      poller: new UpstreamPoller(connection, deps),
      decryption: await loadPrivateKeyFile(config.decryptionKeyFile, `upstreams.fitConnect ${config.id} decryptionKeyFile`),
      signingKey: (await loadPrivateKeyFile(config.signingKeyFile, `upstreams.fitConnect ${config.id} signingKeyFile`)).privateKey,
    });
  }
  const of = (row: SubmissionRow): { meta: FitConnectUpstreamMeta; up: LoadedUpstream } => {
    const meta = FitConnectUpstreamMeta.parse(row.channelMeta);
    const up = upstreams.get(meta.upstreamId);
    // the configuration changed under a picked-up submission: an operator fixes it and replays
    if (!up) throw new WeicheError(ErrorCode.CONFIG_INVALID, `upstream ${meta.upstreamId} is no longer configured`, { stage: 'open' });
    return { meta, up };
  };
  return {
    name: FIT_CONNECT_UPSTREAM_CHANNEL,
    async open(row) {
      const { meta, up } = of(row);
      if (meta.eventLogProblem !== undefined) throw inputProblem(ErrorCode.INVALID_EVENT_LOG, meta.eventLogProblem, { part: 'submission', stage: 'open' });
      if (meta.pickupProblem !== undefined) throw inputProblem(meta.pickupProblem.code ?? ErrorCode.INPUT_REFUSED, meta.pickupProblem.detail, { part: meta.pickupProblem.part, stage: 'open' });
      // a JWK names the key's kid; for a PEM the key itself decides (a JWE for another key fails to unwrap)
      const kid = up.decryption.kid ?? (await kidOf(deps.blobs, meta.metadataBlobKey));
      return openFitConnect(
        {
          blobs: deps.blobs,
          journal: { listAttachments: async () => meta.attachmentBlobs },
          destinations: new Map([[meta.destinationId, { privateKeys: new Map([[kid, up.decryption.privateKey]]), config: { services: [] } }]]),
          metadata: deps.metadata,
          // FIT-Connect names no sender to the subscriber: the upstream stands for it
          senderClients: [{ clientId: meta.senderClientId, name: `FIT-Connect-Zustelldienst ${up.config.id}` }],
        },
        row,
        meta,
      );
    },
    async acknowledge(row) {
      const { meta, up } = of(row);
      return answerUpstream({ pool: deps.pool, signingKey: up.signingKey }, up, row, meta);
    },
    async record(row): Promise<ChannelRecord> {
      return fitConnectUpstreamRecord(row, await deps.journal.listAudit({ submissionId: row.submissionId, limit: 1000 }));
    },
    routes: callbackRoutes(upstreams, deps.log),
    async start() {
      for (const up of upstreams.values()) up.poller.start();
    },
    async stop() {
      for (const up of upstreams.values()) await up.poller.stop();
    },
  };
}
