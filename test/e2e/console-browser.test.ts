import { randomBytes } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdapterFactory } from '@weiche/adapter-sdk';
import { ARTIFACTS_DIR, foreignRequests, launchBrowser, type TestBrowser } from '../support/browser.js';
import { tempDir, waitFor } from '../support/env.js';
import { flakyFolderAdapter } from '../support/flaky-adapter.js';
import { startInProcessHub, type InProcessHub } from '../support/hub-in-process.js';
import { addTenant, SERVICE, writeTestConfig } from '../support/test-config.js';

const TOKENS = { operator: randomBytes(16).toString('hex'), adminA: randomBytes(16).toString('hex'), auditor: randomBytes(16).toString('hex') };

async function state(hub: InProcessHub, id: string): Promise<string | undefined> {
  return (await hub.deps.journal.getSubmission(id))?.state;
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS_DIR, `console-${name}.png`), fullPage: true });
}

interface TabStop {
  tag: string;
  text: string;
  ring: boolean;
}

// Evaluated in the page (as text: this project compiles without DOM types).
const BLUR = '(document.activeElement && document.activeElement.blur(), window.scrollTo(0, 0))';
const FOCUSED = `(() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  return { tag: el.tagName.toLowerCase(), text: (el.getAttribute('aria-label') ?? el.textContent ?? '').trim(), ring: style.outlineStyle !== 'none' && style.outlineWidth !== '0px' };
})()`;

/** What Tab reaches from the top of the page, in order: tag, accessible text and whether a focus ring shows. */
async function tabStops(page: Page, max = 160): Promise<TabStop[]> {
  await page.evaluate(BLUR);
  const stops: TabStop[] = [];
  for (let i = 0; i < max; i += 1) {
    await page.keyboard.press('Tab');
    const stop = await page.evaluate<TabStop | null>(FOCUSED);
    if (!stop) break;
    const first = stops[0];
    if (first && first.text === stop.text && first.tag === stop.tag) break;
    stops.push(stop);
  }
  return stops;
}

