/**
 * The XTA upstream poller called directly against the test intermediary, with the container limit lowered: a
 * message whose getMessage answer is over the hub's limit can never be fetched. It is taken in once (no content,
 * the reason), closed, rejected by `open` — not fetched again on every poll while the rest of the box goes through.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, isWeicheError } from '@weiche/core';
import { upstreamStatuses, XTA_UPSTREAM_CHANNEL, xtaUpstreamRef, type HubDeps, type XtaUpstreamChannel } from '@weiche/hub';
import type { XtaUpstreamServer } from '../support/xta-upstream-server.js';
import { startXtaUpstreamStage, UPSTREAM_READER, type XtaUpstreamStage } from '../support/xta-upstream-stage.js';

const READER = UPSTREAM_READER;
/** The answer limit is what base64 of the container needs plus 1 MiB: a 1.5 MB message is over it. */
const MAX_CONTAINER_BYTES = 10_000;

let stage: XtaUpstreamStage;
let deps: HubDeps;
let server: XtaUpstreamServer;
let channel: XtaUpstreamChannel;
let readerCert: string;
let xbau: Buffer;

beforeAll(async () => {
  stage = await startXtaUpstreamStage('xta-upstream-refused', { maxContainerBytes: MAX_CONTAINER_BYTES });
  ({ deps, server, channel, readerCert, xbau } = stage);
}, 120_000);

afterAll(async () => {
  await stage?.stop();
});

describe('XTA upstream: a message over the limit', () => {
  it('is taken in once without content, closed, and rejected by open; the next poll does not fetch it again; the others go through', async () => {
    const big = server.put({ reader: READER, author: 'dvdv:efa', message: { data: randomBytes(1_500_000), contentType: 'application/pdf', filename: 'plan.pdf' }, certificatePem: readerCert, mtom: false });
    const fine = server.put({ reader: READER, author: 'dvdv:efa', message: { data: xbau, contentType: 'application/xml', filename: 'antrag.xml' }, certificatePem: readerCert, mtom: false });
    const poller = channel.pollers[0]!;
    expect(await poller.pollOnce()).toEqual({ skipped: false, taken: 2, closed: 2, reclosed: 0, failed: 0, waitingUpstream: 0 });
    expect([big.fetches, big.closes, fine.fetches, fine.closes]).toEqual([1, 1, 1, 1]);

    const row = await deps.journal.findByChannelRef(XTA_UPSTREAM_CHANNEL, xtaUpstreamRef(READER, big.messageId));
    expect(row?.state).toBe('RECEIVED');
    expect(row?.channelMeta).toMatchObject({ container: 'refused', upstreamId: 'rz-box' });
    expect(row?.channelMeta).not.toHaveProperty('containerBlobKey');
    // open rejects it with the reason (an input problem: REJECTED, never retried)
    const refusal = await channel.open(row!).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isWeicheError(refusal) && refusal.code).toBe(ErrorCode.INPUT_REFUSED);
    expect((refusal as Error).message).toContain(String(MAX_CONTAINER_BYTES));

    // the box no longer lists it: the next poll neither fetches it nor reports an error
    expect(await poller.pollOnce()).toEqual({ skipped: false, taken: 0, closed: 0, reclosed: 0, failed: 0, waitingUpstream: 0 });
    expect(big.fetches).toBe(1);
    const status = (await upstreamStatuses(deps)).find((s) => s.id === 'rz-box');
    expect(status?.lastError).toBeUndefined();
    expect(status?.lastSuccessAt).toBeDefined();
  }, 120_000);
});
