import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS_DIR, foreignRequests, launchBrowser, type TestBrowser } from '../support/browser.js';
import { tempDir } from '../support/env.js';
import { startInProcessHub, type InProcessHub } from '../support/hub-in-process.js';
import { startOpenIdProvider, type TestOpenIdProvider } from '../support/openid-provider.js';
import { writeTestConfig } from '../support/test-config.js';

const CLIENT_ID = 'weiche-console';
const AUDIENCE = 'weiche-admin';
const USERS = [
  { login: 'olga', password: 'correct horse battery staple', name: 'Olga Operator', roles: ['operator'] },
  { login: 'anna', password: 'another long passphrase', name: 'Anna Admin', roles: ['tenant-admin'], tenants: ['testhausen'] },
];

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS_DIR, `console-oidc-${name}.png`), fullPage: true });
}

// The console signs in through a real OpenID provider (oidc-provider with a login page that checks
// passwords): authorization code flow with PKCE, state and nonce; the access token is a JWT the
// admin API verifies against the provider's JWKS (issuer, audience, role claim).
describe('console sign-in through an OpenID provider (headless Chromium)', () => {
  let hub: InProcessHub;
  let idp: TestOpenIdProvider;
  let browser: TestBrowser;

  beforeAll(async () => {
    // both on ports the kernel picks (race-free): the provider first (the hub's config names it), then the hub, whose
    // URL the provider asks for when it is first used
    idp = await startOpenIdProvider({ clientId: CLIENT_ID, redirectUri: () => `${hub.baseUrl}/admin/`, audience: AUDIENCE, users: USERS });
    const cfg = await writeTestConfig(await tempDir('console-oidc'), {
      overrides: (raw) => {
        raw.admin = { tokens: [], oidc: { issuer: idp.issuer, audience: AUDIENCE, jwksUrl: idp.jwksUrl, clientId: CLIENT_ID, scopes: ['openid', 'profile', 'weiche'] } };
      },
    });
    hub = await startInProcessHub(cfg);
    browser = await launchBrowser({ locale: 'de-DE' });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await hub?.stop();
    await idp?.close();
  });

  it('allows the provider origin in the CSP and says how to sign in', async () => {
    const index = await fetch(`${hub.baseUrl}/admin/`);
    expect(index.headers.get('content-security-policy')).toContain(`connect-src 'self' ${idp.issuer};`);
    expect(index.headers.get('content-security-policy')).toContain("script-src 'self';");
    expect(await (await fetch(`${hub.baseUrl}/admin/api/v1/sign-in`)).json()).toEqual({ token: true, oidc: { issuer: idp.issuer, clientId: CLIENT_ID, scopes: ['openid', 'profile', 'weiche'] } });
  });

  it('signs in with code flow and PKCE: a wrong password is refused, the right one lands in the console', async () => {
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => void errors.push(error.message));
    const authorize: URL[] = [];
    page.on('request', (request) => {
      if (request.url().startsWith(`${idp.issuer}/auth`)) authorize.push(new URL(request.url()));
    });

    await page.goto(`${hub.baseUrl}/admin/#/dead-letters`);
    await page.getByRole('heading', { level: 1, name: 'Anmeldung' }).waitFor();
    await shot(page, '01-login');
    await page.getByRole('button', { name: 'Beim Anmeldedienst anmelden' }).click();
    await page.waitForURL(`${idp.issuer}/interaction/**`);

    const request = authorize[0];
    expect(request?.searchParams.get('response_type')).toBe('code');
    // the answer comes in the fragment, which no server (nor its access log) ever sees
    expect(request?.searchParams.get('response_mode')).toBe('fragment');
    expect(request?.searchParams.get('code_challenge_method')).toBe('S256');
    expect(request?.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(request?.searchParams.get('state')).toMatch(/^[\w-]{40,}$/);
    expect(request?.searchParams.get('nonce')).toMatch(/^[\w-]{40,}$/);
    expect(request?.searchParams.get('redirect_uri')).toBe(`${hub.baseUrl}/admin/`);

    await page.getByLabel('Username').fill('olga');
    await page.getByLabel('Password').fill('wrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').getByText('Wrong username or password.').waitFor();
    expect(idp.refused()).toBe(1);
    await page.getByLabel('Username').fill('olga');
    await page.getByLabel('Password').fill(USERS[0]?.password ?? '');
    await page.getByRole('button', { name: 'Sign in' }).click();

    // back in the console, on the view the sign-in started from, without the code in the address bar
    await page.getByRole('heading', { level: 1, name: 'Fehlgeschlagene Zustellungen' }).waitFor({ timeout: 30_000 });
    expect(page.url()).toBe(`${hub.baseUrl}/admin/#/dead-letters`);
    await page.getByText('Angemeldet als olga (Betrieb)').waitFor();
    await shot(page, '02-signed-in');
    const stored = await page.evaluate<{ token: string | null; flow: string | null; history: number }>(
      "({ token: sessionStorage.getItem('weiche.token'), flow: sessionStorage.getItem('weiche.oidc.flow'), history: history.length })",
    );
    expect(stored.flow).toBeNull();
    // the access token is a JWT for the admin API, which accepts it
    const payload = JSON.parse(Buffer.from((stored.token ?? '').split('.')[1] ?? '', 'base64url').toString('utf8')) as { iss: string; aud: string; sub: string; roles: string[] };
    expect(payload).toMatchObject({ iss: idp.issuer, aud: AUDIENCE, sub: 'olga', roles: ['operator'] });
    const me = await fetch(`${hub.baseUrl}/admin/api/v1/me`, { headers: { authorization: `Bearer ${stored.token ?? ''}` } });
    expect(await me.json()).toEqual({ subject: 'olga', role: 'operator', tenants: 'all' });

    await page.getByRole('button', { name: 'Abmelden' }).click();
    await page.getByRole('heading', { level: 1, name: 'Anmeldung' }).waitFor();
    expect(await page.evaluate<string | null>("sessionStorage.getItem('weiche.token')")).toBeNull();
    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);

  it('refuses a callback whose state this tab did not send (no token is stored)', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${hub.baseUrl}/admin/#code=stolen-code&state=forged-state&iss=${encodeURIComponent(idp.issuer)}`);
    await page.getByRole('heading', { level: 1, name: 'Anmeldung' }).waitFor();
    await page.getByRole('status').getByText(/^Anmeldung fehlgeschlagen: /).waitFor();
    expect(page.url()).toBe(`${hub.baseUrl}/admin/`);
    expect(await page.evaluate<string | null>("sessionStorage.getItem('weiche.token')")).toBeNull();
    await page.close();
  });

  it('made no request to other hosts than the hub and the provider', () => {
    const others = foreignRequests(browser.requests);
    expect(others).toEqual([]);
    expect(browser.requests.some((r) => r.url().startsWith(`${idp.issuer}/token`))).toBe(true);
    // the authorization code went from the provider to the page's fragment and on to the token endpoint only
    expect(browser.requests.filter((r) => r.url().startsWith(hub.baseUrl) && /[?&]code=/.test(r.url())).map((r) => r.url())).toEqual([]);
  });
});
