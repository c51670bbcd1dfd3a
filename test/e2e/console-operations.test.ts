import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdapterFactory } from '@weiche/adapter-sdk';
import { ARTIFACTS_DIR, foreignRequests, launchBrowser, type TestBrowser } from '../support/browser.js';
import { REFUSED_PORT, tempDir, waitFor } from '../support/env.js';
import { flakyFolderAdapter } from '../support/flaky-adapter.js';
import { startInProcessHub, type InProcessHub } from '../support/hub-in-process.js';
import { addTenant, SERVICE, writeTestConfig } from '../support/test-config.js';
import { clearOfHourEnd, lastMsOfHour } from '../support/wall-clock.js';

const TOKENS = { operator: randomBytes(16).toString('hex'), auditor: randomBytes(16).toString('hex') };
const BULK = 10;
const OTHERBURG = 3;
const REASON = 'DMS-Import läuft wieder (Ticket 4711)';
// From the first send to the end of the bulk replay (the first test): the charts expect all of it in one hour.
const DATA_MS = 4 * 60_000;

// Words the German console must not show for the usual states, stages and errors (as whole words).
const ENGLISH = [
  'FAILED', 'DELIVERED', 'DELIVERING', 'RECEIVED', 'ROUTED', 'MAPPED', 'OPENED', 'REJECTED', 'PENDING',
  'failed', 'delivered', 'pending', 'rejected', 'retries', 'exhausted', 'attempts', 'attempt', 'request', 'endpoint', 'refused',
  'writing', 'writable', 'permanent', 'transient', 'success', 'healthy', 'failing', 'degraded', 'closed', 'intake', 'route', 'replay',
  'redeliver', 'discard', 'error', 'unknown',
];

// The flaky test adapter's own message is no text of the hub: it may stay English.
const TEST_ADAPTER_MESSAGE = /far side unavailable \(test attempt \d+\)/g;

function englishWords(text: string): string[] {
  const hubText = text.replace(TEST_ADAPTER_MESSAGE, '');
  return ENGLISH.filter((word) => new RegExp(`(?<![\\w-])${word}(?![\\w-])`).test(hubText));
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS_DIR, `console-ops-${name}.png`), fullPage: true });
}

async function signIn(page: Page, hub: InProcessHub, token: string): Promise<void> {
  await page.goto(`${hub.baseUrl}/admin/`);
  await page.getByLabel('Admin-Token (Bearer)').fill(token);
  await page.getByRole('button', { name: 'Anmelden' }).click();
  await page.getByRole('heading', { level: 1, name: 'Übersicht' }).waitFor();
}

async function state(hub: InProcessHub, id: string): Promise<string | undefined> {
  return (await hub.deps.journal.getSubmission(id))?.state;
}

