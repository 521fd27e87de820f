import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll } from 'vitest';

/** Debian's Chromium; .ci/run installs the `chromium` package when it is missing. */
export const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = join(import.meta.dirname, '..', '..', 'test-results', 'browser');

export interface OpenedPage {
  page: Page;
  context: BrowserContext;
  /** Every URL the page requested (to prove it loads nothing from elsewhere). */
  requests: string[];
  /** Console errors and uncaught exceptions (a CSP violation shows up here). */
  problems: string[];
}

export interface BrowserSuite {
  /** A fresh context (its own storage and cookies, like another person's browser) with one page. */
  open(options?: { phone?: boolean }): Promise<OpenedPage>;
}

/** Headless Chromium with no network beyond loopback: every host name but localhost fails to resolve. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--headless',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1',
    ],
  });
}

/**
 * One headless Chromium per test file (launchChromium), one context per participant, closed after
 * each test.
 */
export function browserSuite(): BrowserSuite {
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await browser?.close();
  });
  return {
    async open({ phone = false } = {}) {
      if (!browser) throw new Error('browser not started');
      const context = await browser.newContext({
        viewport: phone ? { width: 375, height: 740 } : { width: 1000, height: 760 },
        permissions: ['clipboard-read', 'clipboard-write'],
      });
      contexts.push(context);
      const page = await context.newPage();
      const requests: string[] = [];
      const problems: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(m.text());
      });
      page.on('pageerror', (e) => problems.push(e.message));
      return { page, context, requests, problems };
    },
  };
}

/** Saves a screenshot under test-results/browser/ (gitignored), for people to look at. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}
