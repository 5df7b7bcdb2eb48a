/**
 * The dashboard in a real browser: headless Chromium (Debian's /usr/bin/chromium, or CHROMIUM_PATH)
 * driven by playwright-core against the built `risk-engine serve --demo` as a user runs it. Accounts
 * are made the way an operator makes them, over REST: the bootstrap admin turns on MFA, grants a
 * risk manager and a compliance officer, who turn on MFA too; then each signs in through the page
 * with a TOTP code. The risk manager's grid fills and moves; a VaR limit set low on one demo portfolio
 * shows as a breach. Screenshots go to test-artifacts/ (gitignored). Needs `npm run build` first.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Browser, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpCode } from '../../src/gateway/totp.js';
import { repoRoot } from '../cli/run-cli.js';
import { type Server, serve } from '../cli/serve-child.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = path.join(repoRoot, 'test-artifacts');
const PASSWORD = 'a long passphrase for the dashboard test';
const ADMIN = 'admin@dashboard.test';

function env(): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'silent', NODE_ENV: 'development', BOOTSTRAP_ADMIN_EMAIL: ADMIN, RATE_LIMIT_AUTH: '100:10' };
  for (const k of ['DATA_DIR', 'PORT', 'HOST', 'DATABASE_URL', 'REDIS_URL', 'SIGNING_KEYS_DIR', 'RISK_ENGINE_JWT_ISSUER', 'RISK_ENGINE_JWT_AUDIENCE']) delete e[k];
  return e;
}

/**
 * The little of the browser's globals the page functions below read. They run in the page (passed
 * to it as source), where the page's CSP refuses string evaluation; this program has no DOM types.
 */
interface PageGlobals {
  readonly document: {
    querySelectorAll(selector: string): { readonly length: number };
    querySelector(selector: string): { getAttribute(name: string): string | null } | null;
    getElementById(id: string): { readonly textContent: string | null } | null;
    readonly cookie: string;
  };
  readonly localStorage: { readonly length: number };
  readonly sessionStorage: { readonly length: number };
}

type Json = Record<string, any>;
async function rest(base: string, method: string, p: string, body?: unknown, token?: string): Promise<{ status: number; body: Json }> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${base}${p}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Json) : {} };
}

async function ok(r: Promise<{ status: number; body: Json }>, what: string): Promise<Json> {
  const a = await r;
  if (a.status >= 300) throw new Error(`${what}: ${a.status} ${JSON.stringify(a.body)}`);
  return a.body;
}

/** Registers `email`, signs in with the password and turns MFA on: its TOTP secret and backup codes. */
async function registerWithMfa(base: string, email: string, name: string): Promise<{ userId: string; secret: string; backupCodes: string[] }> {
  const { userId } = await ok(rest(base, 'POST', '/auth/register', { email, password: PASSWORD, displayName: name }), `register ${email}`);
  const { accessToken } = await ok(rest(base, 'POST', '/auth/login', { email, password: PASSWORD }), `login ${email}`);
  const { secret } = await ok(rest(base, 'POST', '/auth/mfa/setup', undefined, accessToken), 'mfa setup');
  const { backupCodes } = await ok(rest(base, 'POST', '/auth/mfa/enable', { code: totpCode(secret, Date.now()) }, accessToken), 'mfa enable');
  return { userId, secret, backupCodes };
}

/** A signed-in access token with the second factor (a backup code: the TOTP codes are kept for the page). */
async function signInWithBackup(base: string, email: string, backupCode: string): Promise<string> {
  const first = await ok(rest(base, 'POST', '/auth/login', { email, password: PASSWORD }), `login ${email}`);
  const done = await ok(rest(base, 'POST', '/auth/mfa/verify', { mfaToken: first.mfaToken, code: backupCode }), `mfa verify ${email}`);
  return done.accessToken as string;
}

/** The page's sign-in, as a person does it: email and password, then the next TOTP code (the current one was used to turn MFA on). */
async function signInThroughPage(page: Page, base: string, email: string, secret: string): Promise<void> {
  await page.goto(`${base}/dashboard`);
  await page.fill('#email', email);
  await page.fill('#password', PASSWORD);
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('#mfa-form:not([hidden])');
  await page.fill('#mfa-code', totpCode(secret, Date.now() + 30_000));
  await page.click('#mfa-form button[type=submit]');
  await page.waitForSelector('#status[data-state="live"]', { timeout: 30_000 });
}

