/**
 * The daily risk report's HTML in a real browser: headless Chromium (Debian's /usr/bin/chromium, or
 * CHROMIUM_PATH) driven by playwright-core, the page given as content with every request watched.
 * Its two SVG charts are present and sized, the backtest's exceptions are circled, and the page asks
 * for nothing from outside (no request at all). A screenshot goes to test-artifacts/ (gitignored).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDailyRiskDocument } from '../../src/engine/reports/daily-risk/daily-risk-document.js';
import { dailyRiskHtml } from '../../src/engine/reports/daily-risk/daily-risk-html.js';
import { scenarioBook } from './risk-book-fixture.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = path.resolve(__dirname, '../../test-artifacts');

/** The few DOM members the page functions read (this program has no DOM types). */
interface El { getAttribute(n: string): string | null; getBoundingClientRect(): { width: number; height: number }; querySelectorAll(s: string): { length: number } }
interface PageGlobals { readonly document: { querySelector(s: string): El | null; querySelectorAll(s: string): ArrayLike<El> } }

let browser: Browser;
const built = buildDailyRiskDocument({
  book: scenarioBook(),
  breaches: [{ portfolioId: 'P1-options', code: 'VAR_LIMIT', firstDetail: 'VaR 3,100 > limit 3,000', lastDetail: 'VaR 3,700 > limit 3,000', firstMs: Date.UTC(2011, 8, 30, 14), lastMs: Date.UTC(2011, 8, 30, 20), snapshots: 2 }],
});
if (!built.ok) throw new Error(built.message);
const doc = built.value;
const html = dailyRiskHtml(doc);

beforeAll(async () => {
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

describe('daily risk report HTML in headless Chromium', () => {
  it('is the same bytes for the same document', () => {
    expect(dailyRiskHtml(doc) === html).toBe(true);
  });

  it('has no script, no external reference, and a CSP that allows nothing but its inline style', () => {
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(/i);
    expect(html).not.toMatch(/(src|href)=/i);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'`);
  });

  it('renders both charts sized, the exceptions circled, and makes no request', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const requests: string[] = [];
    const problems: string[] = [];
    page.on('request', (r) => { if (!r.url().startsWith('data:')) requests.push(r.url()); });
    page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
    page.on('pageerror', (e) => problems.push(e.message));
    // about:blank + setContent: the page's only origin is itself; any subresource it asked for would be a request.
    await page.setContent(html, { waitUntil: 'load' });
    const charts = await page.evaluate(() => {
      const { document } = globalThis as unknown as PageGlobals;
      return ['chart-backtest', 'chart-var-history'].map((id) => {
        const svg = document.querySelector(`svg#${id}`);
        if (!svg) return null;
        const box = svg.getBoundingClientRect();
        return {
          width: box.width, height: box.height, viewBox: svg.getAttribute('viewBox'),
          exceptions: svg.querySelectorAll('circle.exception').length,
          pnlBars: svg.querySelectorAll('g.series-pnl rect').length,
          varLines: svg.querySelectorAll('path.series-var').length,
          esLines: svg.querySelectorAll('path.series-es').length,
        };
      });
    });
    expect(charts[0]).toEqual({ width: 960, height: 300, viewBox: '0 0 960 300', exceptions: doc.total.backtest.exceptions, pnlBars: 250, varLines: 1, esLines: 0 });
    expect(charts[1]).toEqual({ width: 960, height: 300, viewBox: '0 0 960 300', exceptions: 0, pnlBars: 0, varLines: 1, esLines: 1 });
    expect(doc.total.backtest.exceptions).toBe(5);
    const headings = await page.locator('h2').allTextContents();
    expect(headings).toEqual(['VaR and Expected Shortfall', 'Backtest', 'Greeks by underlying', 'Margin', 'Limit breaches of the day', 'Positions', 'Price files']);
    expect(await page.locator('text=VAR_LIMIT').count()).toBe(1);
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(path.join(ARTIFACTS, 'daily-risk-report.html'), html);
    await page.screenshot({ path: path.join(ARTIFACTS, 'daily-risk-report.png'), fullPage: true });
    expect(requests).toEqual([]);
    expect(problems).toEqual([]);
    await page.close();
  }, 60_000);
});
