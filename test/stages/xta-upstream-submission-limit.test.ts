/**
 * The XTA upstream poller against the test intermediary with `limits.submissionBytes` lowered (the XTA container
 * limit left at its default): a message over it is refused at pickup as the FIT-Connect upstream refuses one —
 * taken in once without content, closed, rejected by `open` naming the limit — whether its answer is over the
 * bound the limit sets (not downloaded whole) or within it and its container over the limit; the rest goes through.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, isWeicheError } from '@weiche/core';
import { XTA_UPSTREAM_CHANNEL, xtaUpstreamRef, type HubDeps, type XtaUpstreamChannel } from '@weiche/hub';
import type { XtaUpstreamServer } from '../support/xta-upstream-server.js';
import { startXtaUpstreamStage, UPSTREAM_READER, type XtaUpstreamStage } from '../support/xta-upstream-stage.js';

const READER = UPSTREAM_READER;
const SUBMISSION_BYTES = 100_000;

let stage: XtaUpstreamStage;
let deps: HubDeps;
let server: XtaUpstreamServer;
let channel: XtaUpstreamChannel;
let readerCert: string;
let xbau: Buffer;

beforeAll(async () => {
  stage = await startXtaUpstreamStage('xta-upstream-submission-limit', { submissionBytes: SUBMISSION_BYTES });
  ({ deps, server, channel, readerCert, xbau } = stage);
}, 120_000);

afterAll(async () => {
  await stage?.stop();
});

async function refusal(messageId: string): Promise<unknown> {
  const row = await deps.journal.findByChannelRef(XTA_UPSTREAM_CHANNEL, xtaUpstreamRef(READER, messageId));
  expect(row?.state).toBe('RECEIVED');
  expect(row?.channelMeta).toMatchObject({ container: 'refused' });
  expect(row?.channelMeta).not.toHaveProperty('containerBlobKey');
  return channel.open(row!).then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('XTA upstream: limits.submissionBytes', () => {
  it('refuses a message over it at pickup (answer over its bound, or container over it), closes it, and takes the others in', async () => {
    const put = (data: Buffer, contentType: string, filename: string) => server.put({ reader: READER, author: 'dvdv:efa', message: { data, contentType, filename }, certificatePem: readerCert, mtom: false });
    // 200 KB in an encrypted container: well within the default 40 MiB container limit and the answer bound
    const over = put(randomBytes(200_000), 'application/pdf', 'plan.pdf');
    // 3 MB: its answer is over what a message within 100 kB can need, and is not read to the end
    const huge = put(randomBytes(3_000_000), 'application/pdf', 'scan.pdf');
    const fine = put(xbau, 'application/xml', 'antrag.xml');

    expect(await channel.pollers[0]!.pollOnce()).toEqual({ skipped: false, taken: 3, closed: 3, reclosed: 0, failed: 0, waitingUpstream: 0 });
    expect([over.fetches, over.closes, huge.fetches, huge.closes, fine.closes]).toEqual([1, 1, 1, 1, 1]);

    for (const entry of [over, huge]) {
      const error = await refusal(entry.messageId);
      expect(isWeicheError(error) && error.code).toBe(ErrorCode.INPUT_REFUSED);
      expect((error as Error).message).toContain(`${SUBMISSION_BYTES} Bytes je Einreichung`);
    }
    const taken = await deps.journal.findByChannelRef(XTA_UPSTREAM_CHANNEL, xtaUpstreamRef(READER, fine.messageId));
    expect(taken?.channelMeta).toMatchObject({ container: 'encrypted' });
  }, 120_000);
});