// A real hub (Redis, PostgreSQL, workers, HTTP) with realistic failures: Testhausen's DMS fails
// every delivery twice (then dead-letters; a replay gets through), Otherburg delivers to an HTTP
// endpoint that refuses connections, and a DMS folder instance's path runs through a regular file
// (not writable). Adapter health is checked every second.
describe('console operations in headless Chromium', () => {
  let hub: InProcessHub;
  let browser: TestBrowser;
  const testhausen: string[] = [];
  const otherburg: string[] = [];
  /** When the charted data began, and when the bulk replay (its last part) was done. */
  let dataFrom = 0;
  let dataUntil = Infinity;

  /**
   * A page of its own browser whose clock stands in the hour of the charted data: the chart tests mark the
   * current hour, and a run that reaches them after the hour turned would find it empty. The clock of the
   * shared browser keeps running (the console's refresh test needs it).
   */
  async function inDataHour(test: (page: Page) => Promise<void>): Promise<void> {
    expect(dataUntil, 'the charted data took longer than DATA_MS to make').toBeLessThanOrEqual(lastMsOfHour(dataFrom));
    const pinned = await launchBrowser({ locale: 'de-DE' });
    try {
      await pinned.context.clock.setFixedTime(Math.min(Date.now(), lastMsOfHour(dataFrom)));
      await test(await pinned.context.newPage());
      expect(foreignRequests(pinned.requests)).toEqual([]);
    } finally {
      await pinned.close();
    }
  }

  beforeAll(async () => {
    const dir = await tempDir('console-ops');
    await writeFile(join(dir, 'not-a-folder'), 'x');
    let destinationB = '';
    const cfg = await writeTestConfig(dir, {
      overrides: (raw) => {
        destinationB = addTenant(raw, dir, { id: 'otherburg', name: 'Gemeinde Otherburg', behoerdenkennung: 'ags:05974099' });
        const health = { intervalMs: 1000, timeoutMs: 900 };
        raw.adapters = [
          // a high threshold keeps the circuit closed through the 20 failures: they dead-letter at once
          { id: 'dms-th', kind: 'flaky-folder', config: { path: join(dir, 'outbox-th'), failTimes: 2 }, retry: { attempts: 2, backoffMs: 50, maxBackoffMs: 100 }, circuit: { failureThreshold: 100, cooldownMs: 1000 }, health },
          { id: 'dms-ob', kind: 'dms-folder', config: { path: join(dir, 'not-a-folder', 'dms') }, health },
          {
            id: 'http-ob',
            kind: 'http',
            config: { url: `http://127.0.0.1:${REFUSED_PORT}/inbox`, secret: randomBytes(16).toString('hex') },
            retry: { attempts: 2, backoffMs: 50, maxBackoffMs: 100 },
            circuit: { failureThreshold: 100, cooldownMs: 1000 },
            health,
          },
        ];
        raw.routes = [
          { id: 'to-dms', tenant: 'testhausen', service: '*', target: 'xdomea-3.1.0:0401', adapter: 'dms-th' },
          { id: 'to-http-ob', tenant: 'otherburg', service: '*', target: 'xdomea-3.1.0:0401', adapter: 'http-ob' },
        ];
        raw.admin = {
          tokens: [
            { token: TOKENS.operator, subject: 'olga', role: 'operator' },
            { token: TOKENS.auditor, subject: 'udo', role: 'auditor' },
          ],
        };
      },
    });
    hub = await startInProcessHub(cfg, { adapterKinds: [flakyFolderAdapter as AdapterFactory<unknown>] });
    dataFrom = await clearOfHourEnd(DATA_MS);
    for (let i = 0; i < BULK; i++) {
      testhausen.push((await hub.sender.send({ destinationId: cfg.destinationId, serviceIdentifier: SERVICE, data: Buffer.from(`{"name":"Erika Musterfrau ${i}"}`) })).submissionId);
    }
    for (let i = 0; i < OTHERBURG; i++) {
      otherburg.push((await hub.sender.send({ destinationId: destinationB, serviceIdentifier: SERVICE, data: Buffer.from(`{"name":"Max Mustermann ${i}"}`) })).submissionId);
    }
    for (const id of [...testhausen, ...otherburg]) await waitFor(`${id} dead-lettered`, async () => (await state(hub, id)) === 'FAILED', 120_000, 200);
    browser = await launchBrowser({ locale: 'de-DE' });
  }, 300_000 + DATA_MS);

  afterAll(async () => {
    await browser?.close();
    await hub?.stop();
  });

  it(`replays ${BULK} dead letters selected by a filter in one bulk action, each audited with actor and reason`, async () => {
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => void errors.push(error.message));
    await signIn(page, hub, TOKENS.operator);
    await page.getByRole('link', { name: 'Fehlgeschlagene', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Fehlgeschlagene Zustellungen' }).waitFor();
    await page.getByRole('heading', { level: 2, name: `${BULK + OTHERBURG} Treffer` }).waitFor();

    await page.getByLabel('Mandant').selectOption({ label: 'Gemeinde Testhausen' });
    await page.getByRole('button', { name: 'Filtern' }).click();
    await page.getByRole('heading', { level: 2, name: `${BULK} Treffer` }).waitFor();
    await expect.poll(() => page.url(), { timeout: 30_000 }).toContain('tenant=testhausen');
    expect(await page.getByTestId('dead-letter-list').locator('tbody tr').count()).toBe(BULK);

    await page.getByLabel(`Alle ${BULK} Treffer des Filters auswählen (nicht nur diese Seite)`).check();
    expect(await page.getByTestId('selected-count').textContent()).toBe(`Alle ${BULK} Treffer des Filters ausgewählt`);
    await page.getByLabel('Aktion', { exact: true }).selectOption('replay');
    await page.getByLabel('Begründung (Pflichtfeld, wird protokolliert)').fill(REASON);
    await shot(page, '01-bulk-selected');
    await page.getByRole('button', { name: 'Ausführen' }).click();
    const dialog = page.getByRole('dialog', { name: 'Bitte bestätigen' });
    await dialog.getByText(`${BULK} Einreichungen: Neu verarbeiten (ab Entschlüsselung, aktuelles Mapping)?`).waitFor();
    await dialog.getByRole('button', { name: 'Ja, ausführen' }).click();
    const result = page.getByTestId('bulk-result');
    await result.getByText(new RegExp(`^${BULK} von ${BULK} erfolgreich`)).waitFor({ timeout: 60_000 });
    await shot(page, '02-bulk-done');

    for (const id of testhausen) await waitFor(`${id} delivered after the replay`, async () => (await state(hub, id)) === 'DELIVERED', 120_000, 200);
    const records = (await Promise.all(testhausen.map((id) => hub.deps.journal.listAudit({ submissionId: id, limit: 100 })))).map((list) => list.filter((r) => r.stage === 'replay'));
    expect(records.map((r) => r.length)).toEqual(new Array<number>(BULK).fill(1));
    const batches = new Set(records.map((r) => r[0]?.details.batch));
    expect(batches.size).toBe(1);
    for (const [record] of records) expect(record).toMatchObject({ actor: 'olga', fromState: 'FAILED', toState: 'RECEIVED', details: { reason: REASON, from: 'open' } });
    dataUntil = Date.now();
    // Otherburg's dead letters were outside the filter and stay
    for (const id of otherburg) expect(await state(hub, id)).toBe('FAILED');
    expect(errors).toEqual([]);
    await page.close();
  }, 240_000);

  it('shows adapter health with the failure streak: closed circuits that are "gestört" (endpoint refuses, folder not writable)', async () => {
    const page = await browser.context.newPage();
    await signIn(page, hub, TOKENS.operator);
    const row = (id: string) => page.getByTestId('adapters').locator('tbody tr').filter({ has: page.getByText(id, { exact: true }) });
    // the health watch counts attempts every second; the page shows them on reload
    await expect.poll(async () => {
      await page.reload();
      await page.getByTestId('adapters').waitFor();
      return row('http-ob').getByTestId('failure-streak').textContent();
    }, { timeout: 30_000, interval: 500 }).toBe(String(2 * OTHERBURG));
    const http = row('http-ob');
    expect(await http.getByTestId('health-verdict').textContent()).toBe('gestört');
    expect(await http.getByText('geschlossen', { exact: true }).count()).toBe(1);
    expect(await http.textContent()).toContain('Anfrage an die Gegenstelle fehlgeschlagen (ECONNREFUSED: Verbindung abgelehnt)');
    const folder = row('dms-ob');
    expect(await folder.getByTestId('health-verdict').textContent()).toBe('gestört');
    expect(await folder.textContent()).toContain('Zustandsprüfung fehlgeschlagen');
    expect(await folder.textContent()).toContain('nicht bestanden: Ordner nicht beschreibbar (ENOTDIR: Pfad führt durch eine Datei)');
    expect(await folder.getByText('geschlossen', { exact: true }).count()).toBe(1);
    // Testhausen's DMS took its replays: no failure in a row any more
    await expect.poll(async () => {
      await page.reload();
      await page.getByTestId('adapters').waitFor();
      return row('dms-th').getByTestId('health-verdict').textContent();
    }, { timeout: 30_000, interval: 500 }).toBe('in Ordnung');
    expect(await row('dms-th').getByTestId('failure-streak').textContent()).toBe('0');
    await shot(page, '03-adapter-health');
    await page.close();
  }, 90_000);

  it('shows no English state, stage or error words in the German console', async () => {
    const page = await browser.context.newPage();
    await page.addInitScript("sessionStorage.setItem('weiche.refresh', '0')");
    await signIn(page, hub, TOKENS.operator);
    const mainText = (): Promise<string> => page.locator('main').innerText();
    await page.getByTestId('adapters').waitFor();
    await page.getByTestId('dead-letters').waitFor();
    const pages: Array<[string, string]> = [['overview', await mainText()]];
    await page.goto(`${hub.baseUrl}/admin/#/dead-letters`);
    await page.getByTestId('dead-letter-list').waitFor();
    pages.push(['dead letters', await mainText()]);
    await page.goto(`${hub.baseUrl}/admin/#/submissions/${otherburg[0] ?? ''}`);
    await page.getByTestId('timeline').waitFor();
    pages.push(['timeline', await mainText()]);
    await shot(page, '04-timeline-german');
    await page.goto(`${hub.baseUrl}/admin/#/submissions?state=FAILED`);
    await page.getByRole('heading', { level: 2, name: `${OTHERBURG} Treffer` }).waitFor();
    pages.push(['search', await mainText()]);
    for (const [name, text] of pages) expect(englishWords(text), `${name}: ${text}`).toEqual([]);
    // and the translations are there
    expect(pages[1]?.[1]).toContain('Wiederholungen ausgeschöpft nach 2 Versuchen: Anfrage an die Gegenstelle fehlgeschlagen (ECONNREFUSED: Verbindung abgelehnt)');
    expect(pages[2]?.[1]).toMatch(/Zustellung aufgegeben.*in Zustellung → fehlgeschlagen/);
    await page.close();
  }, 90_000);

  it('fits a 390 px phone: the current hour has bars inside the screen, tables scroll in their cards', async () => {
    await inDataHour(async (page) => {
      await page.setViewportSize({ width: 390, height: 844 });
      await signIn(page, hub, TOKENS.operator);
      const current = page.locator('svg.chart rect[data-current="true"]');
      await current.first().waitFor();
      expect(await page.locator('svg.chart').count()).toBe(2);
      const boxes = (await Promise.all((await current.all()).map((rect) => rect.boundingBox()))).map((b) => ({ left: b?.x ?? -1, right: (b?.x ?? 0) + (b?.width ?? 0), height: b?.height ?? 0 }));
      // Testhausen: failed and delivered this hour; Otherburg: failed
      expect(boxes.length).toBeGreaterThanOrEqual(3);
      for (const box of boxes) {
        expect(box.left).toBeGreaterThanOrEqual(0);
        expect(box.right).toBeLessThanOrEqual(390);
        expect(box.height).toBeGreaterThan(0);
      }
      const wide = await page.evaluate<string[]>(
        "[...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > 391 && !e.closest('.card')).map((e) => e.tagName + '.' + e.className).slice(0, 10)",
      );
      expect(wide, 'elements outside a scrolling card that stick out of the screen').toEqual([]);
      expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
      const adapters = await page.evaluate<{ scroll: number; client: number }>(
        "(() => { const card = document.querySelector('[data-testid=adapters]').parentElement; return { scroll: card.scrollWidth, client: card.clientWidth }; })()",
      );
      expect(adapters.scroll).toBeGreaterThan(adapters.client);
      await shot(page, '05-phone-dashboard');
    });
  }, 60_000);

  it('names tenants and services instead of ids, and keeps one scale and a named range across charts', async () => {
    await inDataHour(async (page) => {
      await page.addInitScript("sessionStorage.setItem('weiche.refresh', '0')");
      await signIn(page, hub, TOKENS.operator);
      // Otherburg's dead letters (outside the bulk replay) with names from the configuration
      await page.goto(`${hub.baseUrl}/admin/#/dead-letters?tenant=otherburg`);
      await page.getByRole('heading', { level: 2, name: `${OTHERBURG} Treffer` }).waitFor();
      const list = page.getByTestId('dead-letter-list');
      const cells = await list.locator('tbody td').allInnerTexts();
      expect(cells.filter((c) => c === 'Gemeinde Otherburg')).toHaveLength(OTHERBURG);
      expect(cells.filter((c) => c === 'Baugenehmigung beantragen')).toHaveLength(OTHERBURG);
      expect(cells.filter((c) => c === 'otherburg' || c.includes(SERVICE))).toEqual([]);

      // the overview: Testhausen's 20 transitions this hour and Otherburg's 3 on one y scale
      await page.goto(`${hub.baseUrl}/admin/#/`);
      const charts = page.locator('svg.chart');
      await charts.first().waitFor();
      const topTicks = async (): Promise<string[]> => Promise.all((await charts.all()).map((c) => c.locator('text.axis[text-anchor="end"]').last().textContent().then((x) => x ?? '')));
      const ticks = await topTicks();
      expect(ticks).toHaveLength(2);
      expect(ticks[0]).toBe(ticks[1]);
      expect(Number(ticks[0])).toBeGreaterThanOrEqual(10); // Otherburg alone would get 4
      expect(await charts.first().getAttribute('aria-label')).toMatch(/ zugestellt, \d+ fehlgeschlagen \(letzte 24 Stunden\)$/);

      // a chosen range: seven days in daily bars, named as such, today's bar marked
      await page.locator('#range-preset').selectOption({ label: 'letzte 7 Tage' });
      await page.getByRole('button', { name: 'Zeitraum anzeigen' }).click();
      await page.getByRole('heading', { level: 2, name: 'Zustellungen und Fehler je Mandant (letzte 7 Tage)' }).waitFor();
      expect(page.url()).toContain('range=7d');
      for (const chart of await charts.all()) {
        expect(await chart.getAttribute('aria-label')).toMatch(/\(letzte 7 Tage\)$/);
        expect(await chart.locator('text.axis-title').allTextContents()).toEqual(['Anzahl', 'Tag']);
        expect(await chart.locator('g.bar').count()).toBeGreaterThanOrEqual(7);
        expect(await chart.locator('g.bar').count()).toBeLessThanOrEqual(8);
        expect(await chart.locator('rect[data-current="true"]').count()).toBeGreaterThan(0);
      }
      const weekTicks = await topTicks();
      expect(weekTicks[0]).toBe(weekTicks[1]);
      await shot(page, '05b-range-7d');
    });
  }, 60_000);

  it('refreshes by itself and says when it read its numbers', async () => {
    const page = await browser.context.newPage();
    await signIn(page, hub, TOKENS.operator);
    await page.getByLabel('Automatisch aktualisieren').selectOption('15');
    const asOf = (): Promise<string | null> => page.getByTestId('as-of').locator('time').getAttribute('datetime');
    const first = await asOf();
    expect(await page.getByTestId('as-of').textContent()).toMatch(/^Stand: \d{2}\.\d{2}\.\d{2}, \d{2}:\d{2}:\d{2}$/);
    await expect.poll(asOf, { timeout: 40_000, interval: 1000 }).not.toBe(first);
    await page.close();
  }, 60_000);

  it("gives the auditor the audit records of a submission and a verify that checks the whole chain", async () => {
    const page = await browser.context.newPage();
    await signIn(page, hub, TOKENS.auditor);
    await page.getByRole('link', { name: 'Prüfprotokoll', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Prüfprotokoll' }).waitFor();
    await page.getByRole('button', { name: 'Kette prüfen' }).click();
    await page.getByTestId('verify-result').getByText(/^Kette unversehrt: [\d.]+ von [\d.]+ Einträgen geprüft\.$/).waitFor({ timeout: 30_000 });
    await page.getByLabel('Einreichungs-ID').fill(testhausen[0] ?? '');
    await page.getByRole('button', { name: 'Suchen' }).click();
    const records = page.getByTestId('audit-records');
    // the view showed the last 24 hours (ten replays) before: wait for the one submission's records
    await expect.poll(() => records.getByText('Wiederholung', { exact: true }).count(), { timeout: 15_000 }).toBe(1);
    expect(await records.locator('tbody tr').first().textContent()).toContain('Eingang');
    const replayRow = records.locator('tbody tr').filter({ has: page.getByText('Wiederholung', { exact: true }) });
    expect(await replayRow.textContent()).toContain('olga');
    expect(await replayRow.textContent()).toContain('fehlgeschlagen → eingegangen');
    expect(await replayRow.textContent()).toContain(REASON);
    expect(await records.locator('.hash').count()).toBeGreaterThan(10);
    await shot(page, '06-audit');
    await page.close();
  }, 60_000);

  it('made no request to any host but the hub', () => {
    expect(foreignRequests(browser.requests)).toEqual([]);
  });
});
