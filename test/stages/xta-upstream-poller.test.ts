/**
 * The XTA upstream poller called directly (no roles started), against the test intermediary over mutual TLS
 * and the real journal, blob store and Redis: a box fuller than one status list is worked off in one poll,
 * a message the intermediary cannot hand out stays in the box and shows as waiting upstream, and a second poll of the
 * same box at the same time takes nothing twice (across replicas the lock makes one stand back: e2e).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upstreamStatuses, XTA_UPSTREAM_CHANNEL, xtaUpstreamRef, type HubDeps, type XtaUpstreamChannel } from '@weiche/hub';
import { XtaUpstreamServer } from '../support/xta-upstream-server.js';
import { startXtaUpstreamStage, UPSTREAM_READER, type XtaUpstreamStage } from '../support/xta-upstream-stage.js';

const READER = UPSTREAM_READER;
const LIST = 'http://www.osci.eu/ws/2008/05/transport/urn/messageTypes/MsgBoxStatusListRequest';
const CLOSE = 'http://www.osci.eu/ws/2008/05/transport/urn/messageTypes/MsgBoxCloseRequest';

let stage: XtaUpstreamStage;
let deps: HubDeps;
let server: XtaUpstreamServer;
let tokenServer: XtaUpstreamServer;
let channel: XtaUpstreamChannel;
let readerCert: string;
let xbau: Buffer;

beforeAll(async () => {
  stage = await startXtaUpstreamStage('xta-upstream-poller', {
    async moreUpstreams(pki) {
      tokenServer = await new XtaUpstreamServer({ key: pki.server.key, cert: pki.server.cert, ca: pki.ca, accounts: [], tokens: new Map([['rz-token-value', READER]]) }).start();
      const byToken = (id: string, token: string) => ({ id, tenant: 'testhausen', reader: READER, managementUrl: tokenServer.managementUrl, msgBoxUrl: tokenServer.msgBoxUrl, auth: { token }, caFile: pki.caFile });
      return [byToken('rz-token', 'rz-token-value'), byToken('rz-wrong-token', 'not-the-token')];
    },
  });
  ({ deps, server, channel, readerCert, xbau } = stage);
}, 120_000);

afterAll(async () => {
  await stage?.stop();
  await tokenServer?.stop();
});

const put = (opts: { failFetch?: boolean } = {}) =>
  server.put({ reader: READER, author: 'dvdv:efa', message: { data: xbau, contentType: 'application/xml', filename: 'antrag.xml' }, certificatePem: readerCert, mtom: false, ...opts });

describe('XTA upstream poller', () => {
  it('works off a box fuller than one status list in one poll, each message taken in and closed once', async () => {
    const entries = Array.from({ length: 57 }, () => put());
    const poller = channel.pollers[0]!;
    const outcome = await poller.pollOnce();
    expect(outcome).toEqual({ skipped: false, taken: 57, closed: 57, reclosed: 0, failed: 0, waitingUpstream: 0 });
    // 50 per status list: two rounds at least
    expect(server.count(LIST)).toBeGreaterThanOrEqual(2);
    for (const e of entries) {
      expect([e.fetches, e.closes]).toEqual([1, 1]);
      expect((await deps.journal.findByChannelRef(XTA_UPSTREAM_CHANNEL, xtaUpstreamRef(READER, e.messageId)))?.state).toBe('RECEIVED');
    }
    expect(await poller.pollOnce()).toEqual({ skipped: false, taken: 0, closed: 0, reclosed: 0, failed: 0, waitingUpstream: 0 });
    // taken in and closed upstream, not yet processed (no roles run here): all 57 are backlog, none waits upstream
    expect((await upstreamStatuses(deps)).find((s) => s.id === 'rz-box')).toMatchObject({ kind: 'xta', backlog: 57, waitingUpstream: 0 });
  }, 120_000);

  it('leaves a message the intermediary cannot hand out in the box, shows it as waiting upstream with its age and the error', async () => {
    const statusOf = async () => (await upstreamStatuses(deps)).find((s) => s.id === 'rz-box')!;
    const backlogBefore = (await statusOf()).backlog;
    const stuck = put({ failFetch: true });
    const fine = put();
    const outcome = await channel.pollers[0]!.pollOnce();
    expect(outcome).toMatchObject({ taken: 1, failed: 1, waitingUpstream: 1 });
    expect([stuck.fetches, stuck.closes, fine.closes]).toEqual([0, 0, 1]);
    const status = await statusOf();
    expect(status).toMatchObject({ id: 'rz-box', kind: 'xta', tenant: 'testhausen', backlog: backlogBefore + 1, waitingUpstream: 1 });
    expect(status.lastError?.message).toContain(stuck.messageId);
    expect(status.lastError?.message).toContain('9030');
    expect(status.oldestWaitingUpstreamAgeSeconds).toBeGreaterThanOrEqual(0);
    expect(status.oldestUnacknowledgedAgeSeconds).toBeGreaterThanOrEqual(0);
    // the intermediary recovers: the next poll takes it in and nothing waits upstream any more
    stuck.failFetch = false;
    expect(await channel.pollers[0]!.pollOnce()).toMatchObject({ taken: 1, failed: 0, waitingUpstream: 0 });
    expect([stuck.fetches, stuck.closes]).toEqual([1, 1]);
    expect(await statusOf()).toMatchObject({ backlog: backlogBefore + 2, waitingUpstream: 0 });
    expect((await statusOf()).oldestWaitingUpstreamAgeSeconds).toBeUndefined();
  }, 60_000);

  it('does not let entries failing at the head of the box hide the ones behind them', async () => {
    const stuck = Array.from({ length: 52 }, () => put({ failFetch: true }));
    const behind = Array.from({ length: 3 }, () => put());
    const outcome = await channel.pollers[0]!.pollOnce();
    expect(outcome).toMatchObject({ taken: 3, failed: 52, waitingUpstream: 52 });
    for (const e of behind) expect([e.fetches, e.closes]).toEqual([1, 1]);
    for (const e of stuck) e.failFetch = false;
    expect(await channel.pollers[0]!.pollOnce()).toMatchObject({ taken: 52, failed: 0, waitingUpstream: 0 });
  }, 60_000);

  it('authenticates with a bearer token where the upstream is configured so, and reports a wrong one', async () => {
    const entry = tokenServer.put({ reader: READER, author: 'dvdv:efa', message: { data: xbau, contentType: 'application/xml', filename: 'antrag.xml' }, certificatePem: readerCert, mtom: true });
    const [, byToken, wrong] = channel.pollers;
    expect(await byToken!.pollOnce()).toMatchObject({ taken: 1, closed: 1 });
    expect([entry.fetches, entry.closes]).toEqual([1, 1]);
    await expect(wrong!.pollOnce()).rejects.toThrow(/9012/);
    const status = new Map((await upstreamStatuses(deps)).map((s) => [s.id, s]));
    expect(status.get('rz-token')?.lastSuccessAt).toBeDefined();
    expect(status.get('rz-wrong-token')?.lastError?.message).toContain('9012');
    expect(status.get('rz-wrong-token')?.lastSuccessAt).toBeUndefined();
  }, 60_000);

  it('takes in, closes and audits a MessageID listed twice in one status list once', async () => {
    const entries = [put(), put()];
    const closesBefore = server.count(CLOSE);
    server.listTwice = true;
    try {
      expect(await channel.pollers[0]!.pollOnce()).toEqual({ skipped: false, taken: 2, closed: 2, reclosed: 0, failed: 0, waitingUpstream: 0 });
    } finally {
      server.listTwice = false;
    }
    // one close each: a second one the box refuses (9070, already closed), which was audited as one more close all the same
    expect(server.count(CLOSE) - closesBefore).toBe(2);
    for (const e of entries) {
      expect([e.fetches, e.closes]).toEqual([1, 1]);
      const row = await deps.journal.findByChannelRef(XTA_UPSTREAM_CHANNEL, xtaUpstreamRef(READER, e.messageId));
      const audit = await deps.journal.listAudit({ submissionId: row!.submissionId, limit: 50 });
      expect(audit.filter((a) => a.stage === 'upstream-close')).toHaveLength(1);
    }
  }, 60_000);

  const closeRecords = async (messageId: string) => {
    const row = await deps.journal.findByChannelRef(XTA_UPSTREAM_CHANNEL, xtaUpstreamRef(READER, messageId));
    const audit = await deps.journal.listAudit({ submissionId: row!.submissionId, limit: 50 });
    return audit.filter((a) => a.stage === 'upstream-close');
  };

  it('audits the close of an entry once when the intermediary keeps listing it after the close', async () => {
    const entry = put();
    entry.keepListed = true;
    const poller = channel.pollers[0]!;
    const outcomes = [];
    try {
      // listed again on every poll after the first: nothing new is taken in or audited; closed again after 1, 2 polls
      for (let i = 0; i < 4; i += 1) outcomes.push(await poller.pollOnce());
    } finally {
      entry.keepListed = false;
    }
    expect(await closeRecords(entry.messageId)).toHaveLength(1);
    // the repeated closes meet an entry the box calls closed (9070): they count as done
    expect([entry.fetches, entry.closes]).toEqual([1, 1]);
    expect(outcomes.map((o) => [o.taken, o.closed, o.reclosed, o.failed])).toEqual([[1, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 0], [0, 0, 1, 0]]);
  }, 60_000);

  it('closes an entry again, backing off, while the intermediary ignores its close: fetched and audited once, reported after many closes', async () => {
    const entry = put();
    entry.ignoreClose = true;
    const poller = channel.pollers[0]!;
    const statusOf = async () => (await upstreamStatuses(deps)).find((s) => s.id === 'rz-box')!;
    const reclosesBefore = (await statusOf()).recloses;
    const outcomes = [];
    try {
      // closed at intake (poll 1), again after 1, 2, 4, 8 and 16 polls: polls 2, 4, 8, 16, 32
      for (let i = 0; i < 32; i += 1) outcomes.push(await poller.pollOnce());
    } finally {
      entry.ignoreClose = false;
    }
    const reclosedAt = outcomes.flatMap((o, i) => (o.reclosed > 0 ? [i + 1] : []));
    expect(reclosedAt).toEqual([2, 4, 8, 16, 32]);
    expect(outcomes.reduce((n, o) => n + o.taken, 0)).toBe(1);
    expect([entry.fetches, entry.ignoredCloses, entry.closes]).toEqual([1, 6, 0]);
    expect(await closeRecords(entry.messageId)).toHaveLength(1);
    // five re-closes: the operator sees the entry whose close the intermediary does not take
    expect(await statusOf()).toMatchObject({ recloses: reclosesBefore + 5, closeNotTaken: 1 });
  }, 120_000);

  it('stops closing an entry once the intermediary takes its second close', async () => {
    const entry = put();
    entry.ignoreClose = true;
    const poller = channel.pollers[0]!;
    expect(await poller.pollOnce()).toMatchObject({ taken: 1, closed: 1, reclosed: 0 });
    entry.ignoreClose = false;
    expect(await poller.pollOnce()).toMatchObject({ taken: 0, closed: 0, reclosed: 1 });
    expect([entry.fetches, entry.ignoredCloses, entry.closes]).toEqual([1, 1, 1]);
    expect(server.open(READER).map((e) => e.messageId)).not.toContain(entry.messageId);
    // gone from the box: no further close
    const closesBefore = server.count(CLOSE);
    for (let i = 0; i < 3; i += 1) expect(await poller.pollOnce()).toMatchObject({ taken: 0, reclosed: 0 });
    expect(server.count(CLOSE)).toBe(closesBefore);
    expect(await closeRecords(entry.messageId)).toHaveLength(1);
  }, 60_000);

  it('reaches an entry behind a full status list (50) of closed entries the intermediary keeps listing', async () => {
    const kept = Array.from({ length: 50 }, () => put());
    for (const e of kept) e.keepListed = true;
    const behind = put();
    const poller = channel.pollers[0]!;
    try {
      // the first poll takes the 50 in and closes them; they are listed again, at the head, on every later poll
      for (let i = 0; i < 2; i += 1) await poller.pollOnce();
    } finally {
      for (const e of kept) e.keepListed = false;
    }
    expect([behind.fetches, behind.closes]).toEqual([1, 1]);
    expect(kept.map((e) => e.closes)).toEqual(kept.map(() => 1));
  }, 120_000);

  it('never takes a message twice when two polls of the box start at the same moment', async () => {
    const entries = Array.from({ length: 5 }, () => put());
    const poller = channel.pollers[0]!;
    const [a, b] = await Promise.all([poller.pollOnce(), poller.pollOnce()]);
    expect(a.taken + b.taken).toBe(5);
    for (const e of entries) expect([e.fetches, e.closes]).toEqual([1, 1]);
  }, 60_000);
});
