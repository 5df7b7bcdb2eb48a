/**
 * The daily risk and capital reports' loaders on this machine's PostgreSQL (a schema of their own,
 * migrated by the engine's migrations): portfolios, orders, fills, positions and risk snapshots
 * inserted as the engine writes them; load() then render() twice gives the same bytes; a fill after
 * the day, a portfolio opened after it and a breach of the next day are left out; what cannot make a
 * report is refused with its code.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDailyRiskDocument } from '../../src/engine/reports/daily-risk/daily-risk-document.js';
import { capitalReport } from '../../src/workers/reports/definitions/capital.js';
import { dailyRiskReport } from '../../src/workers/reports/definitions/daily-risk.js';
import type { ReportRequest, ReportSources } from '../../src/workers/reports/report-definition.js';
import { openTestDb, type TestDb } from '../persistence/queue-harness.js';
import { DAY, PRICES_DIR, scenarioBook } from './risk-book-fixture.js';

let t: TestDb;
let pool: pg.Pool;
let emptyDir: string;
const at = (iso: string): number => Date.parse(iso);
const sources = (pricesDir: string | undefined = PRICES_DIR): ReportSources => ({
  pool,
  settings: { firmLei: '5493001KJTIIGC8Y1R12', venueMic: 'XOFF', underlyingIsins: new Map(), largePositionContracts: 200, firmCountry: undefined, riskFreeRate: 0.03, pricesDir },
  identityOf: async () => null,
});
const req = (type: 'daily-risk' | 'capital', format: 'json' | 'html' | 'csv', day = DAY, portfolioId?: string): ReportRequest =>
  ({ type, from: day, to: day, format, ...(portfolioId ? { portfolioId } : {}) });

async function portfolio(id: string, createdIso: string, initial: object[]): Promise<void> {
  await pool.query(
    `INSERT INTO portfolios (portfolio_id, owner_id, created_by, created_at, initial_cash, initial_positions, cash, trading_state, next_order_seq, next_fill_seq)
     VALUES ($1, NULL, 'test', $2, 1e6, $3, 1e6, 'active', 100, 100)`, [id, createdIso, JSON.stringify(initial)]);
}
let n = 0;
async function fill(portfolioId: string, instrument: string, side: 'buy' | 'sell', qty: number, price: number, iso: string): Promise<void> {
  n += 1;
  const orderId = `${portfolioId}-o${n}`;
  await pool.query(
    `INSERT INTO orders (order_id, portfolio_id, client_order_id, instrument, side, qty, order_type, status, filled_qty, submitted_by, created_ms, updated_ms)
     VALUES ($1, $2, $1, $3, $4, $5, 'market', 'filled', $5, 'test', $6, $6)`, [orderId, portfolioId, instrument, side, qty, at(iso)]);
  await pool.query(
    `INSERT INTO fills (fill_id, order_id, client_order_id, portfolio_id, instrument, side, qty, price, ts_ms) VALUES ($1, $2, $2, $3, $4, $5, $6, $7, $8)`,
    [`${portfolioId}-f${n}`, orderId, portfolioId, instrument, side, qty, price, at(iso)]);
}
async function position(portfolioId: string, instrument: string, qty: number, multiplier: number, vol: number | null): Promise<void> {
  await pool.query(
    `INSERT INTO positions (portfolio_id, instrument, qty, avg_price, realised_pnl, multiplier, vol, dividend_yield, style) VALUES ($1, $2, $3, 1, 0, $4, $5, 0, 'european')`,
    [portfolioId, instrument, qty, multiplier, vol]);
}
async function snapshot(portfolioId: string, seq: number, iso: string, breaches: object[]): Promise<void> {
  await pool.query(`INSERT INTO risk_snapshots (portfolio_id, seq, tick_ts, computed_ms, figures) VALUES ($1, $2, $3, $3, $4)`,
    [portfolioId, seq, at(iso), JSON.stringify({ var: { value: 1 }, breaches })]);
}

beforeAll(async () => {
  t = await openTestDb('server');
  pool = t.db.pool;
  emptyDir = mkdtempSync(path.join(tmpdir(), 'no-prices-'));

  // The same book as the pure tests' scenario, built from an opening position and fills.
  await portfolio('P1-options', '2011-01-03T15:00:00Z', [{ instrument: 'SPY   111217C00115000', qty: 10, multiplier: 100, vol: 0.3 }]);
  await portfolio('P2-stock', '2011-01-03T15:00:00Z', []);
  await portfolio('P3-later', '2012-01-03T15:00:00Z', []);
  await fill('P2-stock', 'AAPL', 'buy', 1500, 11.2, '2011-06-01T15:00:00Z');
  await fill('P1-options', 'AAPL  120121C00012000', 'buy', 20, 0.9, '2011-09-12T15:00:00Z');
  await fill('P2-stock', 'AAPL', 'sell', 500, 11.3, '2011-09-15T15:00:00Z');
  await fill('P1-options', 'SPY   111217P00105000', 'sell', 5, 3.1, '2011-09-20T15:00:00Z');
  await fill('P1-options', 'SPY', 'buy', 100, 112, '2011-10-03T15:00:00Z'); // after the day
  await fill('P3-later', 'SPY   111217P00105000', 'sell', 1, 3, '2012-01-04T15:00:00Z');
  await position('P1-options', 'SPY   111217C00115000', 10, 100, 0.3);
  await position('P1-options', 'AAPL  120121C00012000', 20, 100, 0.35);
  await position('P1-options', 'SPY   111217P00105000', -5, 100, null); // no vol of its own: the market's (P3's)
  await position('P1-options', 'SPY', 100, 1, null);
  await position('P2-stock', 'AAPL', 1000, 1, null);
  await position('P3-later', 'SPY   111217P00105000', -1, 100, 0.32);
  await snapshot('P1-options', 1, '2011-09-30T13:00:00Z', []);
  await snapshot('P1-options', 2, '2011-09-30T14:00:00Z', [{ code: 'VAR_LIMIT', detail: 'VaR 3,100 > limit 3,000' }]);
  await snapshot('P1-options', 3, '2011-09-30T20:00:00Z', [{ code: 'VAR_LIMIT', detail: 'VaR 3,700 > limit 3,000' }, { code: 'GREEK_LIMIT_VEGA', detail: 'vega per 1.00 vol 17,356 > limit 15,000' }]);
  await snapshot('P1-options', 4, '2011-10-01T09:00:00Z', [{ code: 'LEVERAGE_LIMIT', detail: 'next day' }]);
});

afterAll(async () => {
  await t?.close();
  if (emptyDir) rmSync(emptyDir, { recursive: true, force: true });
});

describe('daily risk report from the database', () => {
  it('loads the book of the day and renders the same JSON and HTML bytes twice', async () => {
    const a = await dailyRiskReport.load(sources(), req('daily-risk', 'json'));
    const b = await dailyRiskReport.load(sources(), req('daily-risk', 'json'));
    expect(a.versions).toEqual(b.versions);
    expect(a.versions).toMatchObject({ fills: 4, riskSnapshotsWithBreaches: 2, 'prices:AAPL': '9f6c362a49e3d9732cb4f46e7d988a0497132e225c57e52529ffd246acf2b37a', 'prices:SPY': 'd452f694766ef9a4a668f5d43d837d77afd499b734d6cbafd2d9422920bdd193' });
    for (const f of ['json', 'html'] as const) {
      const x = dailyRiskReport.render(a.input, req('daily-risk', f), f);
      expect(x === dailyRiskReport.render(b.input, req('daily-risk', f), f)).toBe(true);
      expect(x === dailyRiskReport.render(a.input, req('daily-risk', f), f)).toBe(true);
    }
  });

  it('holds the positions of the end of the day, the market vol where a position has none, and the risk of the same book built by hand', async () => {
    const { input } = await dailyRiskReport.load(sources(), req('daily-risk', 'json'));
    expect(input.portfolios.map((p) => [p.portfolioId, p.positions.map((x) => [x.instrument, x.qty, x.vol, x.volSource])])).toEqual([
      ['P1-options', [['AAPL  120121C00012000', 20, 0.35, 'position'], ['SPY   111217C00115000', 10, 0.3, 'position'], ['SPY   111217P00105000', -5, 0.32, 'market']]],
      ['P2-stock', [['AAPL', 1000, null, 'none']]],
    ]);
    const pure = buildDailyRiskDocument({ book: scenarioBook(), breaches: [] });
    if (!pure.ok) throw new Error(pure.message);
    expect(input.total.risk).toEqual(pure.value.total.risk);
    expect(input.total.backtest.exceptionDates).toEqual(pure.value.total.backtest.exceptionDates);
  });

  it("reports the day's breaches per portfolio and code, not the next day's", async () => {
    const { input } = await dailyRiskReport.load(sources(), req('daily-risk', 'json'));
    expect(input.breaches).toEqual([
      { portfolioId: 'P1-options', code: 'GREEK_LIMIT_VEGA', firstDetail: 'vega per 1.00 vol 17,356 > limit 15,000', lastDetail: 'vega per 1.00 vol 17,356 > limit 15,000', snapshots: 1, first: '2011-09-30T20:00:00.000Z', last: '2011-09-30T20:00:00.000Z' },
      { portfolioId: 'P1-options', code: 'VAR_LIMIT', firstDetail: 'VaR 3,100 > limit 3,000', lastDetail: 'VaR 3,700 > limit 3,000', snapshots: 2, first: '2011-09-30T14:00:00.000Z', last: '2011-09-30T20:00:00.000Z' },
    ]);
  });

  it('narrows to one portfolio when asked', async () => {
    const { input } = await dailyRiskReport.load(sources(), req('daily-risk', 'json', DAY, 'P2-stock'));
    expect(input.portfolioId).toBe('P2-stock');
    expect(input.portfolios.map((p) => p.portfolioId)).toEqual(['P2-stock']);
    expect(input.breaches).toEqual([]);
  });

  it('values a weekend day at the Friday close', async () => {
    const { input } = await dailyRiskReport.load(sources(), req('daily-risk', 'json', '2011-10-02'));
    expect([input.reportDate, input.valuationDate]).toEqual(['2011-10-02', '2011-09-30']);
  });

  it('refuses with a stable code what cannot make a report', async () => {
    const code = (p: Promise<unknown>) => p.then(() => 'none', (e: { code?: string }) => e.code);
    expect(await code(dailyRiskReport.load(sources(), req('daily-risk', 'json', DAY, 'nobody')))).toBe('UNKNOWN_PORTFOLIO');
    expect(await code(dailyRiskReport.load(sources(), req('daily-risk', 'json', '2010-06-01')))).toBe('EMPTY_BOOK');
    expect(await code(dailyRiskReport.load(sources(emptyDir), req('daily-risk', 'json')))).toBe('NO_PRICE_HISTORY');
    expect(await code(dailyRiskReport.load({ ...sources(), settings: { ...sources().settings, pricesDir: undefined } }, req('daily-risk', 'json')))).toBe('NO_PRICES_DIR');
    expect(await code(capitalReport.load(sources(), req('capital', 'json', '2024-06-03')))).toBe('STALE_PRICES');
    expect(await code(capitalReport.load(sources(), { ...req('capital', 'json'), to: '2011-10-31' }))).toBe('BAD_PERIOD');
  });
});

describe('capital report from the database', () => {
  it('loads and renders the same JSON and CSV bytes twice, with the versions of what it read', async () => {
    const a = await capitalReport.load(sources(), req('capital', 'json'));
    const b = await capitalReport.load(sources(), req('capital', 'json'));
    expect(a.versions).toEqual(b.versions);
    expect(a.versions.fills).toBe(4);
    for (const f of ['json', 'csv'] as const) expect(capitalReport.render(a.input, req('capital', f), f) === capitalReport.render(b.input, req('capital', f), f)).toBe(true);
    expect([a.input.charge.exceptions, a.input.charge.multiplier]).toEqual([5, 3.4]);
  });
});
