import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page, type Request } from 'playwright-core';
import { REPO_ROOT, tempDir } from './env.js';

/** Debian's chromium (package `chromium`, installed by npm test); CHROMIUM_PATH overrides it. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Screenshots of browser tests (gitignored). */
export const ARTIFACTS_DIR = join(REPO_ROOT, 'test', 'artifacts');

/** The flags the browser tests run Chromium with: headless, and no traffic of its own to the internet. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface TestBrowser {
  readonly context: BrowserContext;
  /** Every request any page of the context made, in order. */
  readonly requests: Request[];
  close(): Promise<void>;
}

/** Fails with a clear message when Debian's chromium is not installed. */
export function assertChromium(): void {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium is missing at ${CHROMIUM_PATH}: install Debian's package (npm test installs it: apt-get install chromium) or set CHROMIUM_PATH`);
  }
}

/** Starts headless Chromium via playwright-core with a fresh user-data dir, recording every request. */
export async function launchBrowser(options: { locale?: string } = {}): Promise<TestBrowser> {
  assertChromium();
  const userDataDir = await tempDir('chromium');
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    locale: options.locale ?? 'de-DE',
    viewport: { width: 1280, height: 900 },
    timeout: 60_000,
  });
  const requests: Request[] = [];
  context.on('request', (request) => void requests.push(request));
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  return {
    context,
    requests,
    async close() {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}

/** URLs of requests that left the machine (anything but localhost, 127.0.0.1, ::1 and in-page schemes). */
export function foreignRequests(requests: readonly Request[]): string[] {
  return requests.map((r) => r.url()).filter((url) => {
    const parsed = new URL(url);
    if (['data:', 'blob:', 'about:'].includes(parsed.protocol)) return false;
    return !['localhost', '127.0.0.1', '[::1]'].includes(parsed.hostname);
  });
}

/**
 * Navigates the console to `hash` and waits until that view is rendered (the console marks it on `main`):
 * a hash change is handled after the page's own fetches, so waiting for the network to be idle can return
 * while the previous view is still shown.
 */
export async function showView(page: Page, hash: string): Promise<void> {
  await page.evaluate(`window.location.hash = ${JSON.stringify(hash)}`);
  await page.locator(`main[data-shown=${JSON.stringify(hash)}]`).waitFor({ state: 'attached', timeout: 30_000 });
}
