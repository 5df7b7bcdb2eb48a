import { describe, expect, it } from 'vitest';
import { americanPrice } from '../../../src/engine/pricing/american-bs2002.js';
import { bsmGreeks, bsmPrice } from '../../../src/engine/pricing/bsm.js';
import { impliedVol, type ImpliedVolQuery } from '../../../src/engine/pricing/implied-vol.js';

const HOUR = 1 / (365 * 24);

describe('impliedVol, European round trips', () => {
  it('recovers vol to 1e-8 over vol 0.01..3, t 1 hour..5 years, moneyness 0.3..3, calls and puts, whenever vega is not negligible', () => {
    let checked = 0, worst = 0;
    for (const type of ['call', 'put'] as const)
      for (const vol of [0.01, 0.05, 0.2, 0.6, 1.2, 3])
        for (const t of [HOUR, 1 / 365, 7 / 365, 0.25, 1, 5])
          for (const m of [0.3, 0.7, 0.95, 1, 1.05, 1.5, 3]) {
            const o = { type, spot: 100, strike: 100 * m, tYears: t, rate: 0.03, dividendYield: 0.01, vol };
            const g = bsmGreeks(o);
            // Vega "not negligible": a vol error of 1e-8 must move the price by more than ~1e-13 of it,
            // else the price carries no information about vol at double precision.
            if (!(g.vega * 1e-8 > 1e-13 * Math.max(g.price, 1e-300)) || g.price < 1e-250) continue;
            const res = impliedVol({ ...o, style: 'european', price: g.price });
            if (!res.ok) throw new Error(`${JSON.stringify(o)}: ${res.code} ${res.message}`);
            worst = Math.max(worst, Math.abs(res.vol - vol) / vol);
            if (!(Math.abs(res.vol - vol) <= 1e-8 * vol)) throw new Error(`${JSON.stringify(o)}: got ${res.vol}`);
            expect(res.iterations).toBeLessThanOrEqual(200);
            checked++;
          }
    expect(checked).toBeGreaterThan(300);
  });

  it('returns vol 0 for a price equal to the discounted forward intrinsic value', () => {
    const price = 100 * Math.exp(-0.01) - 50 * Math.exp(-0.03);
    const res = impliedVol({ type: 'call', style: 'european', spot: 100, strike: 50, tYears: 1, rate: 0.03, dividendYield: 0.01, price });
    expect(res).toEqual({ ok: true, vol: 0, iterations: 0 });
  });
});

describe('impliedVol, American round trips', () => {
  it('recovers vol to 1e-6 relative from americanPrice for puts and dividend-paying calls', () => {
    for (const [type, s, k, t, r, y, vol] of [
      ['put', 100, 100, 1, 0.05, 0, 0.25], ['put', 80, 100, 0.5, 0.08, 0.0, 0.4], ['put', 120, 100, 3, 0.03, 0.01, 0.6],
      ['call', 100, 90, 2, 0.02, 0.06, 0.3], ['put', 100, 103, 2 * HOUR * 24, 0.05, 0, 0.5],
    ] as const) {
      const price = americanPrice({ type, spot: s, strike: k, tYears: t, rate: r, dividendYield: y, vol });
      const res = impliedVol({ type, style: 'american', spot: s, strike: k, tYears: t, rate: r, dividendYield: y, price });
      if (!res.ok) throw new Error(res.message);
      expect(Math.abs(res.vol - vol) / vol).toBeLessThan(1e-6);
    }
  });

  it('solves an American call without dividends exactly like the European one', () => {
    const price = bsmPrice({ type: 'call', spot: 100, strike: 110, tYears: 0.5, rate: 0.04, dividendYield: 0, vol: 0.33 });
    const res = impliedVol({ type: 'call', style: 'american', spot: 100, strike: 110, tYears: 0.5, rate: 0.04, dividendYield: 0, price });
    expect(res.ok && Math.abs(res.vol - 0.33)).toBeLessThan(1e-12);
  });
});

describe('impliedVol error codes', () => {
  const q: ImpliedVolQuery = { type: 'call', style: 'european', spot: 100, strike: 90, tYears: 0.5, rate: 0.05, dividendYield: 0.02, price: 12 };

  it('reports BELOW_INTRINSIC for a European call under its discounted forward intrinsic value', () => {
    const res = impliedVol({ ...q, price: 10 }); // bound is 100e^{-0.01} - 90e^{-0.025} = 11.23
    expect(res).toMatchObject({ ok: false, code: 'BELOW_INTRINSIC' });
  });

  it('reports BELOW_INTRINSIC for an American put under intrinsic value', () => {
    expect(impliedVol({ ...q, type: 'put', style: 'american', spot: 80, strike: 100, price: 19.5 })).toMatchObject({ ok: false, code: 'BELOW_INTRINSIC' });
  });

  it('reports ABOVE_UPPER_BOUND for a call at or above S e^{-qT} and a put above K e^{-rT}', () => {
    expect(impliedVol({ ...q, price: 100 * Math.exp(-0.01) })).toMatchObject({ ok: false, code: 'ABOVE_UPPER_BOUND' });
    expect(impliedVol({ ...q, type: 'put', price: 89 })).toMatchObject({ ok: false, code: 'ABOVE_UPPER_BOUND' });
  });

  it('reports ABOVE_UPPER_BOUND for an American call above S and an American put above K', () => {
    expect(impliedVol({ ...q, style: 'american', dividendYield: 0.05, price: 100.5 })).toMatchObject({ ok: false, code: 'ABOVE_UPPER_BOUND' });
    expect(impliedVol({ ...q, type: 'put', style: 'american', price: 90 })).toMatchObject({ ok: false, code: 'ABOVE_UPPER_BOUND' });
  });

  it('reports INVALID_INPUT for NaN, infinite, negative or zero inputs and names the field', () => {
    const bad: Array<[Partial<ImpliedVolQuery>, string]> = [
      [{ price: NaN }, 'price'], [{ price: -1 }, 'price'], [{ spot: -100 }, 'spot'], [{ spot: 0 }, 'spot'],
      [{ strike: NaN }, 'strike'], [{ tYears: 0 }, 'tYears'], [{ tYears: -0.1 }, 'tYears'],
      [{ rate: Infinity }, 'rate'], [{ dividendYield: NaN }, 'dividendYield'],
      [{ type: 'straddle' as never }, 'type'], [{ style: 'bermudan' as never }, 'style'],
    ];
    for (const [patch, field] of bad) {
      const res = impliedVol({ ...q, ...patch });
      expect(res).toMatchObject({ ok: false, code: 'INVALID_INPUT' });
      if (!res.ok) expect(res.message).toContain(field);
    }
  });
});
