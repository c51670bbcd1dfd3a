import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdapterFactory } from '@weiche/adapter-sdk';
import { foreignRequests, launchBrowser, showView, type TestBrowser } from '../support/browser.js';
import { tempDir, waitFor } from '../support/env.js';
import { flakyFolderAdapter } from '../support/flaky-adapter.js';
import { startInProcessHub, type InProcessHub } from '../support/hub-in-process.js';
import { SERVICE, writeTestConfig } from '../support/test-config.js';

const TOKEN = randomBytes(16).toString('hex');
// Markup that runs script wherever text is inserted as HTML or into an attribute unquoted; each sets a flag.
const HOSTILE = (n: number): string => `<img src=x onerror="window.__xss=${n}"><script>window.__xss=${n}</script>"'><svg onload=window.__xss=${n}>\u202e`;

// The console rendering text from the config (tenant and service names, which a delegation or an upstream may carry)
// and from a sender (file names, the reason of a permanent failure) in the real browser: nothing of it may run.
describe('web console with hostile names and reasons', () => {
  let hub: InProcessHub;
  let browser: TestBrowser;
  let failed = '';

  beforeAll(async () => {
    const dir = await tempDir('console-hostile');
    const cfg = await writeTestConfig(dir, {
      overrides: (raw) => {
        const tenant = (raw.tenants as Array<Record<string, unknown>>)[0]!;
        tenant.name = HOSTILE(1);
        tenant.organisationseinheit = HOSTILE(2);
        const destination = (raw.destinations as Array<{ services: Array<Record<string, unknown>> }>)[0]!;
        destination.services[0]!.name = HOSTILE(3);
        raw.adapters = [{ id: 'dms', kind: 'flaky-folder', config: { path: join(dir, 'outbox'), failTimes: 5, failWith: 'permanent' }, retry: { attempts: 1, backoffMs: 50, maxBackoffMs: 100 } }];
        raw.routes = [{ id: 'to-dms', tenant: 'testhausen', service: '*', target: 'xdomea-3.1.0:0401', adapter: 'dms' }];
        raw.admin = { tokens: [{ token: TOKEN, subject: 'olga', role: 'operator' }] };
      },
    });
    hub = await startInProcessHub(cfg, { adapterKinds: [flakyFolderAdapter as AdapterFactory<unknown>] });
    const sent = await hub.sender.send({
      destinationId: cfg.destinationId,
      serviceIdentifier: SERVICE,
      serviceName: HOSTILE(4),
      senderReference: HOSTILE(5),
      data: Buffer.from(JSON.stringify({ familienname: HOSTILE(6) })),
      attachments: [{ content: Buffer.from('%PDF-1.7 x'), filename: `${HOSTILE(7)}.pdf`, mimeType: 'application/pdf' }],
    });
    failed = sent.submissionId;
    await waitFor('dead-lettered', async () => (await hub.deps.journal.getSubmission(failed))?.state === 'FAILED', 60_000, 100);
    browser = await launchBrowser({ locale: 'de-DE' });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await hub?.stop();
  });

  it('shows every view with the hostile text as text and runs none of it', async () => {
    const page = await browser.context.newPage();
    const errors: string[] = [];
    const dialogs: string[] = [];
    page.on('pageerror', (error) => void errors.push(error.message));
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await page.goto(`${hub.baseUrl}/admin/`);
    await page.getByLabel('Admin-Token (Bearer)').fill(TOKEN);
    await page.keyboard.press('Enter');
    await page.getByTestId('dead-letters').getByText(failed).first().waitFor({ timeout: 30_000 });
    for (const view of ['#/', '#/dead-letters', '#/submissions', `#/submissions/${failed}`, '#/audit', '#/ozg', '#/upstreams']) {
      await showView(page, view);
      expect(await page.evaluate('window.__xss ?? null'), `script ran on ${view}`).toBeNull();
      expect(await page.locator('main img, main script, main svg[onload]').count(), `markup from data on ${view}`).toBe(0);
    }
    // the tenant name is on the page, as text
    await showView(page, '#/submissions');
    expect(await page.evaluate('document.body.textContent.includes(\'<img src=x onerror="window.__xss=1">\')')).toBe(true);
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
    expect(foreignRequests(browser.requests)).toEqual([]);
    await page.close();
  }, 120_000);
});