// A real hub (Redis, PostgreSQL, workers, HTTP) with two tenants: Testhausen's deliveries fail
// twice and dead-letter (flaky adapter, two attempts allowed); Otherburg's are delivered at once.
describe('web console in headless Chromium', () => {
  let hub: InProcessHub;
  let browser: TestBrowser;
  let failed = '';

  beforeAll(async () => {
    const dir = await tempDir('console');
    let destinationB = '';
    const cfg = await writeTestConfig(dir, {
      overrides: (raw) => {
        destinationB = addTenant(raw, dir, { id: 'otherburg', name: 'Gemeinde Otherburg', behoerdenkennung: 'ags:05974099' });
        raw.adapters = [
          { id: 'dms', kind: 'flaky-folder', config: { path: join(dir, 'outbox-a'), failTimes: 2 }, retry: { attempts: 2, backoffMs: 50, maxBackoffMs: 100 } },
          { id: 'dms-b', kind: 'dms-folder', config: { path: join(dir, 'outbox-b') } },
        ];
        raw.routes = [
          { id: 'to-dms', tenant: 'testhausen', service: '*', target: 'xdomea-3.1.0:0401', adapter: 'dms' },
          { id: 'to-dms-b', tenant: 'otherburg', service: '*', target: 'xdomea-3.1.0:0401', adapter: 'dms-b' },
        ];
        raw.admin = {
          tokens: [
            { token: TOKENS.operator, subject: 'olga', role: 'operator' },
            { token: TOKENS.adminA, subject: 'anna', role: 'tenant-admin', tenants: ['testhausen'] },
            { token: TOKENS.auditor, subject: 'udo', role: 'auditor' },
          ],
        };
      },
    });
    hub = await startInProcessHub(cfg, { adapterKinds: [flakyFolderAdapter as AdapterFactory<unknown>] });
    const [a, b] = await Promise.all([
      hub.sender.send({ destinationId: cfg.destinationId, serviceIdentifier: SERVICE, data: Buffer.from('{"name":"Erika Musterfrau"}') }),
      hub.sender.send({ destinationId: destinationB, serviceIdentifier: SERVICE, data: Buffer.from('{"name":"Max Mustermann"}') }),
    ]);
    failed = a.submissionId;
    await waitFor('A dead-lettered', async () => (await state(hub, a.submissionId)) === 'FAILED', 60_000, 100);
    await waitFor('B delivered', async () => (await state(hub, b.submissionId)) === 'DELIVERED', 60_000, 100);
    browser = await launchBrowser({ locale: 'de-DE' });
    // screenshots of an earlier run must not pass for this one's
    for (const name of await readdir(ARTIFACTS_DIR)) if (name.startsWith('console-')) await rm(join(ARTIFACTS_DIR, name));
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await hub?.stop();
  });

  it('serves the console with a strict CSP and correct content types', async () => {
    const index = await fetch(`${hub.baseUrl}/admin/`);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('content-security-policy')).toMatch(/^default-src 'self';/);
    expect(index.headers.get('content-security-policy')).not.toContain('unsafe-inline');
    const script = await fetch(`${hub.baseUrl}/admin/static/app.js`);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await fetch(`${hub.baseUrl}/admin/static/..%2Fconsole-plugin.ts`)).status).toBe(404);
    expect(await index.text()).not.toMatch(/https?:\/\//);
  });

  it('logs in, shows the failed delivery, opens its timeline, replays it and shows it delivered', async () => {
    const page = await browser.context.newPage();
    // no automatic refresh: this test walks the page by keyboard and must not race a re-render
    await page.addInitScript("sessionStorage.setItem('weiche.refresh', '0')");
    const errors: string[] = [];
    page.on('pageerror', (error) => void errors.push(error.message));
    page.on('console', (message) => void (message.type() === 'error' && errors.push(message.text())));

    await page.goto(`${hub.baseUrl}/admin`);
    await expect.poll(() => page.url(), { timeout: 30_000 }).toBe(`${hub.baseUrl}/admin/`);
    await page.getByRole('heading', { level: 1, name: 'Anmeldung' }).waitFor();
    await shot(page, '01-login');
    await page.getByLabel('Admin-Token (Bearer)').fill(TOKENS.operator);
    await page.keyboard.press('Enter');

    const deadLetters = page.getByTestId('dead-letters');
    await deadLetters.getByText(failed).first().waitFor({ timeout: 30_000 });
    await expect.poll(() => deadLetters.getByText(/far side unavailable/).count(), { timeout: 30_000 }).toBe(1);
    expect(await page.locator('svg.chart').count()).toBe(2);
    expect(await page.evaluate<string | null>("sessionStorage.getItem('weiche.token')")).toBe(TOKENS.operator);
    await shot(page, '02-dashboard-failed');

    // from a fresh load (the token survives in sessionStorage), Tab walks the page from the top
    await page.reload();
    await deadLetters.getByText(failed).first().waitFor({ timeout: 30_000 });
    const stops = await tabStops(page);
    const reached = (pattern: RegExp): boolean => stops.some((s) => pattern.test(s.text));
    for (const action of [/^Übersicht$/, /^Einreichungen$/, /^Bull Board öffnen$/, /^Abmelden$/, /^Aktualisieren$/, new RegExp(`^Verlauf von ${failed}$`), new RegExp(`^${failed} erneut zustellen$`), new RegExp(`^${failed} verwerfen$`), /^dms anhalten$/]) {
      expect(reached(action), `Tab reaches ${String(action)} (stops: ${stops.map((s) => s.text).join(' | ')})`).toBe(true);
    }
    expect(stops.every((s) => ['a', 'button', 'select', 'input', 'textarea'].includes(s.tag)), 'only real controls take focus').toBe(true);
    expect(stops.filter((s) => !s.ring).map((s) => s.text), 'every stop shows a focus ring').toEqual([]);

    // the discard dialog is modal, takes focus, and Escape cancels it without discarding
    await page.getByRole('button', { name: `${failed} verwerfen` }).press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Einreichung verwerfen' });
    await dialog.waitFor();
    expect(await page.evaluate<string | undefined>('document.activeElement?.id')).toBe('discard-reason');
    await shot(page, '02b-discard-dialog');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(await state(hub, failed)).toBe('FAILED');
    expect(await deadLetters.getByText(failed).count()).toBeGreaterThan(0);

    // open the timeline by keyboard
    await page.getByRole('link', { name: `Verlauf von ${failed}` }).first().focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: `Einreichung ${failed}` }).waitFor();
    await expect.poll(() => page.getByTestId('submission-state').getAttribute('data-state'), { timeout: 30_000 }).toBe('FAILED');
    expect(await page.getByTestId('submission-state').textContent()).toBe('fehlgeschlagen');
    const timeline = page.getByTestId('timeline');
    expect(await timeline.getByText('Zustellversuch').count()).toBe(2);
    expect(await timeline.textContent()).toMatch(/in Zustellung → fehlgeschlagen/);
    await shot(page, '03-timeline-failed');

    await page.getByRole('radio', { name: /^Zustellung/ }).check();
    await page.getByRole('button', { name: 'Wiederholen' }).press('Enter');
    try {
      await expect.poll(() => page.getByTestId('submission-state').getAttribute('data-state'), { timeout: 45_000, interval: 250 }).toBe('DELIVERED');
    } catch (error) {
      await shot(page, '04-replay-failed');
      throw error;
    }
    expect(await state(hub, failed)).toBe('DELIVERED');
    await expect.poll(() => page.getByTestId('timeline').getByText(/olga/).count(), { timeout: 30_000 }).toBeGreaterThan(0);
    await shot(page, '04-timeline-delivered');

    await page.getByRole('link', { name: 'Übersicht', exact: true }).click();
    await page.getByTestId('no-dead-letters').waitFor();
    await page.getByLabel('Sprache').selectOption('en');
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    expect(await page.evaluate<string>('document.documentElement.lang')).toBe('en');
    await shot(page, '05-dashboard-delivered-en');

    expect(errors).toEqual([]);
    await page.close();
  }, 150_000);

  it('lets the operator open Bull Board through a short-lived HttpOnly cookie', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${hub.baseUrl}/admin/`);
    // a new tab has its own sessionStorage: sign in again
    await page.getByLabel('Admin-Token (Bearer)').fill(TOKENS.operator);
    await page.getByRole('button', { name: 'Anmelden' }).click();
    await page.getByRole('button', { name: 'Bull Board öffnen' }).click();
    await page.waitForURL(`${hub.baseUrl}/admin/queues/**`);
    await page.getByText('deliver-dms', { exact: true }).first().waitFor({ timeout: 30_000 }).catch(async (error: unknown) => {
      await shot(page, '06-bull-board-failed');
      throw error;
    });
    // the sidebar lists the queues first; the screenshot waits for the queue cards as well
    await page.getByText(/^\d+ Jobs?$/).first().waitFor({ timeout: 30_000 });
    await shot(page, '06-bull-board');
    const cookie = (await browser.context.cookies(`${hub.baseUrl}/admin/queues/`)).find((c) => c.name === 'weiche_board');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/admin/queues' });
    expect((cookie?.expires ?? 0) * 1000 - Date.now()).toBeLessThanOrEqual(15 * 60_000 + 5_000);
    await page.close();
  });

  it('keeps Bull Board from tenant-admins, anonymous browsers and writing auditors', async () => {
    const session = (token: string): Promise<Response> => fetch(`${hub.baseUrl}/admin/queues/session`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect((await session(TOKENS.adminA)).status).toBe(403);
    expect((await fetch(`${hub.baseUrl}/admin/queues/`)).status).toBe(401);
    expect((await fetch(`${hub.baseUrl}/admin/queues/api/queues`)).status).toBe(401);
    const auditor = await session(TOKENS.auditor);
    expect(auditor.status).toBe(200);
    const cookie = (auditor.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    expect((await fetch(`${hub.baseUrl}/admin/queues/api/queues`, { headers: { cookie } })).status).toBe(200);
    const pause = await fetch(`${hub.baseUrl}/admin/queues/api/queues/pause`, { method: 'PUT', headers: { cookie } });
    expect(pause.status).toBe(403);
    expect(await hub.deps.queues.process.isPaused()).toBe(false);
  });

  it('made no request to any host but the hub', () => {
    expect(browser.requests.length).toBeGreaterThan(10);
    expect(foreignRequests(browser.requests)).toEqual([]);
  });
});
