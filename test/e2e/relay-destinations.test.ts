import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcileOnce } from '@weiche/hub';
import { processJobId } from '@weiche/queue';
import { requestToken } from '../support/client-credentials.js';
import { waitFor } from '../support/env.js';
import { verifyEventLog } from '../support/event-log-verifier.js';
import { eventNames, eventPayload, type TestSender } from '../support/fit-connect-sender.js';
import type { PickedUpSubmission, SubscriberKeys, TestSubscriber } from '../support/fit-connect-subscriber.js';
import type { InProcessHub } from '../support/hub-in-process.js';
import { startRelayHub, type RelayHub } from '../support/relay-hub.js';
import { SERVICE, type TestHubConfig } from '../support/test-config.js';

const PROBLEM = (name: string): string => `https://schema.fitko.de/fit-connect/events/problems/${name}`;
const sha512 = (data: Buffer): string => createHash('sha512').update(data).digest('hex');
const tagOf = (jwe: string): string => jwe.split('.')[4] ?? '';

// The hub as delivery service (Zustelldienst) of relay destinations whose private keys it does not hold: a sender
// sends through the hub as to any destination; the authority's own subscriber (written from the OpenAPI with
// fetch + jose) picks up, decrypts itself and answers with its signed SET, which the sender reads in the event log.
// Expiry of unanswered submissions: relay-expiry.test.ts.
describe('relay destinations: a subscriber picks up from the hub', () => {
  let relay: RelayHub;
  let cfg: TestHubConfig;
  let hub: InProcessHub;
  let sender: TestSender;
  let keysA: SubscriberKeys;
  let keysB: SubscriberKeys;
  let subscriberA: TestSubscriber;
  let subscriberB: TestSubscriber;
  let relayA: string;

  beforeAll(async () => {
    relay = await startRelayHub('relay');
    ({ cfg, hub, keysA, keysB, subscriberA, subscriberB, relayA } = relay);
    sender = hub.sender;
  }, 120_000);

  afterAll(async () => {
    await relay?.hub.stop();
  });

  const send: RelayHub['send'] = (options) => relay.send(options);
  const row: RelayHub['row'] = (submissionId) => relay.row(submissionId);

  it('sender → hub → subscriber: picked up, decrypted by the subscriber, accepted; the sender reads the accept; nothing mapped or delivered', async () => {
    // the sender is served the subscriber's key (the hub has no private key for it)
    const key = await sender.destinationKey(relayA);
    expect(key.kid).toBe(keysA.encryptionJwk.kid);
    expect(key.jwk.n).toBe(keysA.encryptionJwk.n);
    const sent = await send();

    const list = await subscriberA.pickupList(relayA);
    expect(list.submissions).toContainEqual({ destinationId: relayA, submissionId: sent.submissionId, caseId: sent.caseId });
    const submission = await subscriberA.json<PickedUpSubmission>(`/v1/submissions/${sent.submissionId}`);
    // UUIDs compare case-insensitively (RFC 9562 §4): in capitals they name the same destination and submission (they were 403 and 404)
    expect((await subscriberA.pickupList(relayA.toUpperCase())).submissions.map((x) => x.submissionId)).toContain(sent.submissionId);
    expect(await subscriberA.json<PickedUpSubmission>(`/v1/submissions/${sent.submissionId.toUpperCase()}`)).toEqual(submission);
    expect(submission).toMatchObject({ destinationId: relayA, submissionId: sent.submissionId, caseId: sent.caseId, serviceType: { identifier: SERVICE }, attachments: sent.attachmentIds });
    const metadata = JSON.parse((await subscriberA.decrypt(submission.encryptedMetadata)).toString('utf8')) as {
      contentStructure: { data: { hash: { content: string } }; attachments: Array<{ attachmentId: string; hash: { content: string } }> };
    };
    const data = await subscriberA.decrypt(submission.encryptedData ?? '');
    expect(data.equals(sent.data)).toBe(true);
    expect(sha512(data)).toBe(metadata.contentStructure.data.hash.content);
    const attachmentId = sent.attachmentIds[0] ?? '';
    const response = await subscriberA.request('GET', `/v1/submissions/${sent.submissionId}/attachments/${attachmentId}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/jose/);
    const attachmentJwe = await response.text();
    const attachment = await subscriberA.decrypt(attachmentJwe);
    expect(sha512(attachment)).toBe(metadata.contentStructure.attachments[0]?.hash.content);
    expect(attachment.equals(sent.attachment)).toBe(true);

    const authenticationTags = { metadata: tagOf(submission.encryptedMetadata), data: tagOf(submission.encryptedData ?? ''), attachments: { [attachmentId]: tagOf(attachmentJwe) } };
    const accept = await subscriberA.set(submission, 'accept-submission', { authenticationTags });
    const answered = await subscriberA.postEvent(sent.caseId, accept);
    expect(answered.status, await answered.clone().text()).toBe(204);

    const log = await sender.events(sent.caseId);
    expect(eventNames(log)).toEqual(['create-submission', 'submit-submission', 'accept-submission']);
    // the accept is the subscriber's SET as it was sent, verifying with the subscriber's key
    expect(log[2]).toBe(accept);
    const verified = await jwtVerify(log[2] ?? '', createLocalJWKSet(keysA.signatureJwks), { algorithms: ['PS512'], typ: 'secevent+jwt' });
    expect(verified.payload.iss).toBe(relayA);
    // and as a sender verifies it, knowing only the hub: the subscriber's key by the SET's kid at the destination's keys
    expect((await verifyEventLog(hub.baseUrl, relayA, log)).map((e) => e.event)).toEqual(['create-submission', 'submit-submission', 'accept-submission']);
    expect(eventPayload(log[2] ?? '')).toEqual({ authenticationTags });
    // the hub's submit-submission names the same tags: the subscriber can check what it fetched against the log
    expect(eventPayload(log[1] ?? '')).toEqual({ authenticationTags });
    // the subscriber reads the same log
    expect((await subscriberA.json<{ eventLog: string[] }>(`/v1/cases/${sent.caseId}/events`)).eventLog).toEqual(log);

    expect((await subscriberA.pickupList()).submissions.map((s) => s.submissionId)).not.toContain(sent.submissionId);
    expect((await subscriberA.request('GET', `/v1/submissions/${sent.submissionId}`)).status).toBe(404);
    const done = await row(sent.submissionId);
    expect(done.state).toBe('DELIVERED');
    expect(done.acknowledgedAt).not.toBeNull();
    expect(done.outputBlobKey ?? null).toBeNull();
    expect(await hub.deps.journal.listDeliveries(sent.submissionId)).toEqual([]);
    expect((await readdir(cfg.outbox).catch(() => [])).filter((f) => !f.startsWith('.'))).toEqual([]);
    const audit = await hub.deps.journal.listAudit({ submissionId: sent.submissionId, limit: 100 });
    expect(audit.filter((a) => a.stage === 'pickup').map((a) => [a.actor, (a.details as { part: string }).part])).toEqual([
      ['subscriber:subscriber-a', 'submission'],
      ['subscriber:subscriber-a', 'submission'], // fetched again with the id in capitals
      ['subscriber:subscriber-a', `attachment:${attachmentId}`],
    ]);
    expect(audit.find((a) => a.stage === 'answer')).toMatchObject({ actor: 'subscriber:subscriber-a', toState: 'DELIVERED' });

    // answering again: the submission is no longer open
    const again = await subscriberA.postEvent(sent.caseId, await subscriberA.set(submission, 'accept-submission', { authenticationTags }));
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ status: 409 });
  }, 60_000);

  it('reject-submission: the submission ends REJECTED with the subscriber’s problem, the sender reads the reject', async () => {
    // the sender asked for callbacks: one is owed for the subscriber's answer as for any event
    const sent = await send({ callback: { url: 'https://127.0.0.1:9/callback', secret: randomBytes(32).toString('hex') } });
    const submission = { destinationId: relayA, submissionId: sent.submissionId, caseId: sent.caseId };
    const problems = [{ type: PROBLEM('hash-mismatch'), title: 'Prüfsumme stimmt nicht', detail: 'Die Prüfsumme der Fachdaten stimmt nicht.', instance: 'data' }];
    // the media type in capitals is still application/jose (RFC 9110 §8.3.1: this was a 415)
    const answered = await subscriberA.request('POST', `/v1/cases/${sent.caseId}/events`, await subscriberA.set(submission, 'reject-submission', { problems }), 'Application/JOSE');
    expect(answered.status, await answered.clone().text()).toBe(204);
    const log = await sender.events(sent.caseId);
    expect(eventNames(log)).toEqual(['create-submission', 'submit-submission', 'reject-submission']);
    expect(eventPayload(log[2] ?? '')).toEqual({ problems });
    const done = await row(sent.submissionId);
    expect(done.state).toBe('REJECTED');
    expect(done.problem).toMatchObject({ detail: problems[0]?.detail, part: 'data' });
    const callbacks = await hub.deps.pool.query<{ event_name: string }>(`SELECT event_name FROM "${cfg.schema}".callbacks WHERE submission_id = $1 ORDER BY created_at`, [sent.submissionId]);
    expect(callbacks.rows.map((r) => r.event_name)).toEqual(['create-submission', 'submit-submission', 'reject-submission']);
    const again = await subscriberA.postEvent(sent.caseId, await subscriberA.set(submission, 'accept-submission', { authenticationTags: sent.tags }));
    expect(again.status).toBe(409);
  }, 60_000);

  it('a reply in a relay case (CreateSubmission with caseId) is answered by the SET naming it; the case log holds both answers', async () => {
    const first = await send();
    const reply = await sender.send({ destinationId: relayA, serviceIdentifier: SERVICE, data: Buffer.from('{"nachtrag":true}'), caseId: first.caseId });
    expect(reply.statuses.submit).toBe(202);
    expect(reply.caseId).toBe(first.caseId);
    // the reply is answered first, while the submission that opened the case still waits: each SET names its own (sub)
    for (const sent of [reply, first]) {
      const set = await subscriberA.set({ destinationId: relayA, submissionId: sent.submissionId, caseId: first.caseId }, 'accept-submission', { authenticationTags: sent.tags });
      const answered = await subscriberA.postEvent(first.caseId, set);
      // it was 422 (the SET was checked against the case's first submission) or 409 once that one was answered
      expect(answered.status, await answered.clone().text()).toBe(204);
      expect((await row(sent.submissionId)).state).toBe('DELIVERED');
    }
    expect(eventNames(await sender.events(first.caseId))).toEqual(['create-submission', 'submit-submission', 'create-submission', 'submit-submission', 'accept-submission', 'accept-submission']);
    // a SET naming a submission of another case is still refused
    const other = await send();
    const foreign = await subscriberA.set({ destinationId: relayA, submissionId: other.submissionId, caseId: first.caseId }, 'accept-submission', { authenticationTags: other.tags });
    expect((await subscriberA.postEvent(first.caseId, foreign)).status).toBe(422);
    expect((await row(other.submissionId)).state).toBe('RECEIVED');
  }, 60_000);

  it('attachment ids in capitals: kept in lower case, the subscriber’s accept keying them as the sender wrote them is taken', async () => {
    const attachmentId = randomUUID().toUpperCase();
    const sent = await sender.send({ destinationId: relayA, serviceIdentifier: SERVICE, data: Buffer.from('{"a":1}'), attachments: [{ content: randomBytes(500), filename: 'a.pdf', mimeType: 'application/pdf', attachmentId }] });
    expect(sent.statuses).toEqual({ attachment0: 204, submit: 202 });
    const submission = await subscriberA.json<PickedUpSubmission>(`/v1/submissions/${sent.submissionId}`);
    expect(submission.attachments).toEqual([attachmentId.toLowerCase()]);
    // sent.tags key the attachment as the sender (and its metadata) wrote the id
    const answered = await subscriberA.postEvent(sent.caseId, await subscriberA.set(submission, 'accept-submission', { authenticationTags: sent.tags }));
    expect(answered.status, await answered.clone().text()).toBe(204);
  }, 60_000);

  it('a SET that does not verify or says something else is 422, and the submission stays open', async () => {
    const sent = await send();
    const other = await send();
    const submission = { destinationId: relayA, submissionId: sent.submissionId, caseId: sent.caseId };
    const accept = { authenticationTags: sent.tags };
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'secevent+jwt' })).toString('base64url');
    const claims = Buffer.from(
      JSON.stringify({ iss: relayA, iat: 1, jti: randomUUID(), sub: `submission:${sent.submissionId}`, txn: `case:${sent.caseId}`, events: { 'https://schema.fitko.de/fit-connect/events/accept-submission': accept } }),
    ).toString('base64url');
    const bad: Array<[string, string]> = [
      ['unsigned', `${header}.${claims}.`],
      ['foreign key', await subscriberA.set(submission, 'accept-submission', accept, { key: keysB.signingKey })],
      ['typ jwt', await subscriberA.set(submission, 'accept-submission', accept, { header: { typ: 'JWT' } })],
      ['another submission', await subscriberA.set({ ...submission, submissionId: other.submissionId }, 'accept-submission', accept)],
      ['another case', await subscriberA.set({ ...submission, caseId: other.caseId }, 'accept-submission', accept)],
      ['not an answer', await subscriberA.set(submission, 'submit-submission', {})],
      ['two events', await subscriberA.set(submission, 'accept-submission', accept, { claims: { events: { 'https://schema.fitko.de/fit-connect/events/accept-submission': accept, 'https://schema.fitko.de/fit-connect/events/reject-submission': { problems: [] } } } })],
      ['wrong tags', await subscriberA.set(submission, 'accept-submission', { authenticationTags: { ...sent.tags, metadata: other.tags.metadata } })],
      ['reject without problems', await subscriberA.set(submission, 'reject-submission', { problems: [] })],
      // the FIT-Connect SET payload schema: jti a UUID, iat an integer not before 2020; and not issued in the future
      ['jti not a UUID', await subscriberA.set(submission, 'accept-submission', accept, { claims: { jti: 'answer-1' } })],
      ['iat not an integer', await subscriberA.set(submission, 'accept-submission', accept, { claims: { iat: Math.floor(Date.now() / 1000) + 0.5 } })],
      ['iat before 2020', await subscriberA.set(submission, 'accept-submission', accept, { claims: { iat: 0 } })],
      ['iat a day ahead', await subscriberA.set(submission, 'accept-submission', accept, { claims: { iat: Math.floor(Date.now() / 1000) + 86_400 } })],
      ['garbage', 'not-a-jwt'],
    ];
    for (const [what, set] of bad) {
      const response = await subscriberA.postEvent(sent.caseId, set);
      expect(response.status, what).toBe(422);
      expect(((await response.json()) as { status: number }).status, what).toBe(422);
    }
    // a jti used before (the other submission's accepted answer) is refused too
    const first = await subscriberA.set({ ...submission, submissionId: other.submissionId, caseId: other.caseId }, 'accept-submission', { authenticationTags: other.tags });
    expect((await subscriberA.postEvent(other.caseId, first)).status).toBe(204);
    const { jti } = JSON.parse(Buffer.from(first.split('.')[1] ?? '', 'base64url').toString('utf8')) as { jti: string };
    const replayedJti = await subscriberA.set(submission, 'accept-submission', accept, { claims: { jti } });
    expect((await subscriberA.postEvent(sent.caseId, replayedJti)).status).toBe(422);
    // the same UUID in capitals names the same SET
    const replayedUpper = await subscriberA.set(submission, 'accept-submission', accept, { claims: { jti: jti.toUpperCase() } });
    expect((await subscriberA.postEvent(sent.caseId, replayedUpper)).status).toBe(422);
    expect((await row(sent.submissionId)).state).toBe('RECEIVED');
    expect(eventNames(await sender.events(sent.caseId))).toEqual(['create-submission', 'submit-submission']);
  }, 60_000);

  it('two SETs with one jti for two submissions at the same instant: one answer is taken, the other is 422 and its submission stays open', async () => {
    const [first, second] = [await send(), await send()];
    const jti = randomUUID();
    const problems = [{ type: PROBLEM('hash-mismatch'), title: 'Prüfsumme stimmt nicht', instance: 'data' }];
    const answer = (sent: typeof first) => subscriberA.set({ destinationId: relayA, submissionId: sent.submissionId, caseId: sent.caseId }, 'reject-submission', { problems }, { claims: { jti } });
    const [setA, setB] = await Promise.all([answer(first), answer(second)]);
    // both requests pass every check (the jti is in no log yet) and then wait on the rows held here, so their
    // transitions run at the same instant once they are released
    const blocker = await hub.deps.pool.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query(`SELECT 1 FROM "${cfg.schema}".submissions WHERE submission_id = ANY($1) FOR UPDATE`, [[first.submissionId, second.submissionId]]);
      const posted = Promise.all([subscriberA.postEvent(first.caseId, setA), subscriberA.postEvent(second.caseId, setB)]);
      await waitFor('both answers waiting on the submission rows', async () => {
        const { rows } = await hub.deps.pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND strpos(query, $1) > 0 AND query LIKE '%FOR UPDATE%' AND pid <> $2`,
          [`"${cfg.schema}".submissions`, (await blocker.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid],
        );
        return (rows[0]?.n ?? 0) >= 2;
      }, 20_000, 50);
      await blocker.query('COMMIT');
      const responses = await posted;
      expect(responses.map((r) => r.status).sort()).toEqual([204, 422]);
      const loser = responses[0]?.status === 422 ? first : second;
      const winner = loser === first ? second : first;
      expect((await row(winner.submissionId)).state).toBe('REJECTED');
      // the refused answer changed nothing: still open, no answer in its log, still in the pickup list
      expect((await row(loser.submissionId)).state).toBe('RECEIVED');
      expect(eventNames(await sender.events(loser.caseId))).toEqual(['create-submission', 'submit-submission']);
      expect((await subscriberA.pickupList(relayA)).submissions.map((s) => s.submissionId)).toContain(loser.submissionId);
    } finally {
      await blocker.query('ROLLBACK').catch(() => undefined);
      blocker.release();
    }
  }, 60_000);

  // FIT-Connect's delivery service checks the structure of what it cannot decrypt at submit; the hub checks a relay destination's
  // JWEs as it checks its own destinations' before decryption (five segments, RSA-OAEP-256, A256GCM, no zip, the published kid)
  it('JWEs to a relay destination that are no compact JWE or have another alg, enc, zip or kid are 400 at upload and submit', async () => {
    const headerOf = (jwe: string) => JSON.parse(Buffer.from(jwe.split('.')[0] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
    const withHeader = (change: Record<string, unknown>) => (jwe: string) =>
      [Buffer.from(JSON.stringify({ ...headerOf(jwe), ...change })).toString('base64url'), ...jwe.split('.').slice(1)].join('.');
    const base = { destinationId: relayA, serviceIdentifier: SERVICE, data: Buffer.from('{"vorhaben":"Carport"}') };
    for (const metadataJwe of [() => 'abc', withHeader({ alg: 'RSA-OAEP' }), withHeader({ zip: 'DEF' })]) {
      const sent = await sender.send({ ...base, tamper: { metadataJwe } });
      expect(sent.statuses.submit).toBe(400);
      expect(sender.lastProblem?.detail).toMatch(/^encryptedMetadata: JWE rejected: (malformed|unsupported-alg|zip-not-allowed)/);
      expect((await row(sent.submissionId)).state).toBe('CREATED');
    }
    const data = await sender.send({ ...base, tamper: { dataJwe: withHeader({ enc: 'A128CBC-HS256' }) } });
    expect(data.statuses.submit).toBe(400);
    expect(sender.lastProblem?.detail).toMatch(/^encryptedData: JWE rejected: unsupported-enc/);
    const attachments = [{ content: Buffer.from('%PDF-1.7 plan'), filename: 'plan.pdf', mimeType: 'application/pdf' }];
    const kid = await sender.send({ ...base, attachments, tamper: { attachmentJwe: withHeader({ kid: 'not-the-subscribers-key' }) } });
    expect(kid.statuses.attachment0).toBe(400);
    expect(kid.statuses.submit).toBe(422);
  }, 60_000);

  it('a sender token never picks up, a subscriber token never sends, a subscriber of another destination gets 403', async () => {
    const sent = await send();
    const set = await subscriberA.set({ destinationId: relayA, submissionId: sent.submissionId, caseId: sent.caseId }, 'accept-submission', { authenticationTags: sent.tags });
    for (const [method, path, body] of [
      ['GET', `/v1/submissions?destinationId=${relayA}`, undefined],
      ['GET', `/v1/submissions/${sent.submissionId}`, undefined],
      ['GET', `/v1/submissions/${sent.submissionId}/attachments/${sent.attachmentIds[0]}`, undefined],
      ['POST', `/v1/cases/${sent.caseId}/events`, set],
    ] as const) {
      expect((await sender.request(method, path, body, 'application/jose')).status, `sender ${method} ${path}`).toBe(403);
      expect((await subscriberB.request(method, path, body)).status, `subscriber B ${method} ${path}`).toBe(403);
    }
    expect((await subscriberB.pickupList()).submissions.map((s) => s.submissionId)).not.toContain(sent.submissionId);
    expect((await subscriberB.request('GET', `/v1/cases/${sent.caseId}/events`)).status).toBe(403);
    // get-destination-info names the subscriber's scope too (it was 403 "does not send"); another destination's stays 403
    const destination = await subscriberA.request('GET', `/v1/destinations/${relayA}`);
    expect(destination.status, await destination.clone().text()).toBe(200);
    expect(await destination.json()).toMatchObject({ destinationId: relayA, encryptionKid: keysA.encryptionJwk.kid });
    expect((await subscriberB.request('GET', `/v1/destinations/${relayA}`)).status).toBe(403);
    const create = await subscriberA.request('POST', '/v1/submissions', JSON.stringify({ destinationId: relayA, serviceType: { identifier: SERVICE, name: 'Baugenehmigung beantragen' }, announcedAttachments: [] }), 'application/json');
    expect(create.status).toBe(403);
    // a subscriber cannot ask for a sender's scope
    const token = await requestToken(hub.baseUrl, { clientId: 'subscriber-a', clientSecret: (cfg.raw.subscriberClients as Array<{ clientSecret: string }>)[0]?.clientSecret ?? '', scope: `send:destination:${relayA}` });
    expect(token.status).toBe(400);
    // unknown ids are 404; an answer that is not application/jose is 415
    expect((await subscriberA.request('GET', `/v1/submissions/${randomUUID()}`)).status).toBe(404);
    expect((await subscriberA.request('GET', `/v1/submissions/${sent.submissionId}/attachments/${randomUUID()}`)).status).toBe(404);
    expect((await subscriberA.postEvent(randomUUID(), set)).status).toBe(404);
    expect((await subscriberA.request('POST', `/v1/cases/${sent.caseId}/events`, set, 'text/plain')).status).toBe(415);
    expect((await row(sent.submissionId)).state).toBe('RECEIVED');
  }, 60_000);

  it('the reconciler leaves waiting relay submissions alone: no job, no FAILED', async () => {
    const sent = await send();
    // older than reconcileAfterMs (500 ms in tests), and reconciled by the running hub and once more here
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await reconcileOnce({ ...hub.deps, processing: { ...hub.deps.config.processing, reconcileAfterMs: 0 }, log: hub.deps.log });
    expect(await hub.deps.queues.process.getJob(processJobId(sent.submissionId))).toBeUndefined();
    const waiting = await row(sent.submissionId);
    expect(waiting.state).toBe('RECEIVED');
    expect((await subscriberA.pickupList(relayA)).submissions.map((s) => s.submissionId)).toContain(sent.submissionId);
    // a process job for one, however enqueued (an operator, an older replica), is skipped: never opened, never FAILED
    await hub.deps.queues.enqueueProcess({ submissionId: sent.submissionId });
    // completed jobs are removed; a failed one would be kept
    await waitFor('the process job done', async () => (await hub.deps.queues.process.getJob(processJobId(sent.submissionId))) === undefined, 60_000);
    expect((await row(sent.submissionId)).state).toBe('RECEIVED');
    expect((await hub.deps.journal.listAudit({ submissionId: sent.submissionId, limit: 100 })).map((a) => a.stage)).not.toContain('open');
  }, 60_000);
});
