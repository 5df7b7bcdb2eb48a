/**
 * GET /docs as a browser and as a client see it: Debian's Chromium, headless, driven by
 * playwright-core, renders Swagger UI from the engine's own files under the page's CSP (no console
 * error, no request elsewhere) and lists the operations of GET /openapi.json; a screenshot is kept
 * in test-artifacts/. Over plain HTTP: content types, caching and ETags, and that only the fixed
 * list of files is served (no path reaches the file system). Needs `npm run build` (the risk pool
 * runs the compiled worker) and Chromium (`apt-get install -y chromium`; CHROMIUM_PATH elsewhere).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOCS_PAGE_CSP } from '../../src/gateway/api-docs-page.js';
import { type Stack, startStack } from './harness.js';
import { rawRequest } from './raw-http.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts');

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

describe('GET /docs in headless Chromium', () => {
  let context: BrowserContext | undefined;
  let browser: Browser | null = null;
  const profile = mkdtempSync(join(tmpdir(), 'risk-chromium-'));

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`Chromium is not at ${CHROMIUM}: install it (Debian/Ubuntu: sudo apt-get install -y chromium), or set CHROMIUM_PATH to its path`);
    }
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    browser = context.browser();
  });
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    rmSync(profile, { recursive: true, force: true });
  });

  it('renders the operations of the document with no console error and no request to another origin', async () => {
    const page = await context!.newPage();
    const problems: string[] = [];
    const origins = new Set<string>();
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
    page.on('request', (r) => origins.add(new URL(r.url()).origin));
    // Chromium logs a CSP violation as a console error too; this names the directive if it ever does.
    // (Source text: it runs in the page, whose DOM types this project does not compile against.)
    await page.addInitScript({ content: "document.addEventListener('securitypolicyviolation', (e) => console.error('CSP ' + e.violatedDirective + ' blocked ' + e.blockedURI + ' ' + e.sample))" });

    const answer = await page.goto(`${stack.http}/docs`);
    expect(answer?.status()).toBe(200);
    // An operation of the REST table, as Swagger UI lists it.
    const submit = page.locator('.opblock-post', { has: page.locator('.opblock-summary-path', { hasText: /^\/trades$/ }) });
    await submit.first().waitFor({ state: 'visible', timeout: 30_000 });
    await expect(submit.first().locator('.opblock-summary-description').textContent()).resolves.toBe('Submit an order');
    expect(await page.locator('.opblock').count()).toBeGreaterThan(20);
    // Open one: its body schema and example are shown.
    await submit.first().locator('.opblock-summary').click();
    await page.locator('.opblock-post.is-open .highlight-code').first().waitFor({ timeout: 10_000 });
    // The parts drawn with most styling: the body's schema tab and the error body model.
    await page.locator('.opblock-post.is-open .tablinks', { hasText: 'Schema' }).first().click();
    await page.locator('.opblock-post.is-open .model-box').first().waitFor({ timeout: 10_000 });
    // OpenAPI 3.1: Swagger UI draws schemas with its JSON Schema 2020-12 components.
    const errorModel = page.locator('.models .json-schema-2020-12', { hasText: 'ErrorBody' }).first();
    await errorModel.locator('.json-schema-2020-12-expand-deep-button').first().click();
    await errorModel.getByText('requestId').first().waitFor({ timeout: 10_000 });

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: join(ARTIFACTS, 'api-docs.png'), fullPage: false });
    expect(problems).toEqual([]);
    expect([...origins]).toEqual([stack.http]);
  });
});

describe('the files of GET /docs over HTTP', () => {
  it('serves the page with its own CSP, revalidated each time, and the vendor files cached for a day, each with its content type', async () => {
    const page = await fetch(`${stack.http}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toBe(DOCS_PAGE_CSP);
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await page.text()).not.toMatch(/<script>|<script [^>]*>[^<]/);
    const types: Record<string, string> = {
      '/docs/init.js': 'text/javascript; charset=utf-8',
      '/docs/swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
      '/docs/swagger-ui.css': 'text/css; charset=utf-8',
      '/docs/favicon-32x32.png': 'image/png',
    };
    for (const [path, type] of Object.entries(types)) {
      const r = await fetch(`${stack.http}${path}`);
      expect(r.status, path).toBe(200);
      expect(r.headers.get('content-type'), path).toBe(type);
      expect(r.headers.get('cache-control'), path).toBe(path === '/docs/init.js' ? 'no-cache' : 'public, max-age=86400');
      expect(r.headers.get('etag'), path).toMatch(/^"[A-Za-z0-9_-]+"$/);
      // Not a page: the API's CSP stays on it.
      expect(r.headers.get('content-security-policy'), path).toBe("default-src 'none'; frame-ancestors 'none'");
      await r.arrayBuffer();
    }
  });

  it('answers 304 without a body when the client holds the current copy, and the file when it holds an older one', async () => {
    const first = await fetch(`${stack.http}/docs/swagger-ui.css`);
    const etag = first.headers.get('etag')!;
    await first.arrayBuffer();
    const again = await rawRequest(stack.gateway.port, `GET /docs/swagger-ui.css HTTP/1.1\r\nHost: x\r\nIf-None-Match: "old", ${etag}`);
    expect(again.status).toBe(304);
    expect(again.body).toBe('');
    expect(again.headers.etag).toBe(etag);
    const stale = await fetch(`${stack.http}/docs/swagger-ui.css`, { headers: { 'if-none-match': '"old"' } });
    expect(stale.status).toBe(200);
    expect((await stale.arrayBuffer()).byteLength).toBeGreaterThan(1000);
  });

  it('serves no file outside its list, however the path is spelt', async () => {
    const tries = [
      '/docs/../package.json', '/docs/%2e%2e/package.json', '/docs/..%2fpackage.json', '/docs/swagger-ui.js', '/docs/index.html',
      '/docs/', '/docs/init.js/', '/docs//init.js', '/docs/swagger-ui-bundle.js.map', '/docs/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    ];
    for (const path of tries) {
      const r = await rawRequest(stack.gateway.port, `GET ${path} HTTP/1.1\r\nHost: x`);
      expect(r.status, path).toBe(404);
      expect(JSON.parse(r.body), path).toMatchObject({ code: 'NOT_FOUND' });
    }
  });
});
