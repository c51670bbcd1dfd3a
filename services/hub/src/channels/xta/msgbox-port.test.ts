import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EvidenceKey, EvidenceKeyring, generateEvidenceKeyPem } from '@weiche/crypto';
import { bindAuditKeys, createPool, Journal, migrate, XtaStore } from '@weiche/journal';
import { createRedisConnection } from '@weiche/queue';
import type { ParsedSoapRequest } from '@weiche/xta';
import { MsgBoxListings } from './msgbox-listings.js';
import { getStatusList, MAX_LIST_ITEMS } from './msgbox-port.js';
import type { XtaRuntime } from './xta-runtime.js';

// getStatusList against a real box (PostgreSQL, its own schema) holding more entries than one page may list: a
// maxListItems of 999,999,999 (what OSCI2_02.xsd allows) used to make the hub load and answer the whole box at once.
const IDENTITY = 'dvdv:fv-paging-cap';
const schema = `t_msgbox_cap_${randomBytes(5).toString('hex')}`;
const pool = createPool(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
const store = new XtaStore({ pool, schema });
const redis = createRedisConnection({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' });
const prefix = `wt_${randomBytes(5).toString('hex')}`;
const rt = { store, listings: new MsgBoxListings(redis, prefix) } as unknown as XtaRuntime;
// a second replica: its own Redis connection, the same keys
const otherRedis = createRedisConnection({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' });
const otherReplica = { store, listings: new MsgBoxListings(otherRedis, prefix) } as unknown as XtaRuntime;
const identity = { identifier: IDENTITY, kind: 'fachverfahren' as const };
const TOTAL = MAX_LIST_ITEMS + 5;

const request = (payload: object, operation: 'getStatusList' | 'getNextStatusList' = 'getStatusList'): Extract<ParsedSoapRequest, { operation: typeof operation }> =>
  ({ operation, payload }) as unknown as Extract<ParsedSoapRequest, { operation: typeof operation }>;

function answer(envelope: string): { ids: number; itemsPending: number; requestId: string } {
  return {
    ids: envelope.match(/<osci:MsgAttributes>/g)?.length ?? 0,
    itemsPending: Number(/<osci:ItemsPending>(\d+)<\/osci:ItemsPending>/.exec(envelope)?.[1]),
    requestId: /MsgBoxRequestID="([^"]*)"/.exec(envelope)?.[1] ?? '',
  };
}

describe('XTA getStatusList: a page is capped at MAX_LIST_ITEMS', () => {
  beforeAll(async () => {
    await migrate(pool, schema);
    bindAuditKeys(schema, new EvidenceKeyring(EvidenceKey.fromPrivatePem(generateEvidenceKeyPem())));
    const submissionId = randomUUID();
    await new Journal({ pool, schema }).createSubmission({
      submissionId,
      tenantId: 'stadt-a',
      channel: 'xta',
      channelRef: `urn:de:xta:messageid:t:${randomUUID()}`,
      channelMeta: { readerId: 'ags:05974028', authorId: 'dvdv:portal', container: 'encrypted', containerBlobKey: 'blob-1' },
      serviceIdentifier: 'urn:xoev-de:bmk:standard:xbau',
      state: 'RECEIVED',
      actor: 'xta:dvdv:portal',
      inputHash: 'a'.repeat(64),
    });
    const meta = { qualifier: { businessScenario: { kind: 'undefined', value: 'TEST' } } };
    for (let i = 0; i < TOTAL; i += 1) {
      await store.offer({ identity: IDENTITY, messageId: `urn:de:xta:messageid:w:${i}-${randomUUID()}`, submissionId, idempotencyKey: `k${i}`, packageBlobKey: 'pkg', packageSize: 1, packageName: 'p.zip', meta });
    }
  }, 120_000);

  afterAll(async () => {
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool.end();
    redis.disconnect();
    otherRedis.disconnect();
  });

  it('lists at most MAX_LIST_ITEMS however many are asked for, and continues the rest with ItemsPending and the MsgBoxRequestID', async () => {
    const first = answer((await getStatusList(rt, identity, request({ maxListItems: 999_999_999, listForm: 'MsgAttributes' }))).envelope);
    expect(first.ids).toBe(MAX_LIST_ITEMS);
    expect(first.itemsPending).toBe(TOTAL - MAX_LIST_ITEMS);

    const next = answer((await getStatusList(rt, identity, request({ msgBoxRequestId: first.requestId, lastMsgReceived: [] }, 'getNextStatusList'))).envelope);
    expect(next.ids).toBe(TOTAL - MAX_LIST_ITEMS);
    expect(next.itemsPending).toBe(0);
  });

  it('answers getNextStatusList requests with the same MsgBoxRequestID at the same moment, on two replicas, with pages that do not overlap', async () => {
    const first = answer((await getStatusList(rt, identity, request({ maxListItems: 200, listForm: 'MsgAttributes' }))).envelope);
    const next = () => request({ msgBoxRequestId: first.requestId, lastMsgReceived: [] }, 'getNextStatusList');
    // five at once: each round of the compare-and-set lets one through, so none needs more than MAX_CONTINUE_ATTEMPTS (5)
    const pages = await Promise.all([rt, otherReplica, rt, otherReplica, rt].map(async (replica) => (await getStatusList(replica, identity, next())).envelope));
    const listedIds = pages.flatMap((e) => [...e.matchAll(/<osci:MsgAttributes><wsa:MessageID>([^<]*)</g)].map((m) => m[1]));
    // four pages of 200 after the first and one of the remaining 5 (TOTAL = 1005): every entry once
    expect(listedIds).toHaveLength(TOTAL - 200);
    expect(new Set(listedIds).size).toBe(TOTAL - 200);
  });
});
