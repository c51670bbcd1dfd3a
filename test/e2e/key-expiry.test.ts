import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../support/browser.js';
import { REFUSED_PORT, tempDir, waitFor } from '../support/env.js';
import { startInProcessHub, type InProcessHub } from '../support/hub-in-process.js';
import { SERVICE, writeTestConfig, type TestHubConfig } from '../support/test-config.js';

const OPERATOR = randomBytes(16).toString('hex');
const TENANT_ADMIN = randomBytes(16).toString('hex');

interface ExpiryReport {
  warnDays: number;
  warnings: number;
  keys: Array<{ kind: string; id: string; notAfter: string; secondsLeft: number; warning: boolean }>;
  unreadable: Array<{ kind: string; id: string; error: string }>;
}

// Keys and certificates that expire within 30 days show as a warning in the admin API (and the console's
// overview, which reads it) and as the metric weiche_key_expiry_seconds{kind,id}.
describe('key and certificate expiry', () => {
  let cfg: TestHubConfig;
  let hub: InProcessHub;

  beforeAll(async () => {
    const dir = await tempDir('key-expiry');
    // the TLS certificate an ingress serves for the hub, valid for 2 more days
    await promisify(execFile)('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'tls.key'), '-out', join(dir, 'tls.pem'), '-days', '2', '-subj', '/CN=weiche.example']);
    cfg = await writeTestConfig(dir, {
      overrides: (raw) => {
        raw.xta = { readers: [{ identifier: 'ags:05974028', tenant: 'testhausen', keystore: { pkcs12File: join(dir, 'reader.p12'), passwordFile: join(dir, 'reader.password') }, generate: true }] };
        raw.callbacks = { backoffMs: 100, maxBackoffMs: 300, timeoutMs: 2000, maxAgeMs: 1000 };
        raw.keyExpiry = { certificates: [{ kind: 'tls', id: 'ingress', file: join(dir, 'tls.pem') }, { kind: 'xta-author', id: 'portal', file: join(dir, 'missing.pem') }] };
        raw.admin = {
          tokens: [
            { token: OPERATOR, subject: 'olga', role: 'operator' },
            { token: TENANT_ADMIN, subject: 'anna', role: 'tenant-admin', tenants: ['testhausen'] },
          ],
        };
      },
    });
    hub = await startInProcessHub(cfg);
  });

  afterAll(async () => {
    await hub?.stop();
  });

  it('warns of a certificate expiring within 30 days and of one that cannot be read; others are fine', async () => {
    const response = await fetch(`${hub.baseUrl}/admin/api/v1/keys/expiry`, { headers: { authorization: `Bearer ${OPERATOR}` } });
    expect(response.status).toBe(200);
    const report = (await response.json()) as ExpiryReport;
    expect(report.warnDays).toBe(30);
    const tls = report.keys.find((k) => k.kind === 'tls');
    expect(tls).toMatchObject({ id: 'ingress', warning: true });
    expect(tls?.secondsLeft).toBeGreaterThan(86_400);
    expect(tls?.secondsLeft).toBeLessThanOrEqual(2 * 86_400);
    expect(report.unreadable).toEqual([expect.objectContaining({ kind: 'xta-author', id: 'portal' })]);
    // the destination and signing keys the hub generated are valid for longer
    const destination = report.keys.find((k) => k.kind === 'destination');
    expect(destination?.id.startsWith(`${cfg.destinationId}/`)).toBe(true);
    expect(destination?.warning).toBe(false);
    expect(report.keys.some((k) => k.kind === 'signing' && !k.warning)).toBe(true);
    expect(report.keys.find((k) => k.kind === 'xta-reader')).toMatchObject({ id: 'ags:05974028', warning: false });
    expect(report.warnings).toBe(2);
  });

  it('exports weiche_key_expiry_seconds per key', async () => {
    const text = await (await fetch(`${hub.baseUrl}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith('weiche_key_expiry_seconds{kind="tls",id="ingress"}'));
    const seconds = Number(line?.split(' ')[1]);
    expect(seconds).toBeGreaterThan(86_400);
    expect(seconds).toBeLessThanOrEqual(2 * 86_400);
    expect(text).toMatch(new RegExp(`weiche_key_expiry_seconds\\{kind="destination",id="${cfg.destinationId}/[^"]+"\\} \\d+`));
  });

  it('exports weiche_key_unreadable for a watched certificate it cannot read (it has no expiry to alert on)', async () => {
    const text = await (await fetch(`${hub.baseUrl}/metrics`)).text();
    expect(text).toContain('weiche_key_unreadable{kind="xta-author",id="portal"} 1');
    expect(text).not.toMatch(/weiche_key_unreadable\{kind="tls"/);
  });

  it('is for operators only', async () => {
    const response = await fetch(`${hub.baseUrl}/admin/api/v1/keys/expiry`, { headers: { authorization: `Bearer ${TENANT_ADMIN}` } });
    expect(response.status).toBe(403);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('shows both kinds of warning to an operator on the console overview', async () => {
    // a callback whose receiver never answers, given up after callbacks.maxAgeMs
    const url = `https://127.0.0.1:${REFUSED_PORT}/callback`;
    const sent = await hub.sender.send({ destinationId: cfg.destinationId, serviceIdentifier: SERVICE, data: Buffer.from('{}'), callback: { url, secret: randomBytes(32).toString('hex') } });
    await waitFor('a callback given up', async () => ((await hub.deps.callbacks.list({ state: 'GIVEN_UP', submissionId: sent.submissionId, limit: 10, offset: 0 })).total > 0 ? true : undefined), 60_000, 200);
    const browser = await launchBrowser({ locale: 'en-GB' });
    try {
      const page = await browser.context.newPage();
      await page.addInitScript("sessionStorage.setItem('weiche.refresh', '0')");
      await page.goto(`${hub.baseUrl}/admin/`);
      await page.getByLabel(/token/i).fill(OPERATOR);
      await page.keyboard.press('Enter');
      const keys = page.getByTestId('key-expiry-warning');
      await keys.waitFor({ timeout: 30_000 });
      expect(await keys.textContent()).toContain('2 keys or certificates expire within 30 days or cannot be read');
      expect(await page.getByRole('table', { name: 'Expiring keys and certificates' }).getByText('ingress').count()).toBe(1);
      expect(await page.getByTestId('callbacks-given-up').textContent()).toMatch(/\d+ callbacks to senders were given up/);
      expect(await page.getByRole('table', { name: 'Callbacks given up' }).getByText(sent.submissionId).count()).toBeGreaterThan(0);
    } finally {
      await browser.close();
    }
  }, 120_000);
});
