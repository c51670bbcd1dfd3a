import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDecrypted } from '@weiche/blobstore';
import { readBounded } from '@weiche/xoev';
import { buildEvidenceBundle, runRetention, XTA_UPSTREAM_CHANNEL, XtaUpstreamMeta, xtaUpstreamRef, type UpstreamStatus } from '@weiche/hub';
import { zipsIn } from '../support/batch.js';
import { ARTIFACTS_DIR, launchBrowser } from '../support/browser.js';
import { REPO_ROOT, tempDir, waitFor } from '../support/env.js';
import { startInProcessHub, type InProcessHub } from '../support/hub-in-process.js';
import { createTestPki, type TestPki } from '../support/test-pki.js';
import { writeXtaTestConfig, type XtaTestParties } from '../support/xta-config.js';
import { XtaTestClient } from '../support/xta-sender.js';
import { XtaUpstreamServer, type BoxEntry } from '../support/xta-upstream-server.js';
import { upstreamFailures } from '../support/upstream-failures.js';

const OPERATOR = randomBytes(16).toString('hex');
const DAY = 86_400_000;
const PDF = Buffer.concat([Buffer.from('%PDF-1.7\n', 'latin1'), Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 13) % 256)), Buffer.from('\n%%EOF\n')]);

// Issue 10, "XTA 2 client": the hub polls an intermediary's message box over mutual TLS (a test XTA server
// written from the WSDL), takes every message in, delivers it to the DMS folder and closes it upstream exactly
// once — inline and MTOM; content it cannot open is kept, shown rejected and closed once; a client without the
// right certificate is refused.
describe('XTA upstream: the hub pulls an intermediary message box', () => {
  let dir: string;
  let pki: TestPki;
  let server: XtaUpstreamServer;
  let hub: InProcessHub;
  let parties: XtaTestParties;
  let readerCert: string;
  let xbau: Buffer;

  // the operator's view of the upstream connections, as the console reads it
  const upstreams = async (): Promise<UpstreamStatus[]> => {
    const res = await fetch(`${hub.baseUrl}/admin/api/v1/upstreams`, { headers: { authorization: `Bearer ${OPERATOR}` } });
    expect(res.status).toBe(200);
    return (await res.json()) as UpstreamStatus[];
  };
  // what Prometheus scrapes
  const metrics = async (): Promise<string> => (await fetch(`${hub.baseUrl}/metrics`, { headers: { authorization: `Bearer ${OPERATOR}` } })).text();
  const failingGauge = (body: string, id: string): string | undefined => new RegExp(`^weiche_upstream_poll_failing\\{upstream="${id}"\\} (\\d+)$`, 'm').exec(body)?.[1];
  const failures = (body: string, id: string): Map<string, number> => upstreamFailures(body, id);
  const rowOf = (entry: BoxEntry) => hub.deps.journal.findByChannelRef(XTA_UPSTREAM_CHANNEL, xtaUpstreamRef(entry.reader, entry.messageId));
  const put = (opts: { mtom: boolean; certificatePem?: string; tamperTag?: boolean; broken?: boolean; failFetch?: boolean }): BoxEntry =>
    server.put({
      reader: parties.reader,
      author: 'dvdv:efa-bauportal',
      message: { data: xbau, contentType: 'application/xml', filename: 'antrag.xml' },
      attachments: [{ data: PDF, contentType: 'application/pdf', filename: 'Anlage.pdf', id: 'att-1' }],
      certificatePem: opts.certificatePem ?? readerCert,
      mtom: opts.mtom,
      ...(opts.tamperTag ? { tamperTag: true } : {}),
      ...(opts.broken ? { broken: true } : {}),
      ...(opts.failFetch ? { failFetch: true } : {}),
    });

  beforeAll(async () => {
    dir = await tempDir('xta-upstream');
    pki = await createTestPki(dir, 'rz');
    const client = await pki.client('weiche-soest');
    const stranger = await pki.client('not-an-account');
    const rogue = await (await createTestPki(dir, 'rogue')).client('weiche-soest');
    xbau = await readFile(join(REPO_ROOT, 'packages/mappings/xbau-passthrough/samples/minimal.input.xml'));
    server = await new XtaUpstreamServer({ key: pki.server.key, cert: pki.server.cert, ca: pki.ca, accounts: [{ certificatePem: client.cert, identity: 'ags:05974028' }] }).start();
    const upstream = (id: string, auth: Record<string, unknown>) => ({ id, tenant: 'testhausen', reader: 'ags:05974028', managementUrl: server.managementUrl, msgBoxUrl: server.msgBoxUrl, auth, caFile: pki.caFile, pollIntervalMs: 200 });
    const made = await writeXtaTestConfig(dir, {
      overrides(raw) {
        raw.admin = { tokens: [{ token: OPERATOR, subject: 'ops', role: 'operator' }] };
        // ciphertext kept 90 days; the last test runs retention as of a later day
        (raw.tenants as Array<{ id: string; retention?: unknown }>).find((t) => t.id === 'testhausen')!.retention = { ciphertextDays: 90 };
        raw.upstreams = {
          xta: [
            upstream('rz-box', { clientCertificateFile: client.certFile, clientKeyFile: client.keyFile }),
            upstream('rz-no-cert', { token: 'a-token-is-no-client-certificate' }),
            upstream('rz-rogue-ca', { clientCertificateFile: rogue.certFile, clientKeyFile: rogue.keyFile }),
            upstream('rz-stranger', { clientCertificateFile: stranger.certFile, clientKeyFile: stranger.keyFile }),
          ],
        };
      },
    });
    parties = made.parties;
    hub = await startInProcessHub(made.cfg);
    readerCert = (await new XtaTestClient(hub.baseUrl, parties.author.token).readerCertificate(parties.reader)) ?? '';
    expect(readerCert).toContain('BEGIN CERTIFICATE');
  }, 120_000);

  afterAll(async () => {
    await hub?.stop();
    await server?.stop();
  });

  it('fetches inline and MTOM messages, delivers each to the DMS folder once and closes each upstream exactly once', async () => {
    const outbox = join(dir, 'outbox');
    const before = await zipsIn(outbox);
    const entries = [put({ mtom: false }), put({ mtom: true }), put({ mtom: false }), put({ mtom: true })];
    const rows = await waitFor('all four delivered', async () => {
      const all = await Promise.all(entries.map(rowOf));
      for (const r of all) if (r?.state === 'REJECTED' || r?.state === 'FAILED') throw new Error(`${r.state}: ${r.reason}`);
      return all.every((r) => r?.state === 'DELIVERED') ? all : undefined;
    }, 90_000);
    for (const [i, row] of rows.entries()) {
      const meta = XtaUpstreamMeta.parse(row!.channelMeta);
      expect(meta).toMatchObject({ upstreamId: 'rz-box', readerId: parties.reader, container: 'encrypted', mtom: entries[i]!.mtom });
      expect(row!.tenantId).toBe('testhausen');
    }
    // a few more polls: nothing is fetched or closed again
    const lists = server.count('http://www.osci.eu/ws/2008/05/transport/urn/messageTypes/MsgBoxStatusListRequest');
    await waitFor('two more polls', async () => server.count('http://www.osci.eu/ws/2008/05/transport/urn/messageTypes/MsgBoxStatusListRequest') >= lists + 4);
    for (const e of entries) expect({ id: e.messageId, fetches: e.fetches, closes: e.closes }).toEqual({ id: e.messageId, fetches: 1, closes: 1 });
    expect(server.open(parties.reader)).toHaveLength(0);
    // one DMS package per message (xdomea 0401 via the XBau route)
    const zips = await waitFor('four DMS packages', async () => {
      const fresh = (await zipsIn(outbox)).filter((z) => !before.includes(z));
      return fresh.length >= 4 ? fresh : undefined;
    });
    expect(zips).toHaveLength(4);
    // the wire as the WSDL says: ListForm MessageMetaData, the reader as Author, the account checked on the ManagementPort
    const ours = server.calls.filter((c) => c.identity === parties.reader);
    expect(ours.filter((c) => c.listForm !== undefined).every((c) => c.listForm === 'MessageMetaData')).toBe(true);
    expect(ours.some((c) => c.action === 'http://www.xta.de/XTA/CheckAccountActive' && c.path.endsWith('/management'))).toBe(true);
    // each close is audited for its submission
    const audit = await hub.deps.journal.listAudit({ submissionId: rows[0]!.submissionId, limit: 50 });
    expect(audit.filter((a) => a.stage === 'upstream-close')).toHaveLength(1);
    // all four finished and closed: nothing waits for an answer, nothing was left in the box
    const status = (await upstreams()).find((s) => s.id === 'rz-box');
    expect(status).toMatchObject({ kind: 'xta', tenant: 'testhausen', backlog: 0, overdue: 0, waitingUpstream: 0 });
    expect(status?.lastSuccessAt).toBeDefined();
    expect(status?.lastPollAt).toBeDefined();
    expect(status?.lastPollFailed).toBe(false);
    const scraped = await metrics();
    expect(scraped).toMatch(/weiche_upstream_oldest_unacknowledged_seconds\{upstream="rz-box"\} 0/);
    expect(scraped).toMatch(/weiche_upstream_waiting_upstream\{upstream="rz-box"\} 0/);
    expect(failingGauge(scraped, 'rz-box')).toBe('0');
  }, 120_000);

  it('delivers a message whose close the intermediary ignores once, closes it again backing off, and shows the operator the lost close', async () => {
    const outbox = join(dir, 'outbox');
    const before = await zipsIn(outbox);
    const entry = put({ mtom: false });
    entry.ignoreClose = true;
    try {
      const row = await waitFor('delivered', async () => {
        const r = await rowOf(entry);
        if (r?.state === 'REJECTED' || r?.state === 'FAILED') throw new Error(`${r.state}: ${r.reason}`);
        return r?.state === 'DELIVERED' ? r : undefined;
      }, 90_000);
      // closed at intake, then again after 1, 2, 4, 8 and 16 polls: the fifth re-close is reported
      // (the hub records a re-close after the intermediary's answer: wait for the hub's view, not the intermediary's count)
      const status = await waitFor('five closes again', async () => {
        const s = (await upstreams()).find((u) => u.id === 'rz-box');
        return s && s.closeNotTaken > 0 ? s : undefined;
      }, 90_000);
      // a sixth would come 32 polls after the fifth; on a slow machine it may have, so at least five
      expect(status.closeNotTaken).toBe(1);
      expect(status.recloses).toBeGreaterThanOrEqual(5);
      expect(entry.ignoredCloses).toBeGreaterThanOrEqual(6);
      const scraped = await metrics();
      expect(scraped).toMatch(/^weiche_upstream_close_not_taken\{upstream="rz-box"\} 1$/m);
      expect(Number(/^weiche_upstream_recloses_total\{upstream="rz-box"\} (\d+)$/m.exec(scraped)?.[1])).toBeGreaterThanOrEqual(5);
      const audit = await hub.deps.journal.listAudit({ submissionId: row.submissionId, limit: 50 });
      expect(audit.filter((a) => a.stage === 'upstream-close')).toHaveLength(1);
    } finally {
      entry.ignoreClose = false;
    }
    // the intermediary takes the next close: the entry leaves the box; taken in and delivered once all along
    await waitFor('closed upstream', async () => entry.closes === 1, 90_000);
    expect(entry.fetches).toBe(1);
    expect((await zipsIn(outbox)).filter((z) => !before.includes(z))).toHaveLength(1);
  }, 240_000);

  it('keeps a message for a foreign key and a tampered one as received, shows them rejected with the reason and closes each once', async () => {
    const foreignCert = await readFile(join(dir, 'keys', 'dest.cert.pem'), 'utf8');
    const foreign = put({ mtom: false, certificatePem: foreignCert });
    const tampered = put({ mtom: true, tamperTag: true });
    const rows = await waitFor('both rejected', async () => {
      const all = await Promise.all([rowOf(foreign), rowOf(tampered)]);
      return all.every((r) => r?.state === 'REJECTED') ? all : undefined;
    }, 60_000);
    expect(rows[0]!.reason).toMatch(/nicht entschlüsselt.*no-matching-key/);
    expect(rows[1]!.reason).toMatch(/nicht entschlüsselt/);
    for (const row of rows) {
      expect(row!.problem?.code).toBe('WEICHE_ERR_ENCRYPTION');
      // kept as received: the EncryptedData as the intermediary handed it over
      const kept = (await hub.deps.blobs.read(XtaUpstreamMeta.parse(row!.channelMeta).containerBlobKey!)).toString('utf8');
      expect(kept).toContain('EncryptedData');
    }
    const lists = server.count('http://www.osci.eu/ws/2008/05/transport/urn/messageTypes/MsgBoxStatusListRequest');
    await waitFor('more polls', async () => server.count('http://www.osci.eu/ws/2008/05/transport/urn/messageTypes/MsgBoxStatusListRequest') >= lists + 4);
    // never fetched again, closed once
    for (const e of [foreign, tampered]) expect({ fetches: e.fetches, closes: e.closes }).toEqual({ fetches: 1, closes: 1 });
    // the operator's view: rejected with the reason, acknowledged (the close was the whole answer upstream)
    const audit = await hub.deps.journal.listAudit({ submissionId: rows[0]!.submissionId, limit: 50 });
    expect(audit.map((a) => a.stage)).toEqual(expect.arrayContaining(['intake', 'upstream-close', 'open', 'acknowledge']));
  }, 90_000);

  it('keeps an answer that breaks the XTA profile as received, rejects it with the reason and closes it once', async () => {
    const broken = put({ mtom: false, broken: true });
    const row = await waitFor('rejected', async () => {
      const r = await rowOf(broken);
      return r?.state === 'REJECTED' ? r : undefined;
    }, 60_000);
    expect(row.problem?.code).toBe('WEICHE_ERR_SCHEMA_VIOLATION');
    expect(row.reason).toMatch(/verletzt das XTA-Profil.*base64/);
    const meta = XtaUpstreamMeta.parse(row.channelMeta);
    expect(meta.container).toBe('unreadable');
    // kept whole as the intermediary answered (encrypted at rest with the tenant key: it may hold plaintext)
    expect((await hub.deps.blobs.read(meta.containerBlobKey!)).toString('utf8')).not.toContain('this is not base64');
    const kept = await readBounded(await getDecrypted(hub.deps.blobs, hub.deps.keyring, 'testhausen', meta.containerBlobKey!), 10_000_000);
    expect(kept.toString('utf8')).toContain('this is not base64');
    expect(kept.toString('utf8')).toContain(broken.messageId);
    const lists = server.count('http://www.osci.eu/ws/2008/05/transport/urn/messageTypes/MsgBoxStatusListRequest');
    await waitFor('more polls', async () => server.count('http://www.osci.eu/ws/2008/05/transport/urn/messageTypes/MsgBoxStatusListRequest') >= lists + 4);
    expect({ fetches: broken.fetches, closes: broken.closes }).toEqual({ fetches: 1, closes: 1 });
  }, 90_000);

  it('is refused without the right client certificate: no certificate, one of another CA, one that is no account', async () => {
    const statuses = await waitFor('errors recorded for the three refused upstreams', async () => {
      const all = await upstreams();
      const refused = all.filter((s) => s.id !== 'rz-box');
      return refused.every((s) => s.lastError !== undefined) ? all : undefined;
    });
    for (const s of statuses.filter((x) => x.id !== 'rz-box')) {
      expect(s.lastSuccessAt, s.id).toBeUndefined();
      expect(s.lastPollAt, s.id).toBeDefined();
    }
    expect(statuses.find((s) => s.id === 'rz-no-cert')?.lastError?.message).toMatch(/TLS refused: ERR_SSL_.*CERTIFICATE_REQUIRED/);
    expect(statuses.find((s) => s.id === 'rz-stranger')?.lastError?.message).toContain('9012');
    // monitoring sees each of them failing
    expect(statuses.filter((s) => s.id !== 'rz-box').map((s) => s.lastPollFailed)).toEqual([true, true, true]);
    const scraped = await metrics();
    for (const id of ['rz-no-cert', 'rz-rogue-ca', 'rz-stranger']) expect(failingGauge(scraped, id), id).toBe('1');
    // and counts each failed call by its kind, every kind from 0: the TLS handshake refused for want of a client
    // certificate; the account refused (PermissionDenied 9012); a certificate of another CA is refused by the server
    // after the TLS 1.3 handshake, which the client sees as a hang-up before any answer: `tls` as well
    const count = (kinds: Map<string, number> | undefined, ...of: string[]): number => of.reduce((sum, kind) => sum + (kinds?.get(kind) ?? 0), 0);
    const counted = await waitFor('every refused upstream counted', async () => {
      const body = await metrics();
      const byId = new Map(['rz-no-cert', 'rz-rogue-ca', 'rz-stranger'].map((id) => [id, failures(body, id)]));
      return count(byId.get('rz-no-cert'), 'tls') && count(byId.get('rz-rogue-ca'), 'tls') && count(byId.get('rz-stranger'), 'auth') ? byId : undefined;
    });
    for (const [id, kinds] of counted) expect([...kinds.keys()], id).toEqual(['connection', 'tls', 'auth', 'upstream-error', 'invalid-answer', 'too-large', 'other']);
    expect(count(counted.get('rz-stranger'), 'connection', 'tls', 'upstream-error', 'invalid-answer', 'too-large', 'other')).toBe(0);
    expect(count(counted.get('rz-rogue-ca'), 'connection', 'auth', 'upstream-error', 'invalid-answer', 'too-large', 'other')).toBe(0);
    expect(statuses.find((s) => s.id === 'rz-rogue-ca')?.lastError?.message).toMatch(/TLS refused: WEICHE_TLS_HANG_UP_AFTER_CLIENT_CERTIFICATE/);
    // the TLS layer turned the other two away before any SOAP was read
    expect(server.refusedConnections).toBeGreaterThan(0);
    expect(server.calls.every((c) => c.identity === undefined || c.identity === parties.reader)).toBe(true);
  }, 60_000);

  it('shows an entry the intermediary cannot hand out as waiting in the box, in the admin API and the console, until it can', async () => {
    const stuck = put({ mtom: false, failFetch: true });
    const status = await waitFor('the entry seen waiting', async () => {
      const s = (await upstreams()).find((u) => u.id === 'rz-box');
      return s?.waitingUpstream === 1 && s.lastError?.message.includes(stuck.messageId) ? s : undefined;
    }, 30_000);
    expect(status.lastError?.message).toContain('9030');
    expect(status.oldestWaitingUpstreamAgeSeconds).toBeGreaterThanOrEqual(0);

    const browser = await launchBrowser({ locale: 'en-GB' });
    try {
      const page = await browser.context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => void errors.push(error.message));
      await page.addInitScript("sessionStorage.setItem('weiche.refresh', '0')");
      await page.goto(`${hub.baseUrl}/admin/`);
      await page.getByLabel(/token/i).fill(OPERATOR);
      await page.keyboard.press('Enter');
      const waiting = page.getByTestId('upstream-waiting');
      await waiting.waitFor({ timeout: 30_000 });
      expect(await waiting.textContent()).toMatch(/^\+1 still in the box/);
      const table = page.getByTestId('upstreams');
      for (const id of ['rz-box', 'rz-no-cert', 'rz-rogue-ca', 'rz-stranger']) expect(await table.getByText(id, { exact: true }).count(), id).toBe(1);
      expect(await table.getByText('XTA 2').count()).toBe(4);
      await page.screenshot({ path: join(ARTIFACTS_DIR, 'console-upstreams-xta.png'), fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }

    // the intermediary hands it out again: taken in, closed once, nothing waits any more
    stuck.failFetch = false;
    await waitFor('taken in', async () => ((await rowOf(stuck))?.state === 'DELIVERED' ? true : undefined), 60_000);
    await waitFor('nothing waiting', async () => ((await upstreams()).find((u) => u.id === 'rz-box')?.waitingUpstream === 0 ? true : undefined), 30_000);
    expect({ fetches: stuck.fetches, closes: stuck.closes }).toEqual({ fetches: 1, closes: 1 });
  }, 120_000);

  it('summarises every failure of a poll in its last error, and /metrics shows the upstream failing until a poll succeeds again', async () => {
    const faultsBefore = failures(await metrics(), 'rz-box').get('upstream-error') ?? 0;
    // two entries the intermediary cannot hand out, met in one poll: the error counted only the last before
    const stuck = [put({ mtom: false, failFetch: true }), put({ mtom: true, failFetch: true })];
    const status = await waitFor('both failures in one poll error', async () => {
      const s = (await upstreams()).find((u) => u.id === 'rz-box');
      return s?.lastPollFailed && /^2 failures in this pass: /.test(s.lastError?.message ?? '') ? s : undefined;
    }, 30_000);
    // one kind (the MessageIDs masked), the last message whole
    expect(status.lastError?.message).toMatch(/^2 failures in this pass: 2× message urn:de:xta:messageid:testportal:…: .* — last: message urn:de:xta:messageid:testportal:[0-9a-f-]{36}: .*9030/);
    expect(status.waitingUpstream).toBe(2);
    const scraped = await metrics();
    expect(failingGauge(scraped, 'rz-box')).toBe('1');
    // each getMessage the intermediary answered with a fault (9030) is one failed call of kind upstream-error
    expect(failures(scraped, 'rz-box').get('upstream-error')).toBeGreaterThanOrEqual(faultsBefore + 2);

    for (const entry of stuck) entry.failFetch = false;
    await waitFor('the gauge back at 0', async () => (failingGauge(await metrics(), 'rz-box') === '0' ? true : undefined), 30_000);
    for (const entry of stuck) await waitFor('taken in', async () => ((await rowOf(entry))?.state === 'DELIVERED' ? true : undefined), 60_000);
    expect((await upstreams()).find((u) => u.id === 'rz-box')).toMatchObject({ lastPollFailed: false, waitingUpstream: 0 });
  }, 120_000);

  it('names the received container and the close upstream in the evidence bundle, and retention deletes the container on time', async () => {
    const entry = put({ mtom: true });
    const row = await waitFor('delivered', async () => {
      const r = await rowOf(entry);
      return r?.state === 'DELIVERED' && r.acknowledgedAt ? r : undefined;
    }, 60_000);
    const meta = XtaUpstreamMeta.parse(row.channelMeta);
    const bundle = (await buildEvidenceBundle(hub.deps, row.submissionId))!.bundle as { received: unknown[]; transport: Record<string, unknown>; audit: { records: Array<{ stage: string; at: string }> } };
    expect(bundle.received).toEqual([{ part: 'container', blobKey: meta.containerBlobKey }]);
    const close = bundle.audit.records.find((r) => r.stage === 'upstream-close');
    expect(bundle.transport).toMatchObject({ upstream: 'rz-box', messageId: entry.messageId, reader: parties.reader, author: 'dvdv:efa-bauportal', container: 'encrypted', mtom: true, closedUpstreamAt: [close?.at] });
    expect(await hub.deps.blobs.exists(meta.containerBlobKey!)).toBe(true);

    // not yet due on day 89, gone on day 91 (audited with its hash)
    const early = await runRetention(hub.deps, { actor: 'test', now: new Date(row.updatedAt.getTime() + 89 * DAY) });
    expect(early?.tenants.find((t) => t.tenantId === 'testhausen')?.received).toBe(0);
    expect(await hub.deps.blobs.exists(meta.containerBlobKey!)).toBe(true);
    const due = await runRetention(hub.deps, { actor: 'test', now: new Date(row.updatedAt.getTime() + 91 * DAY) });
    expect(due?.tenants.find((t) => t.tenantId === 'testhausen')?.received).toBeGreaterThanOrEqual(1);
    expect(await hub.deps.blobs.exists(meta.containerBlobKey!)).toBe(false);
    const retention = (await hub.deps.journal.listAudit({ submissionId: row.submissionId, limit: 50 })).filter((a) => a.stage === 'retention');
    expect(retention.map((a) => a.details)).toEqual([expect.objectContaining({ deleted: 'received', parts: [{ part: 'container', sha256: meta.containerBlobKey }] })]);
  }, 90_000);
});
