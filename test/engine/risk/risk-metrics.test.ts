import { describe, expect, it } from 'vitest';
import { concentration } from '../../../src/engine/risk/concentration.js';
import { leverageRatio } from '../../../src/engine/risk/leverage.js';
import { runStress } from '../../../src/engine/risk/stress.js';
import { bsmGreeks, bsmPrice } from '../../../src/engine/pricing/bsm.js';
import { marketAt, option, stock } from '../../fixtures/books.js';

const market = marketAt({ AAA: 100, BBB: 50 }, '2024-01-02', 0.05);
const call = option('AAA', 'call', 100, 2, { expiry: '2025-01-01', vol: 0.2 });
const inputs = (spot: number, vol: number) => ({ type: 'call' as const, spot, strike: 100, tYears: 1, rate: 0.05, dividendYield: 0, vol });

describe('stress scenarios', () => {
  it('revalues a global relative spot shock: −20% on 100 shares loses 20% of their value', () => {
    const r = runStress([stock('AAA', 100), stock('BBB', 10)], market, [{ name: 'crash', spotShock: -0.2 }]);
    expect(r.ok && r.value[0]!.pnl).toBeCloseTo(-2000 - 100, 10);
    expect(r.ok && r.value[0]!.byUnderlying).toEqual({ AAA: -2000, BBB: -100 });
  });

  it('lets a per-underlying shock override the global one', () => {
    const r = runStress([stock('AAA', 100), stock('BBB', 10)], market, [{ name: 'x', spotShock: -0.1, spotShocks: { BBB: 0.5 } }]);
    expect(r.ok && r.value[0]!.byUnderlying).toEqual({ AAA: -1000, BBB: 250 });
  });

  it('distinguishes relative vol shocks (×) from absolute ones (+ vol points)', () => {
    const base = bsmPrice(inputs(100, 0.2));
    const rel = runStress([call], market, [{ name: 'rel', volShock: { kind: 'relative', all: 0.5 } }]);
    const abs = runStress([call], market, [{ name: 'abs', volShock: { kind: 'absolute', byUnderlying: { AAA: 0.05 } } }]);
    expect(rel.ok && rel.value[0]!.pnl).toBeCloseTo(200 * (bsmPrice(inputs(100, 0.3)) - base), 8);
    expect(abs.ok && abs.value[0]!.pnl).toBeCloseTo(200 * (bsmPrice(inputs(100, 0.25)) - base), 8);
  });

  it('rejects a spot shock of −100% or worse', () => {
    const r = runStress([stock('AAA', 1)], market, [{ name: 'zero', spotShock: -1 }]);
    expect(!r.ok && r.code).toBe('BAD_SCENARIOS');
  });
});

describe('leverage and concentration', () => {
  const book = [stock('AAA', 100), call, stock('BBB', -200)];
  const callNotional = 200 * bsmGreeks(inputs(100, 0.2)).delta * 100;

  it('adds |stock value| and |option delta-equivalent notional| without netting, over equity', () => {
    const r = leverageRatio(book, market, 5000);
    if (!r.ok) throw new Error(r.message);
    expect(r.value.grossExposure).toBeCloseTo(10_000 + callNotional + 10_000, 8);
    expect(r.value.leverage).toBeCloseTo((20_000 + callNotional) / 5000, 10);
  });

  it('rejects a non-positive equity with BAD_EQUITY', () => {
    const r = leverageRatio(book, market, 0);
    expect(!r.ok && r.code).toBe('BAD_EQUITY');
  });

  it('gives each underlying its share of gross exposure, largest first, summing to 1', () => {
    const r = concentration(book, market);
    if (!r.ok) throw new Error(r.message);
    expect(r.value.map((c) => c.underlying)).toEqual(['AAA', 'BBB']);
    expect(r.value[0]!.share).toBeCloseTo((10_000 + callNotional) / (20_000 + callNotional), 12);
    expect(r.value.reduce((s, c) => s + c.share, 0)).toBeCloseTo(1, 12);
  });
});
