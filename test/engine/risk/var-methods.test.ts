import { describe, expect, it } from 'vitest';
import { computeVar } from '../../../src/engine/risk/compute-var.js';
import type { VarInput } from '../../../src/engine/risk/var-types.js';
import { normInv } from '../../../src/engine/risk/normal-quantile.js';
import { marketAt, option, stock } from '../../fixtures/books.js';
import { loadAligned, readPriceCsv, syntheticAligned, walk } from './fixtures.js';

const base = { confidence: 0.99, esConfidence: 0.975, window: 500, horizonDays: 1 } as const;

function ok<T>(r: { ok: true; value: T } | { ok: false; message: string }): T {
  if (!r.ok) throw new Error(r.message);
  return r.value;
}

describe('historical VaR on real SPY data', () => {
  const asOf = '2014-12-31';
  const aligned = loadAligned(['SPY'], asOf);
  // Independent computation straight from the CSV text: SPY has no adj_close, so the close column, last 501 rows.
  const rows = readPriceCsv('SPY').trim().split('\n').slice(1).map((l) => l.split(','));
  const upTo = rows.filter((r) => r[0]! <= asOf);
  const close = upTo.map((r) => Number(r[4]));
  const spot = close[close.length - 1]!;
  const market = marketAt({ SPY: spot }, asOf, 0.01);
  const positions = [stock('SPY', 100)];

  it('equals the 6th largest of 500 one-day losses of 100 shares computed from the raw CSV', () => {
    const losses: number[] = [];
    for (let i = close.length - 500; i < close.length; i++) losses.push(-100 * spot * (close[i]! / close[i - 1]! - 1));
    losses.sort((a, b) => b - a);
    const r = ok(computeVar({ ...base, positions, market, histories: aligned, method: 'historical' }));
    expect(r.scenarios).toBe(500);
    expect(r.var).toBeCloseTo(losses[5]!, 9);
    // ES 97.5%: m = 12.5 → worst 12 + half of the 13th, over 12.5.
    const es = (losses.slice(0, 12).reduce((s, x) => s + x, 0) + 0.5 * losses[12]!) / 12.5;
    expect(r.es).toBeCloseTo(es, 9);
    expect(r.var).toBeGreaterThan(0);
  });

  it('uses overlapping 10-day returns P_i/P_{i-10} − 1 for a 10-day horizon and keeps 500 scenarios', () => {
    const losses: number[] = [];
    for (let i = close.length - 500; i < close.length; i++) losses.push(-100 * spot * (close[i]! / close[i - 10]! - 1));
    losses.sort((a, b) => b - a);
    const r = ok(computeVar({ ...base, horizonDays: 10, positions, market, histories: aligned, method: 'historical' }));
    expect(r.scenarios).toBe(500);
    expect(r.var).toBeCloseTo(losses[5]!, 9);
  });

  it('dgv equals full revaluation exactly for a stock-only (linear) book', () => {
    const two = loadAligned(['SPY', 'AAPL'], asOf);
    const m = marketAt({ SPY: spot, AAPL: 24.58 }, asOf, 0.01);
    const book = [stock('SPY', 100), stock('AAPL', -800)];
    const h = ok(computeVar({ ...base, positions: book, market: m, histories: two, method: 'historical' }));
    const d = ok(computeVar({ ...base, positions: book, market: m, histories: two, method: 'dgv' }));
    expect(d.var).toBeCloseTo(h.var, 9);
    expect(d.es).toBeCloseTo(h.es, 9);
  });

  it('dgv is within 2% of full revaluation for a small-gamma book of long-dated options', () => {
    const book = [stock('SPY', 1000), option('SPY', 'call', 205, -3, { expiry: '2016-01-15', vol: 0.16 }), option('SPY', 'put', 185, 2, { expiry: '2016-01-15', vol: 0.19 })];
    const h = ok(computeVar({ ...base, positions: book, market, histories: aligned, method: 'historical' }));
    const d = ok(computeVar({ ...base, positions: book, market, histories: aligned, method: 'dgv' }));
    expect(Math.abs(d.var / h.var - 1)).toBeLessThan(0.02);
    expect(Math.abs(d.es / h.es - 1)).toBeLessThan(0.02);
  });

  it('says how many prices are needed and how many are available', () => {
    const r = computeVar({ ...base, window: 6000, positions, market, histories: aligned, method: 'historical' });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.code).toBe('INSUFFICIENT_HISTORY');
    expect(!r.ok && r.message).toBe(`not enough history: 6000 scenarios of 1-day returns needs 6001 prices, ${close.length} available`);
  });
});