describe('the dashboard in headless Chromium against serve --demo', () => {
  let home: string;
  let server: Server | undefined;
  let browser: Browser | undefined;
  let base: string;
  let rm: { secret: string; backupCodes: string[] };
  let officer: { secret: string };
  /** Console errors, failed requests and CSP violations of the current page: none is expected. */
  let problems: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`Chromium not found at ${CHROMIUM}: install it (Debian/Ubuntu: sudo apt-get install -y chromium) or set CHROMIUM_PATH to a Chromium or Chrome binary`);
    }
    if (!existsSync(path.join(repoRoot, 'dist', 'dashboard', 'index.html'))) throw new Error('dist/dashboard is missing: run `npm run build` first');
    mkdirSync(ARTIFACTS, { recursive: true });
    home = mkdtempSync(path.join(tmpdir(), 'risk-dashboard-e2e-'));
    // The bootstrap admin is granted at start, once the account exists: register it, then restart.
    server = await serve(home, env(), ['--demo']);
    base = `http://127.0.0.1:${server.port}`;
    const admin = await registerWithMfa(base, ADMIN, 'Admin');
    await server.stop();
    server = await serve(home, env(), ['--demo']);
    base = `http://127.0.0.1:${server.port}`;
    const adminToken = await signInWithBackup(base, ADMIN, admin.backupCodes[0] as string);

    const grant = async (email: string, name: string, role: string) => {
      const u = await registerWithMfa(base, email, name);
      await ok(rest(base, 'POST', `/admin/users/${u.userId}/roles`, { roles: [role] }, adminToken), `grant ${role}`);
      await ok(rest(base, 'POST', `/admin/users/${u.userId}/portfolios`, { role, portfolios: ['*'] }, adminToken), `portfolios of ${role}`);
      return u;
    };
    rm = await grant('risk@dashboard.test', 'Rita Risk', 'risk_manager');
    officer = await grant('compliance@dashboard.test', 'Carl Compliance', 'compliance_officer');

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  async function newPage(): Promise<Page> {
    // A fresh context per person: its own (empty) storage, as a fresh user-data-dir would be.
    const context = await browser!.newContext({ viewport: { width: 1400, height: 900 } });
    problems = [];
    const page = await context.newPage();
    page.on('console', (m) => {
      // A 4xx is reported as a response with its URL below; every other error (a CSP violation) here.
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
    });
    return page;
  }

  it('signs a risk manager in with MFA, fills the grid, moves it live and highlights a breach', async () => {
    const page = await newPage();
    await signInThroughPage(page, base, 'risk@dashboard.test', rm.secret);
    // Every demo portfolio the risk manager covers, each with a VaR drawn.
    await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.querySelectorAll('#risk-grid tbody tr[data-seq]').length >= 20, undefined, { timeout: 30_000 });
    expect(await page.locator('#risk-grid tbody tr').count()).toBe(20);
    const varText = await page.locator('tr[data-portfolio="demo-0000"] td[data-field="var"]').textContent();
    expect(varText).toMatch(/^[\d,.]+[KM]?$/);
    expect(await page.locator('#underlying-grid tbody tr').count()).toBeGreaterThan(0);

    // Live: the row's snapshot sequence moves on, and the sparkline gathers points.
    const seq0 = Number(await page.locator('tr[data-portfolio="demo-0000"]').getAttribute('data-seq'));
    await page.waitForFunction((s) => Number((globalThis as unknown as PageGlobals).document.querySelector('tr[data-portfolio="demo-0000"]')?.getAttribute('data-seq')) > s, seq0, { timeout: 15_000 });
    await page.waitForFunction(() => ((globalThis as unknown as PageGlobals).document.querySelector('tr[data-portfolio="demo-0000"] polyline')?.getAttribute('points') ?? '').split(' ').length >= 5, undefined, { timeout: 15_000 });

    // A VaR limit far below the portfolio's VaR: the next snapshot carries the breach.
    const rmToken = await signInWithBackup(base, 'risk@dashboard.test', rm.backupCodes[0] as string);
    await ok(rest(base, 'POST', '/risk/limits', { portfolioId: 'demo-0003', maxVar: 1 }, rmToken), 'set a low VaR limit');
    const row = page.locator('tr[data-portfolio="demo-0003"]');
    await page.waitForSelector('tr[data-portfolio="demo-0003"].breached td[data-field="var"].breach', { timeout: 15_000 });
    expect(await row.locator('td[data-field="breaches"]').textContent()).toContain('VAR_LIMIT');
    expect(await page.locator('tr.breached').count()).toBe(1);

    // Still responsive under the demo's stream: a click selects another portfolio's detail at once.
    await page.click('tr[data-portfolio="demo-0003"] th');
    await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.getElementById('detail-name')?.textContent === 'demo-0003', undefined, { timeout: 2_000 });
    // Nothing kept where another page's script could read it.
    expect(await page.evaluate(() => [(globalThis as unknown as PageGlobals).localStorage.length, (globalThis as unknown as PageGlobals).sessionStorage.length, (globalThis as unknown as PageGlobals).document.cookie])).toEqual([0, 0, '']);
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard.png'), fullPage: true });
    expect(problems).toEqual([]);
    await page.context().close();
  }, 120_000);

  it('shows a compliance officer the KYC backlog and the live alert stream', async () => {
    const page = await newPage();
    await signInThroughPage(page, base, 'compliance@dashboard.test', officer.secret);
    await page.waitForSelector('#compliance-view:not([hidden]) #kyc-backlog [data-kyc="waiting"]', { timeout: 15_000 });
    expect(await page.locator('#risk-view').isHidden()).toBe(true);
    expect(await page.locator('#kyc-backlog .tile').count()).toBe(6);
    // Subscribed to the alerts channel (the engine refuses it to any other role: the status would not be live).
    expect(await page.locator('#alerts tbody tr').first().textContent()).toMatch(/No alert yet|\d/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-compliance.png'), fullPage: true });
    expect(problems).toEqual([]);
    await page.context().close();
  }, 60_000);
});
