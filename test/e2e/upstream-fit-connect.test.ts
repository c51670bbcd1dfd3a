import { execFile } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { access } from 'node:fs/promises';
import { promisify } from 'node:util';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zipsIn } from '../support/batch.js';
import { join } from 'node:path';
import { ARTIFACTS_DIR, launchBrowser } from '../support/browser.js';
import { dropSchema, queryOnce as query, REPO_ROOT, tempDir, waitFor } from '../support/env.js';
import { submissionMetadata } from '../support/fit-connect-sender.js';
import { upstreamFixture, type UpstreamFixture } from '../support/fit-connect-upstream.js';
import { HubProcess, startHubOnFreePort } from '../support/hub-process.js';
import { SERVICE, setServerPort, writeTestConfig, type TestHubConfig } from '../support/test-config.js';
import { HttpError, TestZustelldienst } from '../support/test-zustelldienst.js';
import { upstreamFailures } from '../support/upstream-failures.js';

const PROBLEM = (name: string): string => `https://schema.fitko.de/fit-connect/events/problems/${name}`;
const OPERATOR = randomBytes(16).toString('hex');
const OTHER_TENANT_ADMIN = randomBytes(16).toString('hex');

// The hub as Subscriber of a FIT-Connect Zustelldienst (issue 10): a sender posts to the test Zustelldienst,
// the hub polls (pages of 2, an access token living 3 s) or is called back, fetches, decrypts, delivers to
// its DMS folder and answers with one signed accept-submission (or reject-submission) per submission, which
// the Zustelldienst verifies against the key registered for the destination.
describe('FIT-Connect upstream: pickup from a Zustelldienst', () => {
  let zd: TestZustelldienst;
  let cfg: TestHubConfig;
  let hub: HubProcess;
  let polled: UpstreamFixture;
  let called: UpstreamFixture;
  let hubUrl: string;
  const early: Array<{ submissionId: string; tags: { metadata: string; data?: string; attachments: Record<string, string> } }> = [];

  const upstreamRows = (upstreamSubmissionId: string) =>
    query<{ state: string; acknowledged_at: Date | null; problem: { code: string } | null }>(
      `SELECT state, acknowledged_at, problem FROM "${cfg.schema}".submissions WHERE channel = 'fit-connect-upstream' AND channel_ref = $1`,
      [upstreamSubmissionId],
    );
  const admin = async (path: string, token = OPERATOR): Promise<Response> => fetch(`${hubUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    zd = await TestZustelldienst.start({ tokenTtlSeconds: 3, maxPageSize: 2 });
    const dir = await tempDir('upstream-fit');
    polled = await upstreamFixture(zd, dir, { id: 'zd-polled', pollIntervalMs: 300 });
    // called back at the hub's URL, told to the Zustelldienst once the hub listens (its first submission comes later)
    called = await upstreamFixture(zd, dir, { id: 'zd-called', pollIntervalMs: 600_000 });
    // 7 submissions wait upstream before the hub starts: its first poll pages through 4 pages of 2
    for (let i = 0; i < 7; i++) {
      const sent = await polled.sender.send({
        destinationId: polled.destinationId,
        serviceIdentifier: SERVICE,
        data: Buffer.from(JSON.stringify({ laufnummer: i, vorhaben: 'Carport' })),
        attachments: [{ content: randomBytes(3000), filename: `plan-${i}.pdf`, mimeType: 'application/pdf' }],
      });
      expect(sent.statuses.submit).toBe(202);
      early.push({ submissionId: sent.submissionId, tags: sent.tags });
    }
    cfg = await writeTestConfig(dir, {
      overrides(raw) {
        const { callbackSecret: _none, ...withoutCallback } = polled.config;
        raw.upstreams = { fitConnect: [withoutCallback, called.config] };
        raw.upstreamOverdueAfter = '2s';
        // the JWEs as fetched are kept 90 days; the last test runs retention as of a later day
        (raw.tenants as Array<{ id: string; retention?: unknown }>).find((t) => t.id === 'testhausen')!.retention = { ciphertextDays: 90 };
        (raw.tenants as unknown[]).push({ id: 'anderswo', name: 'Gemeinde Anderswo', ags: '05974999', behoerdenkennung: 'ags:05974999', organisationseinheit: 'Bauamt' });
        raw.admin = {
          tokens: [
            { token: OPERATOR, subject: 'ops', role: 'operator' },
            { token: OTHER_TENANT_ADMIN, subject: 'anderswo-admin', role: 'tenant-admin', tenants: ['anderswo'] },
          ],
        };
      },
    });
    const started = await startHubOnFreePort(async (port) => new HubProcess(['--config', (await setServerPort(cfg, port)).file]));
    hub = started.hub;
    hubUrl = `http://127.0.0.1:${started.port}`;
    called.callBackTo(`${hubUrl}/callbacks/fit-connect/zd-called`);
  }, 180_000);

  afterAll(async () => {
    await hub?.stop();
    await zd?.close();
    if (cfg) await dropSchema(cfg.schema);
  });

  it('picks up every page, delivers each submission once and accepts it once with the JWE authentication tags', async () => {
    await waitFor('7 accepted', async () => (early.every((s) => zd.answersFor(s.submissionId).length > 0) ? true : undefined), 120_000, 250);
    await waitFor('7 ZIPs', async () => ((await zipsIn(cfg.outbox)).length === 7 ? true : undefined), 30_000);
    for (const s of early) {
      const answers = zd.answersFor(s.submissionId);
      expect(answers).toHaveLength(1);
      expect(answers[0]?.event).toBe('accept-submission');
      expect(answers[0]?.payload).toEqual({ authenticationTags: s.tags });
      const rows = await upstreamRows(s.submissionId);
      expect(rows).toHaveLength(1);
      expect(rows[0]?.state).toBe('DELIVERED');
      await waitFor('acknowledged in the journal', async () => ((await upstreamRows(s.submissionId))[0]?.acknowledged_at ? true : undefined), 60_000);
    }
    expect(zd.refusedAnswers).toEqual([]);
    // 7 ready submissions in pages of 2: the first poll alone needs 4 pages
    expect(zd.pagesServed).toBeGreaterThanOrEqual(4);
    // the poller keeps polling every 300 ms with a token living 3 s: it is renewed (twice within ~6 s, however
    // fast the pickups above were) and always before it expired — no request was refused for it
    await waitFor('the token renewed twice', async () => (zd.tokensIssued >= 3 ? true : undefined), 30_000, 100);
    expect(zd.expiredTokenRefusals).toBe(0);
  }, 150_000);

  it('picks up at once on a new-submissions callback (the poll interval is 10 minutes)', async () => {
    const started = Date.now();
    const sent = await called.sender.send({ destinationId: called.destinationId, serviceIdentifier: SERVICE, data: Buffer.from('{"vorhaben":"Wintergarten"}') });
    await waitFor('accepted after the callback', async () => (zd.answersFor(sent.submissionId).length > 0 ? true : undefined), 60_000, 100);
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(zd.answersFor(sent.submissionId)).toEqual([expect.objectContaining({ event: 'accept-submission', payload: { authenticationTags: sent.tags } })]);
  }, 90_000);

  it('replaces a token the Zustelldienst revoked when it answers 401', async () => {
    // revoked right after a renewal: the hub holds that token for ~2 s more and polls every 300 ms, so its next
    // request carries the revoked token (revoked at a random moment, the hub's own renewal came first about one
    // time in seven and no request was refused)
    const issued = zd.tokensIssued;
    await waitFor('a token renewal', async () => (zd.tokensIssued > issued ? true : undefined), 30_000, 10);
    zd.revokeSubscriberTokens();
    const refusedBefore = zd.unknownTokenRefusals;
    const sent = await polled.sender.send({ destinationId: polled.destinationId, serviceIdentifier: SERVICE, data: Buffer.from('{"vorhaben":"Dachgaube"}') });
    await waitFor('accepted with a new token', async () => (zd.answersFor(sent.submissionId).length > 0 ? true : undefined), 60_000, 200);
    expect(zd.unknownTokenRefusals).toBeGreaterThan(refusedBefore);
    expect(zd.answersFor(sent.submissionId).map((a) => a.event)).toEqual(['accept-submission']);
  }, 90_000);

  it('refuses callbacks with a bad HMAC or a stale timestamp (401) and for upstreams without a secret (404)', async () => {
    const body = JSON.stringify({ type: 'https://schema.fitko.de/fit-connect/submission-api/callbacks/new-submissions', submissionIds: [crypto.randomUUID()] });
    const post = (id: string, headers: Record<string, string>) => fetch(`${hubUrl}/callbacks/fit-connect/${id}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    const now = String(Math.floor(Date.now() / 1000));
    const sign = (secret: string, timestamp: string) => createHmac('sha512', secret).update(`${timestamp}.${body}`).digest('hex');

    const forged = await post('zd-called', { 'callback-authentication': sign('not-the-secret', now), 'callback-timestamp': now });
    expect(forged.status).toBe(401);
    expect(forged.headers.get('content-type')).toContain('application/problem+json');
    const stale = String(Math.floor(Date.now() / 1000) - 600);
    expect((await post('zd-called', { 'callback-authentication': sign(called.callbackSecret, stale), 'callback-timestamp': stale })).status).toBe(401);
    const future = String(Math.floor(Date.now() / 1000) + 120);
    expect((await post('zd-called', { 'callback-authentication': sign(called.callbackSecret, future), 'callback-timestamp': future })).status).toBe(401);
    expect((await post('zd-polled', { 'callback-authentication': sign(called.callbackSecret, now), 'callback-timestamp': now })).status).toBe(404);
    expect((await post('zd-called', { 'callback-authentication': sign(called.callbackSecret, now), 'callback-timestamp': now })).status).toBe(204);
  });

  it('rejects a hash mismatch with one reject-submission naming the hash problem, and delivers nothing', async () => {
    const zipsBefore = (await zipsIn(cfg.outbox)).length;
    const sent = await polled.sender.send({
      destinationId: polled.destinationId,
      serviceIdentifier: SERVICE,
      data: Buffer.from('{"vorhaben":"Garage"}'),
      tamper: {
        metadata: (m) => {
          const structure = m.contentStructure as { data: { hash: { content: string } } };
          structure.data.hash.content = 'ab'.repeat(64);
          return m;
        },
      },
    });
    await waitFor('rejected upstream', async () => (zd.answersFor(sent.submissionId).length > 0 ? true : undefined), 60_000, 200);
    const answers = zd.answersFor(sent.submissionId);
    expect(answers).toHaveLength(1);
    expect(answers[0]?.event).toBe('reject-submission');
    expect((answers[0]?.payload.problems as Array<{ type: string; instance: string }>)[0]).toMatchObject({ type: PROBLEM('hash-mismatch'), instance: 'data' });
    expect((await upstreamRows(sent.submissionId))[0]?.state).toBe('REJECTED');
    expect((await zipsIn(cfg.outbox)).length).toBe(zipsBefore);
  }, 90_000);

  it('does not process a submission whose submit-submission SET is forged: reject with invalid-event-log', async () => {
    const zipsBefore = (await zipsIn(cfg.outbox)).length;
    zd.forgeNextSubmitEvent = true;
    const sent = await polled.sender.send({ destinationId: polled.destinationId, serviceIdentifier: SERVICE, data: Buffer.from('{"vorhaben":"Pool"}') });
    await waitFor('rejected upstream', async () => (zd.answersFor(sent.submissionId).length > 0 ? true : undefined), 60_000, 200);
    const answers = zd.answersFor(sent.submissionId);
    expect(answers).toHaveLength(1);
    expect(answers[0]?.event).toBe('reject-submission');
    expect((answers[0]?.payload.problems as Array<{ type: string }>)[0]?.type).toBe(PROBLEM('invalid-event-log'));
    const rows = await upstreamRows(sent.submissionId);
    expect(rows[0]?.state).toBe('REJECTED');
    // never opened: no OPENED record in its audit trail
    const opened = await query(`SELECT 1 FROM "${cfg.schema}".audit a JOIN "${cfg.schema}".submissions s USING (submission_id) WHERE s.channel_ref = $1 AND a.to_state = 'OPENED'`, [sent.submissionId]);
    expect(opened).toHaveLength(0);
    expect((await zipsIn(cfg.outbox)).length).toBe(zipsBefore);
    expect(hub.output).toContain('upstream event log does not verify');
  }, 90_000);

  it('rejects metadata encrypted for another destination (encryption-issue)', async () => {
    const zipsBefore = (await zipsIn(cfg.outbox)).length;
    const dir = await tempDir('upstream-other');
    const other = await upstreamFixture(zd, dir, { id: 'not-configured' });
    const data = Buffer.from('{"vorhaben":"Zaun"}');
    // the metadata the sender would send, encrypted with the other destination's key
    const foreign = await polled.sender.encrypt(other.destinationId, Buffer.from(JSON.stringify(submissionMetadata({ data }, []))));
    const sent = await polled.sender.send({ destinationId: polled.destinationId, serviceIdentifier: SERVICE, data, tamper: { metadataJwe: () => foreign } });
    await waitFor('rejected upstream', async () => (zd.answersFor(sent.submissionId).length > 0 ? true : undefined), 60_000, 200);
    const answers = zd.answersFor(sent.submissionId);
    expect(answers).toHaveLength(1);
    expect(answers[0]?.event).toBe('reject-submission');
    expect((answers[0]?.payload.problems as Array<{ type: string; instance: string }>)[0]).toMatchObject({ type: PROBLEM('encryption-issue'), instance: 'metadata' });
    expect((await zipsIn(cfg.outbox)).length).toBe(zipsBefore);
  }, 90_000);

  it('shows upstream connections in the admin API and metrics, with overdue submissions while an accept is held up', async () => {
    // what the hub picked up before is answered first (when this test runs alone)
    await waitFor('earlier submissions accepted', async () => (early.every((s) => zd.answersFor(s.submissionId).length > 0) ? true : undefined), 120_000, 250);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    zd.hooks.beforeAnswerRecorded = () => held;
    try {
      const sent = await polled.sender.send({ destinationId: polled.destinationId, serviceIdentifier: SERVICE, data: Buffer.from('{"vorhaben":"Schuppen"}') });
      await waitFor('delivered, accept held up', async () => ((await upstreamRows(sent.submissionId))[0]?.state === 'DELIVERED' ? true : undefined), 60_000, 200);
      const status = await waitFor('overdue after 2 s', async () => {
        const list = (await (await admin('/admin/api/v1/upstreams')).json()) as Array<Record<string, unknown>>;
        const polledStatus = list.find((u) => u.id === 'zd-polled');
        return polledStatus && (polledStatus.overdue as number) >= 1 ? { list, polledStatus } : undefined;
      }, 30_000, 500);
      expect(status.list.map((u) => u.id).sort()).toEqual(['zd-called', 'zd-polled']);
      expect(status.polledStatus).toMatchObject({ kind: 'fit-connect', tenant: 'testhausen', backlog: 1, overdue: 1 });
      expect(status.polledStatus.lastSuccessAt).toEqual(expect.any(String));
      expect(status.polledStatus.oldestUnacknowledgedAgeSeconds).toBeGreaterThanOrEqual(2);
      const metrics = await (await admin('/metrics')).text();
      expect(metrics).toMatch(/weiche_upstream_overdue\{upstream="zd-polled"\} 1/);
      expect(metrics).toMatch(/weiche_upstream_oldest_unacknowledged_seconds\{upstream="zd-polled"\} [1-9]/);
      // tenant scope: another tenant's admin sees no upstream of testhausen
      expect(await (await admin('/admin/api/v1/upstreams', OTHER_TENANT_ADMIN)).json()).toEqual([]);

      // the console's overview warns about the overdue submission and lists both connections
      const browser = await launchBrowser({ locale: 'en-GB' });
      try {
        const page = await browser.context.newPage();
        const errors: string[] = [];
        page.on('pageerror', (error) => void errors.push(error.message));
        await page.addInitScript("sessionStorage.setItem('weiche.refresh', '0')");
        await page.goto(`${hubUrl}/admin/`);
        await page.getByLabel(/token/i).fill(OPERATOR);
        await page.keyboard.press('Enter');
        const warning = page.getByTestId('upstream-overdue');
        await warning.waitFor({ timeout: 30_000 });
        expect(await warning.textContent()).toContain('zd-polled: 1 picked-up submission(s) are overdue');
        const upstreams = page.getByTestId('upstreams');
        expect(await upstreams.getByText('zd-called').count()).toBe(1);
        expect(await upstreams.getByRole('heading', { level: 2 }).count()).toBe(0);
        expect(await page.getByRole('heading', { level: 2, name: 'Upstream connections (pickup)' }).count()).toBe(1);
        await page.screenshot({ path: join(ARTIFACTS_DIR, 'console-upstreams-overdue.png'), fullPage: true });
        expect(errors).toEqual([]);
      } finally {
        await browser.close();
      }
      release();
      await waitFor('accepted once released', async () => (zd.answersFor(sent.submissionId).length > 0 ? true : undefined), 60_000, 200);
      await waitFor('backlog empty', async () => {
        const list = (await (await admin('/admin/api/v1/upstreams')).json()) as Array<{ id: string; backlog: number; overdue: number }>;
        const s = list.find((u) => u.id === 'zd-polled');
        return s?.backlog === 0 && s.overdue === 0 ? true : undefined;
      }, 30_000, 500);
      expect(zd.answersFor(sent.submissionId)).toHaveLength(1);
    } finally {
      release();
      delete zd.hooks.beforeAnswerRecorded;
    }
  }, 120_000);

  it('shows in /metrics that an upstream\'s polls fail, and that they succeed again', async () => {
    const failing = async (): Promise<string | undefined> => /^weiche_upstream_poll_failing\{upstream="zd-polled"\} (\d+)$/m.exec(await (await admin('/metrics')).text())?.[1];
    expect(await failing()).toBe('0');
    // a proxy answers the pickup list with a maintenance page: every pass fails
    zd.hooks.answerInstead = (call) => (call === 'list' ? { type: 'application/json', body: JSON.stringify({ status: 'maintenance' }) } : undefined);
    try {
      await waitFor('the gauge at 1', async () => ((await failing()) === '1' ? true : undefined), 30_000, 200);
      const list = (await (await admin('/admin/api/v1/upstreams')).json()) as Array<{ id: string; lastPollFailed: boolean; lastError?: { message: string } }>;
      expect(list.find((u) => u.id === 'zd-polled')).toMatchObject({ lastPollFailed: true, lastError: { message: expect.stringContaining('not of the Submission API') } });
    } finally {
      delete zd.hooks.answerInstead;
    }
    await waitFor('the gauge back at 0', async () => ((await failing()) === '0' ? true : undefined), 30_000, 200);
  }, 90_000);

  it('counts failed calls per kind in /metrics: a maintenance page for the list, an attachment answered 503, a submission answered as another destination\'s', async () => {
    const counted = async (): Promise<Map<string, number>> => upstreamFailures(await (await admin('/metrics')).text(), 'zd-polled');
    const before = await counted();
    expect([...before.keys()]).toEqual(['connection', 'tls', 'auth', 'upstream-error', 'invalid-answer', 'too-large', 'other']);
    const more = async (kind: string): Promise<true | undefined> => ((await counted()).get(kind)! > before.get(kind)! ? true : undefined);
    zd.hooks.answerInstead = (call) => (call === 'list' ? { type: 'text/html', body: '<html>Wartungsarbeiten</html>' } : undefined);
    try {
      await waitFor('the maintenance page counted as an invalid answer', () => more('invalid-answer'), 30_000, 200);
    } finally {
      delete zd.hooks.answerInstead;
    }
    zd.hooks.beforeAttachment = () => Promise.reject(new HttpError(503, 'attachment store down'));
    try {
      const sent = await polled.sender.send({
        destinationId: polled.destinationId,
        serviceIdentifier: SERVICE,
        data: Buffer.from('{"vorhaben":"Gartenhaus"}'),
        attachments: [{ content: randomBytes(2000), filename: 'lageplan.pdf', mimeType: 'application/pdf' }],
      });
      await waitFor('the 503 counted as an upstream error', () => more('upstream-error'), 30_000, 200);
      delete zd.hooks.beforeAttachment;
      await waitFor('accepted once the attachment is served', async () => (zd.answersFor(sent.submissionId).length > 0 ? true : undefined), 60_000, 200);
    } finally {
      delete zd.hooks.beforeAttachment;
    }
    // listed for our destination, but the submission itself names another: the upstream's answer is wrong, not the hub
    const atInvalid = (await counted()).get('invalid-answer')!;
    const misnamed = await polled.sender.send({ destinationId: polled.destinationId, serviceIdentifier: SERVICE, data: Buffer.from('{"vorhaben":"Carport"}') });
    zd.hooks.submissionAnswer = (submissionId, body) => (submissionId === misnamed.submissionId ? { ...body, destinationId: called.destinationId } : body);
    try {
      await waitFor('the answer for another destination counted as an invalid answer', async () => ((await counted()).get('invalid-answer')! > atInvalid ? true : undefined), 30_000, 200);
      expect(zd.answersFor(misnamed.submissionId)).toEqual([]);
    } finally {
      delete zd.hooks.submissionAnswer;
    }
    await waitFor('accepted once the answer names our destination', async () => (zd.answersFor(misnamed.submissionId).length > 0 ? true : undefined), 60_000, 200);
    const after = await counted();
    for (const kind of ['connection', 'tls', 'auth', 'too-large', 'other']) expect(after.get(kind), kind).toBe(before.get(kind));
  }, 120_000);

  it('names the fetched JWEs, the verified submit-submission SET and our accept in the evidence bundle; retention deletes the JWEs on time', async () => {
    const [first] = early;
    await waitFor('acknowledged', async () => ((await upstreamRows(first!.submissionId))[0]?.acknowledged_at ? true : undefined), 120_000, 250);
    const [row] = await query<{ submission_id: string; updated_at: Date; channel_meta: { metadataBlobKey: string; dataBlobKey: string; attachmentBlobs: Array<{ attachmentId: string; blobKey: string; size: number }> } }>(
      `SELECT submission_id, updated_at, channel_meta FROM "${cfg.schema}".submissions WHERE channel = 'fit-connect-upstream' AND channel_ref = $1`,
      [first!.submissionId],
    );
    const evidence = async () => {
      const res = await admin(`/admin/api/v1/submissions/${row!.submission_id}/evidence`);
      expect(res.status).toBe(200);
      return decodeJwt(await res.text()) as { received: Array<{ part: string; blobKey: string }>; transport: Record<string, unknown> & { eventLog: { verified: boolean; submitSubmission: string }; answer: { event: string; jti: string; token: string } }; retention: { receivedDeletedAt: string | null } };
    };
    const bundle = await evidence();
    const meta = row!.channel_meta;
    const [attachment] = meta.attachmentBlobs;
    expect(bundle.received).toEqual([
      { part: 'metadata', blobKey: meta.metadataBlobKey },
      { part: 'data', blobKey: meta.dataBlobKey },
      { part: `attachment:${attachment!.attachmentId}`, blobKey: attachment!.blobKey, size: attachment!.size },
    ]);
    expect(bundle.transport).toMatchObject({ upstream: 'zd-polled', destinationId: polled.destinationId, upstreamSubmissionId: first!.submissionId, eventLog: { verified: true } });
    // the Zustelldienst's SET verifies against its JWKS; our accept is the one the Zustelldienst recorded
    const { payload } = await jwtVerify(bundle.transport.eventLog.submitSubmission, createRemoteJWKSet(new URL(`${zd.url}/.well-known/jwks.json`)), { typ: 'secevent+jwt' });
    expect(payload.sub).toBe(`submission:${first!.submissionId}`);
    const [accept] = zd.answersFor(first!.submissionId);
    expect(bundle.transport.answer).toMatchObject({ event: 'accept-submission', jti: accept!.jti });
    expect(decodeJwt(bundle.transport.answer.token)).toMatchObject({ jti: accept!.jti, sub: `submission:${first!.submissionId}`, iss: polled.destinationId });

    const blobFile = (key: string) => join(cfg.dir, 'data', 'blobs', key.slice(0, 2), key);
    const present = (key: string) => access(blobFile(key)).then(() => true, () => false);
    const keys = bundle.received.map((r) => r.blobKey);
    expect(await Promise.all(keys.map(present))).toEqual([true, true, true]);
    const retention = (days: number) =>
      promisify(execFile)(process.execPath, [join(REPO_ROOT, 'services/cli/dist/main.js'), 'retention', 'run', '--config', cfg.file, '--now', new Date(row!.updated_at.getTime() + days * 86_400_000).toISOString()], { cwd: REPO_ROOT });
    await retention(89);
    expect(await Promise.all(keys.map(present))).toEqual([true, true, true]);
    await retention(91);
    expect(await Promise.all(keys.map(present))).toEqual([false, false, false]);
    const audit = await query<{ details: { deleted: string; parts: Array<{ part: string; sha256: string }> } }>(`SELECT details FROM "${cfg.schema}".audit WHERE submission_id = $1 AND stage = 'retention'`, [row!.submission_id]);
    expect(audit.map((a) => a.details.parts.map((p) => p.sha256))).toEqual([keys]);
    expect((await evidence()).retention.receivedDeletedAt).toEqual(expect.any(String));
  }, 150_000);
});
