import { randomBytes, randomUUID } from 'node:crypto';
import { utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ErrorCode } from '@weiche/core';
import { sweepUnansweredPickups } from '@weiche/hub';
import { RetentionStore } from '@weiche/journal';
import { eventNames, eventPayload } from '../support/fit-connect-sender.js';
import { startRelayHub, type RelayHub } from '../support/relay-hub.js';
import { SERVICE } from '../support/test-config.js';

const PROBLEM = (name: string): string => `https://schema.fitko.de/fit-connect/events/problems/${name}`;
const RETENTION_MS = 10 * 60_000;

// Expiry of relay submissions (docs/relay-destinations.md): one nobody answers within processing.relayRetentionMs is
// REJECTED as undeliverable, as FIT-Connect's delivery service does, and its content is deleted. Each test sets a
// submission's submitted_at back and runs the janitor's pass with a short period (the running hub's is 14 days).
describe('relay destinations: expiry of submissions nobody answers', () => {
  let relay: RelayHub;

  beforeAll(async () => {
    relay = await startRelayHub('relay-expiry');
  }, 120_000);

  afterAll(async () => {
    await relay?.hub.stop();
  });

  const deps = () => relay.hub.deps;
  const sweep = () => sweepUnansweredPickups({ ...deps(), processing: { ...deps().config.processing, relayRetentionMs: RETENTION_MS } });
  /** The blobs of a submission's content: the encrypted metadata and data and its attachments, by part. */
  const contentBlobs = async (submissionId: string): Promise<Record<string, string>> => {
    const meta = (await relay.row(submissionId)).channelMeta as { metadataBlobKey: string; dataBlobKey: string };
    const attachments = await deps().journal.listAttachments(submissionId);
    return { metadata: meta.metadataBlobKey, data: meta.dataBlobKey, ...Object.fromEntries(attachments.map((a) => [`attachment:${a.attachmentId}`, a.blobKey])) };
  };
  /** Its blobs written before the orphan grace, as after 14 days (one stored within it is kept: deleteReceivedBlobs). */
  const ageContent = async (submissionId: string): Promise<void> => {
    const past = new Date(Date.now() - deps().config.orphanBlobs.graceMs - 60_000);
    for (const key of Object.values(await contentBlobs(submissionId))) await utimes(join(deps().blobs.root, key.slice(0, 2), key), past, past);
  };
  /** Submitted longer ago than the retention period, its content written as long ago. */
  const expire = async (submissionId: string): Promise<void> => {
    await ageContent(submissionId);
    await deps().pool.query(`UPDATE "${relay.cfg.schema}".submissions SET submitted_at = now() - make_interval(secs => $2::double precision / 1000) WHERE submission_id = $1`, [
      submissionId,
      RETENTION_MS + 60_000,
    ]);
  };
  const stored = async (blobs: Record<string, string>): Promise<Record<string, boolean>> =>
    Object.fromEntries(await Promise.all(Object.entries(blobs).map(async ([part, key]) => [part, await deps().blobs.exists(key)] as const)));
  const deletionRecords = async (submissionId: string) => (await deps().journal.listAudit({ submissionId, limit: 100 })).filter((a) => a.stage === 'retention');
  const receivedDeletedAt = async (submissionId: string) => (await new RetentionStore({ pool: deps().pool, schema: relay.cfg.schema }).deletedAt(submissionId))?.received ?? null;

  it('a submission no subscriber answers within relayRetentionMs: REJECTED as undeliverable, its content deleted and recorded, the sender reads the hub’s reject-submission', async () => {
    const { subscriberA, relayA } = relay;
    const expired = await relay.send({ callback: { url: 'https://127.0.0.1:9/callback', secret: randomBytes(32).toString('hex') } });
    const waiting = await relay.send();
    const blobs = await contentBlobs(expired.submissionId);
    expect(Object.values(await stored(blobs))).toEqual([true, true, true]);
    // submitted longer ago than the retention period (the other one just now)
    await expire(expired.submissionId);

    expect(await sweep()).toBe(1);
    const done = await relay.row(expired.submissionId);
    expect(done.state).toBe('REJECTED');
    expect(done.problem).toMatchObject({ code: 'WEICHE_ERR_NOT_PICKED_UP', part: 'submission' });
    expect(done.acknowledgedAt).not.toBeNull();
    expect((await deps().journal.listAudit({ submissionId: expired.submissionId, limit: 100 })).find((a) => a.toState === 'REJECTED')).toMatchObject({ actor: 'hub:janitor', fromState: 'RECEIVED' });
    expect((await relay.row(waiting.submissionId)).state).toBe('RECEIVED');
    // the whole content is gone, not only the attachments, and recorded as retention records it
    expect(await stored(blobs)).toEqual({ metadata: false, data: false, [`attachment:${expired.attachmentIds[0]}`]: false });
    expect(await receivedDeletedAt(expired.submissionId)).not.toBeNull();
    const [record, ...more] = await deletionRecords(expired.submissionId);
    expect(more).toEqual([]);
    expect(record).toMatchObject({ actor: 'hub:janitor', details: { deleted: 'received', notPickedUp: true } });
    expect((record?.details as { parts: Array<{ part: string; sha256: string }> }).parts).toEqual(Object.entries(blobs).map(([part, sha256]) => ({ part, sha256 })));

    // the sender reads a reject-submission signed by the hub (the delivery service), as from FIT-Connect's, and is called back
    const log = await relay.hub.sender.events(expired.caseId);
    expect(eventNames(log)).toEqual(['create-submission', 'submit-submission', 'reject-submission']);
    const jwks = createLocalJWKSet((await (await fetch(`${relay.hub.baseUrl}/.well-known/jwks.json`)).json()) as Parameters<typeof createLocalJWKSet>[0]);
    await jwtVerify(log[2] ?? '', jwks, { algorithms: ['PS512'], typ: 'secevent+jwt' });
    const [problem] = (eventPayload(log[2] ?? '') as { problems: Array<{ type: string; instance: string; detail: string }> }).problems;
    expect(problem).toMatchObject({ type: PROBLEM('technical-error'), instance: 'submission' });
    expect(problem?.detail).toMatch(/not picked up/);
    const callbacks = await deps().pool.query<{ event_name: string }>(`SELECT event_name FROM "${relay.cfg.schema}".callbacks WHERE submission_id = $1 ORDER BY created_at`, [expired.submissionId]);
    expect(callbacks.rows.map((r) => r.event_name)).toContain('reject-submission');

    // the subscriber can no longer fetch or answer it
    const submission = { destinationId: relayA, submissionId: expired.submissionId, caseId: expired.caseId };
    expect((await subscriberA.pickupList(relayA)).submissions.map((s) => s.submissionId)).not.toContain(expired.submissionId);
    expect((await subscriberA.request('GET', `/v1/submissions/${expired.submissionId}`)).status).toBe(404);
    expect((await subscriberA.postEvent(expired.caseId, await subscriberA.set(submission, 'accept-submission', { authenticationTags: expired.tags }))).status).toBe(409);
    expect(await sweep()).toBe(0);
    expect(await deletionRecords(expired.submissionId)).toHaveLength(1);
  }, 60_000);

  it('expiry keeps a blob that a waiting submission holds too (blobs are content-addressed)', async () => {
    const { subscriberA, relayA } = relay;
    const expired = await relay.send();
    const [attachment] = await deps().journal.listAttachments(expired.submissionId);
    // the sender uploads the same JWE bytes to another submission: stored once
    const jwe = await (await subscriberA.request('GET', `/v1/submissions/${expired.submissionId}/attachments/${attachment?.attachmentId ?? ''}`)).text();
    const attachmentId = randomUUID();
    const other = await relay.hub.sender.json<{ submissionId: string }>('POST', '/v1/submissions', { destinationId: relayA, serviceType: { identifier: SERVICE, name: 'Baugenehmigung beantragen' }, announcedAttachments: [attachmentId] });
    expect((await relay.hub.sender.request('PUT', `/v1/submissions/${other.submissionId}/attachments/${attachmentId}`, jwe, 'application/jose')).status).toBe(204);
    expect((await deps().journal.listAttachments(other.submissionId))[0]?.blobKey).toBe(attachment?.blobKey);
    const blobs = await contentBlobs(expired.submissionId);
    await expire(expired.submissionId);
    expect(await sweep()).toBe(1);
    expect((await relay.row(expired.submissionId)).state).toBe('REJECTED');
    expect(await stored(blobs)).toEqual({ metadata: false, data: false, [`attachment:${attachment?.attachmentId}`]: true });
    const [record] = await deletionRecords(expired.submissionId);
    expect((record?.details as { parts: Array<{ part: string; keptFor?: string }> }).parts.find((p) => p.part.startsWith('attachment:'))?.keptFor).toBeDefined();
  }, 60_000);

  it('an expiry pass that died after the transition: the next pass deletes the content and records it, once', async () => {
    const sent = await relay.send();
    const blobs = await contentBlobs(sent.submissionId);
    expect(Object.values(await stored(blobs))).toEqual([true, true, true]);
    await ageContent(sent.submissionId);
    // what a pass leaves that crashed right after its transition committed: REJECTED as not picked up, content still there
    const problem = { code: ErrorCode.NOT_PICKED_UP, stage: 'pickup', part: 'submission', detail: 'not picked up' } as const;
    await deps().journal.transition(sent.submissionId, { from: ['RECEIVED'], to: 'REJECTED', actor: 'hub:janitor', stage: 'pickup', patch: { reason: problem.detail, problem } });

    // nothing new to expire; the content of the one left behind is deleted (the running hub's own pass may come first)
    expect(await sweep()).toBe(0);
    expect(Object.values(await stored(blobs))).toEqual([false, false, false]);
    expect(await receivedDeletedAt(sent.submissionId)).not.toBeNull();
    expect(await sweep()).toBe(0);
    const records = await deletionRecords(sent.submissionId);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ actor: 'hub:janitor', details: { deleted: 'received', notPickedUp: true } });
  }, 60_000);

  it('a leftover whose deletion fails does not hold up the others or the expiry of new ones; it is finished once it can be', async () => {
    const leftover = async (): Promise<{ submissionId: string; blobs: Record<string, string> }> => {
      const sent = await relay.send();
      const blobs = await contentBlobs(sent.submissionId);
      await ageContent(sent.submissionId);
      const problem = { code: ErrorCode.NOT_PICKED_UP, stage: 'pickup', part: 'submission', detail: 'not picked up' } as const;
      await deps().journal.transition(sent.submissionId, { from: ['RECEIVED'], to: 'REJECTED', actor: 'hub:janitor', stage: 'pickup', patch: { reason: problem.detail, problem } });
      return { submissionId: sent.submissionId, blobs };
    };
    // the oldest leftover's record cannot be read (its channel_meta as an older or newer version wrote it): each pass fails on it
    const failing = await leftover();
    const meta = (await relay.row(failing.submissionId)).channelMeta as Record<string, unknown>;
    const table = `"${relay.cfg.schema}".submissions`;
    await deps().pool.query(`UPDATE ${table} SET channel_meta = channel_meta - 'caseId' WHERE submission_id = $1`, [failing.submissionId]);
    const other = await leftover();
    const fresh = await relay.send();
    await expire(fresh.submissionId);

    expect(await sweep()).toBe(1);
    expect((await relay.row(fresh.submissionId)).state).toBe('REJECTED');
    expect(Object.values(await stored(other.blobs))).toEqual([false, false, false]);
    expect(await receivedDeletedAt(other.submissionId)).not.toBeNull();
    // the failing one is kept as it is, for inspection, and finished by a pass once its record reads again
    expect(Object.values(await stored(failing.blobs))).toEqual([true, true, true]);
    expect(await receivedDeletedAt(failing.submissionId)).toBeNull();
    await deps().pool.query(`UPDATE ${table} SET channel_meta = $2 WHERE submission_id = $1`, [failing.submissionId, meta]);
    expect(await sweep()).toBe(0);
    expect(Object.values(await stored(failing.blobs))).toEqual([false, false, false]);
    expect(await deletionRecords(failing.submissionId)).toHaveLength(1);
  }, 60_000);

  it('content stored again within the orphan grace is kept at expiry, unrecorded, and deleted by a later pass once old', async () => {
    const sent = await relay.send();
    const blobs = await contentBlobs(sent.submissionId);
    // due for expiry, but its blobs just written (as when the same bytes were stored again moments ago)
    await deps().pool.query(`UPDATE "${relay.cfg.schema}".submissions SET submitted_at = now() - interval '1 day' WHERE submission_id = $1`, [sent.submissionId]);
    expect(await sweep()).toBe(1);
    expect((await relay.row(sent.submissionId)).state).toBe('REJECTED');
    expect(Object.values(await stored(blobs))).toEqual([true, true, true]);
    expect(await receivedDeletedAt(sent.submissionId)).toBeNull();
    await ageContent(sent.submissionId);
    expect(await sweep()).toBe(0);
    expect(Object.values(await stored(blobs))).toEqual([false, false, false]);
    expect(await deletionRecords(sent.submissionId)).toHaveLength(1);
  }, 60_000);

  describe('a subscriber in the instant expiry rejects the submission', () => {
    /**
     * Runs the expiry pass to its end right after the next request for `submissionId` read its row (still RECEIVED):
     * the interleaving of a subscriber's request with the janitor that the route cannot hold off.
     */
    const expireAfterRead = async (submissionId: string): Promise<void> => {
      await expire(submissionId);
      const journal = deps().journal;
      const read = journal.getSubmissionWithAttachments.bind(journal);
      const spy = vi.spyOn(journal, 'getSubmissionWithAttachments').mockImplementation(async (id) => {
        const found = await read(id);
        if (id !== submissionId) return found;
        spy.mockRestore();
        expect(await sweep()).toBe(1);
        return found;
      });
    };
    // the answer a subscriber gets for this submission from now on, without a race
    const settledAnswer = async (path: string): Promise<unknown> => (await relay.subscriberA.request('GET', path)).json();

    it('a fetch of the submission gets the OpenAPI’s 404 for a submission no longer submitted', async () => {
      const sent = await relay.send();
      const path = `/v1/submissions/${sent.submissionId}`;
      await expireAfterRead(sent.submissionId);
      const response = await relay.subscriberA.request('GET', path);
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual(await settledAnswer(path));
      expect((await relay.row(sent.submissionId)).state).toBe('REJECTED');
    }, 60_000);

    it('a fetch of an attachment gets the OpenAPI’s 404 for a submission no longer submitted', async () => {
      const sent = await relay.send();
      const path = `/v1/submissions/${sent.submissionId}/attachments/${sent.attachmentIds[0]}`;
      await expireAfterRead(sent.submissionId);
      const response = await relay.subscriberA.request('GET', path);
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual(await settledAnswer(path));
      // nothing was picked up: no pickup audited
      expect((await deps().journal.listAudit({ submissionId: sent.submissionId, limit: 100 })).filter((a) => a.stage === 'pickup' && a.actor.startsWith('subscriber:'))).toEqual([]);
    }, 60_000);

    it('an accept-submission gets 409, the OpenAPI’s invalid state transition, and changes nothing', async () => {
      const { subscriberA, relayA } = relay;
      const sent = await relay.send();
      const accept = await subscriberA.set({ destinationId: relayA, submissionId: sent.submissionId, caseId: sent.caseId }, 'accept-submission', { authenticationTags: sent.tags });
      await expireAfterRead(sent.submissionId);
      const response = await subscriberA.postEvent(sent.caseId, accept);
      expect(response.status, await response.clone().text()).toBe(409);
      expect(await response.json()).toMatchObject({ status: 409, detail: 'the submission cannot be answered (state REJECTED)' });
      expect((await relay.row(sent.submissionId)).state).toBe('REJECTED');
      expect(eventNames(await relay.hub.sender.events(sent.caseId))).toEqual(['create-submission', 'submit-submission', 'reject-submission']);
    }, 60_000);
  });

  it('operators see per relay destination what waits for its subscriber and for how long (FIT-Connect reminds after 3 and 9 days)', async () => {
    const { relayA, relayB } = relay;
    const sent = await relay.send();
    // submitted 4 days ago: past FIT-Connect's first reminder, short of the hub's own 14-day expiry
    await deps().pool.query(`UPDATE "${relay.cfg.schema}".submissions SET submitted_at = now() - interval '4 days' WHERE submission_id = $1`, [sent.submissionId]);
    const metrics = await (await fetch(`${relay.hub.baseUrl}/metrics`)).text();
    const sample = (name: string, destination: string): number => Number(new RegExp(`^${name}\\{destination="${destination}"\\} (\\S+)$`, 'm').exec(metrics)?.[1]);
    const waitingA = (await relay.subscriberA.pickupList(relayA)).totalCount;
    expect(sample('weiche_relay_waiting', relayA)).toBe(waitingA);
    expect(sample('weiche_relay_oldest_waiting_seconds', relayA)).toBeGreaterThanOrEqual(4 * 86_400);
    expect(sample('weiche_relay_oldest_waiting_seconds', relayA)).toBeLessThan(5 * 86_400);
    // a relay destination with nothing waiting shows 0, not no sample
    expect(sample('weiche_relay_waiting', relayB)).toBe(0);
    expect(sample('weiche_relay_oldest_waiting_seconds', relayB)).toBe(0);
  }, 60_000);
});
