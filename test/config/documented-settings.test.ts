/**
 * DEFAULT_LEVERAGE_LIMIT, MAX_LEVERAGE_LIMIT and VAR_CONFIDENCE_LEVEL as the product runs them:
 * the environment through loadConfig into startApp, then REST with a token, as a client sees it.
 * Needs `npm run build` (the risk pool runs the compiled worker).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tokens } from '../../src/gateway/tokens.js';
import { type RunningApp, startApp } from '../../src/main.js';

const dataDir = mkdtempSync(join(tmpdir(), 'risk-documented-'));
const env = {
  DATA_DIR: dataDir, ENCRYPTION_KEY: randomBytes(32).toString('base64'), PERSISTENCE: 'memory', PORT: '0', LOG_LEVEL: 'silent', RISK_POOL_THREADS: '1',
  DEFAULT_LEVERAGE_LIMIT: '3', MAX_LEVERAGE_LIMIT: '20', VAR_CONFIDENCE_LEVEL: '0.99',
};

let app: RunningApp;
let token: string;

beforeAll(async () => {
  const config = loadConfig(env);
  app = await startApp(config, { log: () => {} });
  const grants = [{ role: 'admin' as const, portfolios: ['*'] }, { role: 'risk_manager' as const, portfolios: ['*'] }];
  token = await new Tokens(config.jwt).issueAccess({ sub: 'risk-desk', grants, amr: ['dev'] }, 600, Date.now());
});
afterAll(async () => {
  await app?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function rest(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`http://127.0.0.1:${app.port}${path}`, {
    method, headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const limitsOf = async (portfolioId: string) => ((await rest('GET', `/portfolios/${portfolioId}`)).body as { limits: { maxLeverage: number } }).limits;

describe('the leverage settings of a served engine', () => {
  it('gives a new portfolio the DEFAULT_LEVERAGE_LIMIT, and one that names its own limit that one', async () => {
    expect((await rest('POST', '/portfolios', { portfolioId: 'DEFAULTED', cash: 100_000 })).status).toBe(201);
    expect((await limitsOf('DEFAULTED')).maxLeverage).toBe(3);
    expect((await rest('POST', '/portfolios', { portfolioId: 'OWN', cash: 100_000, limits: { maxLeverage: 7 } })).status).toBe(201);
    expect((await limitsOf('OWN')).maxLeverage).toBe(7);
  });

  it('refuses a leverage limit above MAX_LEVERAGE_LIMIT with INVALID_LIMITS, on creation and on change, and keeps the old one', async () => {
    const created = await rest('POST', '/portfolios', { portfolioId: 'GREEDY', cash: 100_000, limits: { maxLeverage: 25 } });
    expect(created).toMatchObject({ status: 400, body: { code: 'INVALID_LIMITS', message: 'maxLeverage: must be in (0, 20], got 25' } });
    expect((await rest('GET', '/portfolios/GREEDY')).status).toBe(404);

    expect((await rest('POST', '/portfolios', { portfolioId: 'RAISED', cash: 100_000 })).status).toBe(201);
    const above = await rest('POST', '/risk/limits', { portfolioId: 'RAISED', limits: { maxLeverage: 20.5 } });
    expect(above).toMatchObject({ status: 400, body: { code: 'INVALID_LIMITS', message: 'maxLeverage: must be in (0, 20], got 20.5' } });
    expect((await limitsOf('RAISED')).maxLeverage).toBe(3);

    const atMax = await rest('POST', '/risk/limits', { portfolioId: 'RAISED', limits: { maxLeverage: 20 } });
    expect(atMax.status).toBe(200);
    expect((await limitsOf('RAISED')).maxLeverage).toBe(20);
  });
});

describe('the live VaR of a served engine', () => {
  it('streams its VaR at VAR_CONFIDENCE_LEVEL, and its ES at its own 97.5%', async () => {
    app.engine.watchRisk('VAR', 1); // pushed as it comes (a watched portfolio), before the portfolio exists
    const risk = new Promise<{ confidence: number; esConfidence: number }>((resolve) => {
      const off = app.engine.onEvent((e) => { if (e.type === 'risk' && e.portfolioId === 'VAR') { off(); resolve(e.risk.var); } });
    });
    expect(app.engine.tick('AAA', 100, Date.now()).ok).toBe(true);
    expect((await rest('POST', '/portfolios', { portfolioId: 'VAR', cash: 100_000, positions: [{ instrument: 'AAA', qty: 100 }] })).status).toBe(201);
    expect(await risk).toMatchObject({ confidence: 0.99, esConfidence: 0.975 });
  });
});
