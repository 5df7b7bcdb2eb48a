import { describe, expect, it } from 'vitest';
import { bsmPrice } from '../../../src/engine/pricing/bsm.js';
import { buildVolSurface, type VolQuote, type VolSurface } from '../../../src/engine/pricing/vol-surface.js';

const market = { spot: 100, rate: 0.03, dividendYield: 0.01 };
const fwd = (t: number) => 100 * Math.exp(0.02 * t);
const strikes = [70, 85, 95, 100, 105, 115, 130];
const smileAt = (t: number) => (k: number) => 0.2 + 0.25 * Math.log(k / 100) ** 2 - 0.05 * Math.log(k / 100) + 0.02 * t;
const expiries = [0.1, 0.5, 1, 2];
const quotes: VolQuote[] = expiries.flatMap((t) => strikes.map((k) => ({ strike: k, tYears: t, vol: smileAt(t)(k) })));

function build(qs: readonly VolQuote[] = quotes): VolSurface {
  const res = buildVolSurface('XYZ', market, qs);
  if (!res.ok) throw new Error(JSON.stringify(res.errors));
  return res.surface;
}

describe('vol surface interpolation', () => {
  it('returns each quoted vol exactly at its quoted strike and expiry', () => {
    const s = build();
    for (const q of quotes) expect(s.vol(q.strike, q.tYears)).toBeCloseTo(q.vol!, 14);
  });

  it('interpolates total variance linearly in time at fixed forward moneyness between expiries', () => {
    const s = build();
    for (const m of [0.8, 1, 1.2]) {
      const w = (t: number) => s.totalVariance(m * fwd(t), t);
      expect(w(0.75)).toBeCloseTo(0.5 * (w(0.5) + w(1)), 12);
      expect(w(1.25)).toBeCloseTo(0.75 * w(1) + 0.25 * w(2), 12);
    }
  });

  it('keeps total variance non-decreasing in time when the quotes have no calendar arbitrage', () => {
    const s = build();
    for (const m of [0.6, 0.8, 0.95, 1, 1.1, 1.4])
      for (let t = 0.01; t < 3; t += 0.01) expect(s.totalVariance(m * fwd(t + 0.01), t + 0.01)).toBeGreaterThanOrEqual(s.totalVariance(m * fwd(t), t) - 1e-15);
  });

  it('is smooth across strikes and never overshoots the neighbouring quotes', () => {
    const s = build();
    const t = 0.5;
    for (let i = 0; i + 1 < strikes.length; i++) {
      const [a, b] = [s.vol(strikes[i]!, t), s.vol(strikes[i + 1]!, t)];
      for (let u = 0.05; u < 1; u += 0.05) {
        const v = s.vol(strikes[i]! + u * (strikes[i + 1]! - strikes[i]!), t);
        expect(v).toBeGreaterThanOrEqual(Math.min(a, b) - 1e-12);
        expect(v).toBeLessThanOrEqual(Math.max(a, b) + 1e-12);
      }
    }
    // C1: left and right difference quotients agree at a quoted strike.
    const h = 1e-5;
    const left = (s.vol(100, t) - s.vol(100 - h, t)) / h, right = (s.vol(100 + h, t) - s.vol(100, t)) / h;
    expect(Math.abs(left - right)).toBeLessThan(1e-4);
  });

  it('extrapolates flat in vol beyond the lowest and highest quoted strikes', () => {
    const s = build();
    expect(s.vol(10, 1)).toBeCloseTo(smileAt(1)(70), 14);
    expect(s.vol(1000, 1)).toBeCloseTo(smileAt(1)(130), 14);
  });

  it('uses the first expiry’s vol before the first expiry and the last expiry’s vol after the last', () => {
    const s = build();
    // Same forward moneyness as the quoted ATM-forward strike of that expiry.
    expect(s.vol(fwd(0.02) * (100 / fwd(0.1)), 0.02)).toBeCloseTo(smileAt(0.1)(100), 14);
    expect(s.vol(fwd(5) * (100 / fwd(2)), 5)).toBeCloseTo(smileAt(2)(100), 14);
    expect(s.totalVariance(fwd(5) * (100 / fwd(2)), 5)).toBeCloseTo(smileAt(2)(100) ** 2 * 5, 12);
  });

  it('accepts price quotes and converts them with impliedVol', () => {
    const priced: VolQuote[] = quotes.map((q) => {
      const type = q.strike >= 100 ? ('call' as const) : ('put' as const);
      return { strike: q.strike, tYears: q.tYears, type, style: 'european' as const,
        price: bsmPrice({ type, spot: 100, strike: q.strike, tYears: q.tYears, rate: 0.03, dividendYield: 0.01, vol: q.vol! }) };
    });
    const a = build(), b = build(priced);
    for (const [k, t] of [[90, 0.3], [100, 1], [120, 1.7]] as const) expect(b.vol(k, t)).toBeCloseTo(a.vol(k, t), 9);
  });

  it('treats a single strike per expiry as a flat smile', () => {
    const s = build([{ strike: 100, tYears: 1, vol: 0.3 }]);
    expect(s.vol(50, 0.5)).toBe(0.3);
    expect(s.vol(150, 3)).toBeCloseTo(0.3, 15);
  });
});

describe('vol surface build errors (returned as values)', () => {
  it('lists every bad quote with its index and a reason, instead of throwing', () => {
    const res = buildVolSurface('XYZ', market, [
      { strike: 100, tYears: 1, vol: 0.2 },
      { strike: NaN, tYears: 1, vol: 0.2 },
      { strike: 100, tYears: -1, vol: 0.2 },
      { strike: 90, tYears: 1, vol: -0.1 },
      { strike: 95, tYears: 1, vol: 0.2, price: 3 },
      { strike: 95, tYears: 1, price: 3 },
      { strike: 100, tYears: 1, vol: 0.25 },
      { strike: 50, tYears: 1, type: 'call', style: 'european', price: 10 },
    ]);
    expect(res.ok).toBe(false);
    if (res.ok) return;
    expect(res.errors.map((e) => [e.quoteIndex, e.code])).toEqual([
      [1, 'INVALID_QUOTE'], [2, 'INVALID_QUOTE'], [3, 'INVALID_QUOTE'], [4, 'INVALID_QUOTE'],
      [5, 'INVALID_QUOTE'], [6, 'DUPLICATE_QUOTE'], [7, 'IMPLIED_VOL_FAILED'],
    ]);
    expect(res.errors[1]!.detail).toContain('tYears');
    expect(res.errors[6]!.detail).toContain('BELOW_INTRINSIC');
  });

  it('rejects an empty quote list and an invalid market', () => {
    expect(buildVolSurface('XYZ', market, [])).toMatchObject({ ok: false, errors: [{ code: 'NO_QUOTES' }] });
    expect(buildVolSurface('XYZ', { ...market, spot: 0 }, quotes)).toMatchObject({ ok: false, errors: [{ code: 'INVALID_MARKET' }] });
  });
});
