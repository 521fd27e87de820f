import { Validator } from '@seriousme/openapi-schema-validator';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DOCS_CSP } from '../../src/http/docs-ui.js';
import { launchChromium } from '../helpers/browser.js';
import { http } from '../helpers/http.js';
import { startServer, type RunningServer } from '../helpers/server.js';

/** Absolute or protocol-relative URLs in `src`/`href` attributes: anything that would load from elsewhere. */
const externalReferences = (html: string) =>
  [...html.matchAll(/\b(?:src|href)\s*=\s*["']([^"']*)["']/gi)]
    .map((m) => m[1]!)
    .filter((u) => /^(?:[a-z]+:|\/\/)/i.test(u));

describe('the API documentation', () => {
  let running: RunningServer;
  afterEach(async () => {
    await running?.close();
  });

  it('is a valid OpenAPI 3.1 document, with its licence and a description', async () => {
    running = await startServer({ env: { METRICS_TOKEN: 'metrics-token-for-tests-0123456789' } });
    const { body: doc } = await http(`${running.url}/api/openapi.json`);
    const validator = new Validator();
    const result = await validator.validate(doc);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    expect(doc.info).toMatchObject({
      title: 'GhostChat',
      license: { name: 'MIT', identifier: 'MIT' },
      description: expect.stringContaining('socket.io'),
    });
    // The UI's own pages are not part of the API.
    expect(Object.keys(doc.paths).filter((path) => path.startsWith('/docs'))).toEqual([]);
  });

  it('serves /docs as HTML under its own strict CSP, with nothing from another origin', async () => {
    running = await startServer();
    const page = await fetch(`${running.url}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toBe(DOCS_CSP);
    expect(DOCS_CSP).not.toContain('unsafe-eval');
    expect(DOCS_CSP).toMatch(/script-src 'self';/);
    const html = await page.text();
    expect(html).toContain('swagger-ui-bundle.js');
    expect(externalReferences(html)).toEqual([]);

    const bundle = await fetch(`${running.url}/docs/static/swagger-ui-bundle.js`);
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('content-security-policy')).toBe(DOCS_CSP);
    await bundle.arrayBuffer();
    // The API's own answers keep theirs: the UI's policy is scoped to /docs.
    const health = await fetch(`${running.url}/api/health`);
    expect(health.headers.get('content-security-policy')).toBeNull();
    await health.arrayBuffer();
  });

  describe('in a browser', () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await launchChromium();
    });
    afterAll(async () => {
      await browser?.close();
    });

    it('renders every operation under that CSP (no eval), loading only from the server', async () => {
      running = await startServer({ env: { METRICS_TOKEN: 'metrics-token-for-tests-0123456789' } });
      const { body: doc } = await http(`${running.url}/api/openapi.json`);
      const operations = Object.values(doc.paths as Record<string, object>).flatMap((path) => Object.keys(path));
      const page = await browser.newPage();
      const problems: string[] = [];
      const requested: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(message.text());
      });
      page.on('pageerror', (error) => problems.push(error.message));
      page.on('request', (request) => requested.push(request.url()));

      await page.goto(`${running.url}/docs`);
      await page.locator('.info .title', { hasText: 'GhostChat' }).waitFor({ timeout: 10_000 });
      expect(await page.locator('.opblock').count()).toBe(operations.length);
      // Try one operation: the UI reaches the API under connect-src 'self'.
      await page.locator('.opblock-summary-path[data-path="/livez"]').click();
      await page.getByRole('button', { name: 'Try it out' }).click();
      await page.getByRole('button', { name: 'Execute' }).click();
      await page.locator('.live-responses-table .response-col_status', { hasText: '200' }).waitFor({ timeout: 10_000 });
      await page.close();

      expect(problems).toEqual([]);
      expect(requested.length).toBeGreaterThan(3);
      expect(requested.filter((url) => !url.startsWith(`${running.url}/`))).toEqual([]);
    });
  });
});
