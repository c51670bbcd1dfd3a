import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS_DIR, foreignRequests, launchBrowser, type TestBrowser } from '../support/browser.js';
import { dropSchema, tempDir, uniqueName } from '../support/env.js';
import { HubProcess, startHubOnFreePort } from '../support/hub-process.js';

interface DemoJson {
  baseUrl: string;
  clientId: string;
  console: { url: string; token: string; subject: string; role: string };
  links: Record<string, string>;
}

// A new user's first contact, as `npm start` runs it: the built hub with its demo defaults and a fresh
// data dir; they read the banner, open the landing page in a browser, follow the console link and sign
// in with the token from demo.json.
describe('first contact: npm start → landing page → console sign-in with the demo token', () => {
  const schema = uniqueName('first');
  let dataDir: string;
  let hub: HubProcess;
  let demo: DemoJson;
  let browser: TestBrowser;

  beforeAll(async () => {
    dataDir = await tempDir('first-contact');
    const prefix = uniqueName('wfirst');
    ({ hub } = await startHubOnFreePort((port) => new HubProcess([], { PORT: String(port), WEICHE_DATA_DIR: dataDir, WEICHE_DB_SCHEMA: schema, WEICHE_REDIS_PREFIX: prefix }), 'Weiche demo is running'));
    demo = JSON.parse(await readFile(join(dataDir, 'demo.json'), 'utf8')) as DemoJson;
    browser = await launchBrowser();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await hub?.stop();
    await dropSchema(schema);
  });

  it('writes an operator token into demo.json (owner-only) and the banner names sender API, console, docs and health', async () => {
    expect(demo.console).toMatchObject({ url: `${demo.baseUrl}/admin/`, subject: 'demo-operator', role: 'operator' });
    expect(demo.console.token.length).toBeGreaterThanOrEqual(32);
    expect((await stat(join(dataDir, 'demo.json'))).mode & 0o077).toBe(0);
    for (const text of [`Console:    ${demo.baseUrl}/admin/`, 'console.token', `API docs:   ${demo.baseUrl}/docs`, `${demo.baseUrl}/healthz`, `${demo.baseUrl}/readyz`, `client id ${demo.clientId}`, `POST ${demo.baseUrl}/token`]) {
      expect(hub.output).toContain(text);
    }
    // the token is in the file, not in the output
    expect(hub.output).not.toContain(demo.console.token);
  });

  it('answers GET / with a JSON index when asked for JSON', async () => {
    const res = await fetch(`${demo.baseUrl}/`, { headers: { accept: 'application/json' } });
    expect(res.status).toBe(200);
    const index = (await res.json()) as { product: string; links: Record<string, string> };
    expect(index.product).toBe('Weiche');
    expect(index.links).toMatchObject({ console: `${demo.baseUrl}/admin/`, apiDocs: `${demo.baseUrl}/docs`, health: `${demo.baseUrl}/healthz`, readiness: `${demo.baseUrl}/readyz` });
    for (const url of Object.values(index.links).filter((u) => !u.endsWith('/v1') && !u.endsWith('/token'))) expect((await fetch(url)).status, url).toBeLessThan(400);
  });

  it('opens the landing page, follows the console link and signs in with the token from demo.json', async () => {
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => void errors.push(error.message));
    page.on('console', (message) => void (message.type() === 'error' && errors.push(`${message.text()} ${message.location().url}`)));

    const landing = await page.goto(`${demo.baseUrl}/`);
    expect(landing?.status()).toBe(200);
    expect(landing?.headers()['content-security-policy']).toMatch(/^default-src 'self';/);
    await page.getByRole('heading', { level: 1, name: 'Weiche' }).waitFor();
    expect(await page.getByRole('link', { name: /Admin-API-Dokumentation/ }).getAttribute('href')).toBe('/docs');
    expect(await page.getByRole('link', { name: /Lebenszeichen/ }).getAttribute('href')).toBe('/healthz');
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'first-contact-01-landing.png'), fullPage: true });

    await page.getByRole('link', { name: /Betriebskonsole/ }).click();
    await expect.poll(() => page.url(), { timeout: 30_000 }).toBe(demo.console.url);
    await page.getByRole('heading', { level: 1, name: 'Anmeldung' }).waitFor();
    // the sign-in without an OpenID provider: no empty parts shown as text ("nullnull" above the form)
    expect(await page.getByRole('main').innerText()).not.toMatch(/null|undefined/);
    await page.getByLabel('Admin-Token (Bearer)').fill(demo.console.token);
    await page.getByRole('button', { name: 'Anmelden' }).click();
    await page.getByText('Angemeldet als demo-operator').waitFor({ timeout: 30_000 });
    await page.getByTestId('adapters').waitFor();
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'first-contact-02-console.png'), fullPage: true });

    expect(errors).toEqual([]);
    expect(foreignRequests(browser.requests)).toEqual([]);
  }, 120_000);
});
