import { ErrorCode, WeicheError } from '@weiche/core';
import { MsgBoxRetentionStore } from '@weiche/journal';
import type { Channel, ChannelRecord } from '../channel.js';
import { evidenceMetaData } from './evidence-metadata.js';
import { transportReportOf } from './transport-report.js';
import { HubMessageBox } from './message-box.js';
import { XTA_CHANNEL, XtaMeta } from './meta.js';
import { retainMessageBox } from './msgbox-retention.js';
import { openXta } from './open.js';
import type { LoadedReader } from './reader-keystores.js';
import { xtaRoutes } from './xta-routes.js';
import { createXtaRuntime, type XtaChannelDeps } from './xta-runtime.js';

export { XTA_PORT_PATHS } from './xta-routes.js';
export { XTA_CHANNEL, XtaMeta } from './meta.js';
export type { XtaChannelDeps } from './xta-runtime.js';

/** The XTA channel and the message box it keeps (lent to the `xta-msgbox` adapter kind). */
export interface XtaChannel extends Channel {
  readonly messageBox: HubMessageBox;
  /** The readers' opened keystores (the XTA upstream channel opens with them too). */
  readonly readers: ReadonlyMap<string, LoadedReader>;
}

/**
 * The XTA 2 channel: the hub as XTA server (specs/xta-osci.md). Authors send OSCI-encrypted content to a
 * reader the hub serves; the outcome is what `getTransportReport` reads from the journal, so there is
 * nothing to push when a message is finished. Fachverfahren pull delivered messages from the message box.
 */
export async function createXtaChannel(deps: XtaChannelDeps): Promise<XtaChannel> {
  const rt = await createXtaRuntime(deps);
  const messageBox = new HubMessageBox(rt);
  const boxRetention = new MsgBoxRetentionStore({ pool: deps.pool, schema: deps.schema });
  return {
    name: XTA_CHANNEL,
    messageBox,
    readers: rt.readers,
    open: (row) => openXta({ ...rt, maxContainerBytes: rt.limits.maxContainerBytes }, row, XtaMeta.parse(row.channelMeta)),
    async acknowledge(row) {
      if (row.state !== 'DELIVERED' && row.state !== 'REJECTED') throw new WeicheError(ErrorCode.INTERNAL, `nothing to acknowledge in state ${row.state}`);
      // the sender reads the outcome from its transport report: green or red from now on
      return { transportReport: row.state === 'DELIVERED' ? 'green' : 'red' };
    },
    async record(row): Promise<ChannelRecord> {
      const meta = XtaMeta.parse(row.channelMeta);
      const report = transportReportOf(row, meta, await rt.journal.listDeliveries(row.submissionId), rt.config.serverIdentity);
      return {
        received: [{ part: 'container', blobKey: meta.containerBlobKey, ...(meta.container === 'plain' ? { atRest: true } : {}) }],
        // dates as ISO strings: the bundle is signed JSON; the echoed MessageMetaData without its free-text Subject
        transport: { messageId: row.channelRef, transportReport: { ...(JSON.parse(JSON.stringify(report)) as Record<string, unknown>), messageMetaData: evidenceMetaData(report.messageMetaData) } },
      };
    },
    retainOutputs: (opts) => retainMessageBox({ blobs: rt.blobs, store: boxRetention }, opts),
    routes: xtaRoutes(rt, messageBox),
  };
}
