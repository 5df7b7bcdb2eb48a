import { describe, expect, it } from 'vitest';
import { SPAN_SCENARIOS, spanMargin } from '../../../src/engine/margin/span-grid.js';
import { positionValue } from '../../../src/engine/portfolio/valuation.js';
import { marketAt, option, stock } from '../../fixtures/books.js';

describe('spanMargin', () => {
  it('lists CME scenarios 1–16 in CME order: unchanged, ±1/3, ±2/3, ±3/3 with vol up then down, then the two extremes', () => {
    const moves = SPAN_SCENARIOS.map((s) => [s.id, s.priceMove, s.volMove, s.weight]);
    expect(moves).toEqual([
      [1, 0, 1, 1], [2, 0, -1, 1],
      [3, 1 / 3, 1, 1], [4, 1 / 3, -1, 1], [5, -1 / 3, 1, 1], [6, -1 / 3, -1, 1],
      [7, 2 / 3, 1, 1], [8, 2 / 3, -1, 1], [9, -2 / 3, 1, 1], [10, -2 / 3, -1, 1],
      [11, 1, 1, 1], [12, 1, -1, 1], [13, -1, 1, 1], [14, -1, -1, 1],
      [15, 2, 0, 0.35], [16, -2, 0, 0.35],
    ]);
  });

  it('revalues long stock linearly and counts 35% of the extreme-move loss', () => {
    // 100 shares at 200, scan range 15%: a full down move loses 100 × 30 = 3000; the extreme
    // down move (2 × 15% = 30%) loses 6000, of which 35% = 2100 counts.
    const r = spanMargin([stock('XYZ', 100)], marketAt({ XYZ: 200 }));
    const s = r.scenarios;
    expect(s[0]).toBeCloseTo(0, 9);
    expect(s[1]).toBeCloseTo(0, 9);
    expect(s[2]).toBeCloseTo(-1000, 9); // up 1/3: gain
    expect(s[4]).toBeCloseTo(1000, 9); // down 1/3
    expect(s[8]).toBeCloseTo(2000, 9); // down 2/3
    expect(s[12]).toBeCloseTo(3000, 9); // down 3/3, vol up
    expect(s[13]).toBeCloseTo(3000, 9); // down 3/3, vol down
    expect(s[14]).toBeCloseTo(-0.35 * 6000, 9);
    expect(s[15]).toBeCloseTo(0.35 * 6000, 9);
    expect(r.requirement).toBeCloseTo(3000, 9);
    expect(r.byUnderlying.XYZ?.scanningRisk).toBeCloseTo(3000, 9);
  });

  it('lets the weighted extreme scenario drive the requirement for a deep out-of-the-money short put', () => {
    // Short a 60 put with spot 100: a 15% fall hardly hurts, a 30% fall puts it 10 in the money.
    const p = option('XYZ', 'put', 60, -10, { vol: 0.2 });
    const m = marketAt({ XYZ: 100 });
    const r = spanMargin([p], m);
    const base = positionValue(p, m);
    const extremeLoss = -(positionValue(p, m, 70, 1) - base);
    expect(r.scenarios[15]).toBeCloseTo(0.35 * extremeLoss, 6);
    expect(r.requirement).toBeCloseTo(Math.max(...r.scenarios), 9);
    expect(r.requirement).toBeCloseTo(r.scenarios[15] ?? NaN, 9);
  });

  it('shocks vol relatively: scenario 1 revalues at vol × 1.25 and scenario 2 at vol × 0.75 by default', () => {
    const p = option('XYZ', 'call', 100, -1, { vol: 0.4 });
    const m = marketAt({ XYZ: 100 });
    const base = positionValue(p, m);
    const r = spanMargin([p], m);
    expect(r.scenarios[0]).toBeCloseTo(-(positionValue(p, m, 100, 1.25) - base), 9);
    expect(r.scenarios[1]).toBeCloseTo(-(positionValue(p, m, 100, 0.75) - base), 9);
    expect(r.scenarios[0]).toBeGreaterThan(0); // short vega loses when vol rises
  });

  it('sums scanning risks across underlyings with no inter-commodity credit', () => {
    // Long AAA and short BBB of equal size: a portfolio view would net them, SPAN here does not.
    const m = marketAt({ AAA: 100, BBB: 100 });
    const r = spanMargin([stock('AAA', 100), stock('BBB', -100)], m);
    expect(r.byUnderlying.AAA?.scanningRisk).toBeCloseTo(1500, 9);
    expect(r.byUnderlying.BBB?.scanningRisk).toBeCloseTo(1500, 9);
    expect(r.requirement).toBeCloseTo(3000, 9);
    // Portfolio-level scenario losses are the sum across underlyings, so they net to zero here.
    for (const loss of r.scenarios) expect(loss).toBeCloseTo(0, 9);
  });

  it('uses per-underlying scan range and vol shift overrides', () => {
    const m = marketAt({ AAA: 100, BBB: 100 });
    const r = spanMargin([stock('AAA', 100), stock('BBB', 100)], m, {
      scanRange: 0.1,
      byUnderlying: { BBB: { scanRange: 0.2 } },
    });
    expect(r.byUnderlying.AAA?.scanningRisk).toBeCloseTo(1000, 9);
    expect(r.byUnderlying.BBB?.scanningRisk).toBeCloseTo(2000, 9);
    expect(r.byUnderlying.BBB?.params).toEqual({ scanRange: 0.2, volShift: 0.25 });
  });

  it('returns a zero requirement and sixteen zero scenarios for an empty portfolio', () => {
    const r = spanMargin([], marketAt({}));
    expect(r.requirement).toBe(0);
    expect(r.scenarios).toHaveLength(16);
  });

  it('throws for an option position without a vol', () => {
    const p = { ...option('XYZ', 'call', 100, 1), vol: undefined };
    expect(() => spanMargin([p], marketAt({ XYZ: 100 }))).toThrow(/no vol/);
  });
});