describe('parametric VaR', () => {
  const aligned = syntheticAligned({ A: walk(301, 50, 7, 0.015), B: walk(301, 80, 11, 0.02) });
  const asOf = aligned.dates[aligned.dates.length - 1]!;
  const pa = aligned.prices.get('A')!;
  const market = marketAt({ A: 50, B: 80 }, asOf, 0.01);
  const input = (positions: VarInput['positions'], extra: Partial<VarInput> = {}): VarInput => ({
    ...base, window: 300, positions, market, histories: aligned, method: 'parametric', ...extra,
  });

  it('equals z·σ·|δ|·√h and σ·φ(z)/(1−c)·|δ|·√h for one stock (closed form)', () => {
    const r: number[] = [];
    for (let i = 1; i < pa.length; i++) r.push(pa[i]! / pa[i - 1]! - 1);
    const mean = r.reduce((s, x) => s + x, 0) / r.length;
    const sd = Math.sqrt(r.reduce((s, x) => s + (x - mean) ** 2, 0) / (r.length - 1));
    const delta = 200 * 50;
    const res = ok(computeVar(input([stock('A', 200)], { horizonDays: 10 })));
    expect(res.var).toBeCloseTo(2.3263478740408408 * sd * delta * Math.sqrt(10), 8);
    const z = 1.959963984540054;
    expect(res.es).toBeCloseTo((sd * delta * Math.sqrt(10) * Math.exp(-0.5 * z * z)) / Math.sqrt(2 * Math.PI) / 0.025, 8);
  });

  it('delta-gamma equals delta-normal for a linear book', () => {
    const book = [stock('A', 200), stock('B', -50)];
    const dn = ok(computeVar(input(book)));
    const dg = ok(computeVar(input(book, { parametricKind: 'delta-gamma' })));
    expect(dg.var).toBeCloseTo(dn.var, 9);
    expect(dg.es).toBeCloseTo(dn.es, 9);
  });

  it('delta-gamma raises the VaR of a short-gamma book above delta-normal, and lowers a long-gamma one', () => {
    const shortStraddle = [option('A', 'call', 50, -10, { expiry: '2020-12-31', vol: 0.25 }), option('A', 'put', 50, -10, { expiry: '2020-12-31', vol: 0.25 })];
    const longStraddle = shortStraddle.map((p) => ({ ...p, qty: 10 }));
    const dnS = ok(computeVar(input([...shortStraddle, stock('A', 200)])));
    const dgS = ok(computeVar(input([...shortStraddle, stock('A', 200)], { parametricKind: 'delta-gamma' })));
    expect(dgS.var).toBeGreaterThan(dnS.var);
    const dnL = ok(computeVar(input([...longStraddle, stock('A', 200)])));
    const dgL = ok(computeVar(input([...longStraddle, stock('A', 200)], { parametricKind: 'delta-gamma' })));
    expect(dgL.var).toBeLessThan(dnL.var);
  });

  it('inverts the normal CDF to double precision', () => {
    expect(normInv(0.99)).toBeCloseTo(2.3263478740408408, 14);
    expect(normInv(0.975)).toBeCloseTo(1.959963984540054, 14);
    expect(normInv(1e-10)).toBeCloseTo(-6.361340902404056, 12);
  });
});

describe('Monte Carlo VaR', () => {
  const asOf = '2014-12-31';
  const aligned = loadAligned(['SPY', 'AAPL', 'GSPC'], asOf);
  const market = marketAt({ SPY: 205.54, AAPL: 24.58, GSPC: 2058.9 }, asOf, 0.01);
  const book = [stock('SPY', 200), stock('AAPL', 2000), stock('GSPC', -10)];
  const mc = (extra: Partial<VarInput>): VarInput => ({
    ...base, window: 500, positions: book, market, histories: aligned, method: 'montecarlo', ...extra,
  });

  it('converges to delta-normal for a linear book (within 3% at 200,000 paths)', () => {
    const dn = ok(computeVar({ ...mc({}), method: 'parametric' }));
    const r = ok(computeVar(mc({ paths: 200_000, seed: 42 })));
    expect(r.scenarios).toBe(200_000);
    expect(Math.abs(r.var / dn.var - 1)).toBeLessThan(0.03);
    expect(Math.abs(r.es / dn.es - 1)).toBeLessThan(0.03);
  });

  it('gives the same result for the same seed and a different one for another seed', () => {
    const a = ok(computeVar(mc({ seed: 7 })));
    const b = ok(computeVar(mc({ seed: 7 })));
    const c = ok(computeVar(mc({ seed: 8 })));
    expect(b).toEqual(a);
    expect(c.var).not.toBe(a.var);
    expect(a.scenarios).toBe(10_000);
  });

  it('scales with the square root of the horizon for a linear book (within MC noise)', () => {
    const one = ok(computeVar(mc({ paths: 100_000, seed: 3 })));
    const ten = ok(computeVar(mc({ paths: 100_000, seed: 3, horizonDays: 10 })));
    // Same normals, x scaled by √10; the loss is 1 − e^x, so not exactly √10 but close.
    expect(ten.var / one.var).toBeGreaterThan(Math.sqrt(10) * 0.95);
    expect(ten.var / one.var).toBeLessThan(Math.sqrt(10) * 1.02);
  });
});

describe('computeVar validation', () => {
  const aligned = syntheticAligned({ A: walk(30, 50, 1) });
  const market = marketAt({ A: 50 }, aligned.dates[29]!, 0.01);
  const req: VarInput = { ...base, window: 20, positions: [stock('A', 1)], market, histories: aligned, method: 'historical' };

  it('rejects a confidence outside (0, 1) with BAD_CONFIDENCE', () => {
    const r = computeVar({ ...req, confidence: 1 });
    expect(!r.ok && r.code).toBe('BAD_CONFIDENCE');
  });

  it('rejects an option without a vol with MISSING_VOL', () => {
    const p = { ...option('A', 'call', 50, 1, { expiry: '2021-01-01', vol: 0.2 }), vol: undefined };
    const r = computeVar({ ...req, positions: [p] });
    expect(!r.ok && r.code).toBe('MISSING_VOL');
  });

  it('rejects histories that do not end on the market date', () => {
    const r = computeVar({ ...req, market: marketAt({ A: 50 }, '2030-01-01', 0.01) });
    expect(!r.ok && r.code).toBe('HISTORY_NOT_AS_OF');
  });

  it('rejects a position whose underlying has no spot', () => {
    const r = computeVar({ ...req, positions: [stock('Q', 1)] });
    expect(!r.ok && r.code).toBe('MISSING_SPOT');
  });
});
