import { describe, expect, it } from 'vitest';
import { nakedShortPerUnit, spreadPerUnit, strategyMargin } from '../../../src/engine/margin/strategy-margin.js';
import type { Position } from '../../../src/engine/portfolio/types.js';
import { marketAt, option, stock } from '../../fixtures/books.js';

const marks = (pairs: Array<[Position, number]>): Map<string, number> =>
  new Map(pairs.map(([p, m]) => [p.instrument.symbol, m]));

describe('strategyMargin', () => {
  it('charges long stock 50% initial and 25% maintenance (Reg T; FINRA 4210(c)(1))', () => {
    const r = strategyMargin([stock('XYZ', 100)], marketAt({ XYZ: 50 }));
    expect(r.initial).toBeCloseTo(2500, 9);
    expect(r.maintenance).toBeCloseTo(1250, 9);
    expect(r.strategies).toEqual([{ kind: 'long_stock', legs: [{ symbol: 'XYZ', qty: 100 }], initial: 2500, maintenance: 1250 }]);
  });

  it('charges short stock 50% initial and 30% maintenance (Reg T; FINRA 4210(c)(2))', () => {
    const r = strategyMargin([stock('XYZ', -200)], marketAt({ XYZ: 50 }));
    expect(r.initial).toBeCloseTo(5000, 9);
    expect(r.maintenance).toBeCloseTo(3000, 9);
    expect(r.strategies[0]?.kind).toBe('short_stock');
  });

  it('requires long options to be paid in full, initial and maintenance (no loan value)', () => {
    const c = option('XYZ', 'call', 100, 3);
    const r = strategyMargin([c], marketAt({ XYZ: 100 }), { marks: marks([[c, 4.5]]) });
    expect(r.initial).toBeCloseTo(1350, 9);
    expect(r.maintenance).toBeCloseTo(1350, 9);
    expect(r.strategies[0]?.kind).toBe('long_call');
  });

  it('margins a naked short call as premium + 20% of the underlying − OTM amount (Cboe manual: 80 call at 2, stock 78 → 1,560)', () => {
    // 100% of premium 200 + (20% × 7,800 − 200 OTM) = 200 + 1,360 = 1,560 > 10% floor 200 + 780.
    const c = option('XYZ', 'call', 80, -1);
    const r = strategyMargin([c], marketAt({ XYZ: 78 }), { marks: marks([[c, 2]]) });
    expect(r.initial).toBeCloseTo(1560, 9);
    expect(r.maintenance).toBeCloseTo(1560, 9);
    expect(r.strategies).toEqual([{ kind: 'naked_call', legs: [{ symbol: c.instrument.symbol, qty: -1 }], initial: r.initial, maintenance: r.initial }]);
  });

  it('applies the 10%-of-underlying floor to a far out-of-the-money naked call', () => {
    // Stock 50, 70 call at 0.10: 20% × 50 − 20 OTM = −10 < 10% × 50 = 5 → (0.10 + 5) × 100 = 510 per contract.
    const c = option('XYZ', 'call', 70, -2);
    const r = strategyMargin([c], marketAt({ XYZ: 50 }), { marks: marks([[c, 0.1]]) });
    expect(r.initial).toBeCloseTo(1020, 9);
  });

  it('margins a naked put with the 10%-of-strike floor (Cboe manual style)', () => {
    // Stock 100, 80 put at 0.50: 20% × 100 − 20 OTM = 0 < 10% × 80 = 8 → (0.5 + 8) × 100 = 850.
    expect(nakedShortPerUnit('put', 100, 80, 0.5)).toBeCloseTo(8.5, 12);
    // Stock 95, 100 put at 6 (in the money): 6 + 20% × 95 = 25 → 2,500 per contract.
    const p = option('XYZ', 'put', 100, -1);
    const r = strategyMargin([p], marketAt({ XYZ: 95 }), { marks: marks([[p, 6]]) });
    expect(r.initial).toBeCloseTo(2500, 9);
    expect(r.strategies[0]?.kind).toBe('naked_put');
  });

  it('margins a debit call spread at its net debit', () => {
    // Long 50 call at 5, short 55 call at 2: max(0, 5 − 2 + max(0, 50 − 55)) = 3 → 300 per spread.
    const l = option('XYZ', 'call', 50, 2);
    const s = option('XYZ', 'call', 55, -2);
    const r = strategyMargin([l, s], marketAt({ XYZ: 52 }), { marks: marks([[l, 5], [s, 2]]) });
    expect(r.strategies).toHaveLength(1);
    expect(r.strategies[0]).toMatchObject({ kind: 'call_spread', legs: [{ qty: 2 }, { qty: -2 }] });
    expect(r.initial).toBeCloseTo(600, 9);
    expect(r.maintenance).toBeCloseTo(600, 9);
  });

  it('margins a credit put spread at the strike width less the credit', () => {
    // Short 50 put at 3, long 45 put at 1: 1 − 3 + (50 − 45) = 3 → 300 per spread.
    expect(spreadPerUnit('put', 45, 50, 1, 3)).toBeCloseTo(3, 12);
    const l = option('XYZ', 'put', 45, 1);
    const s = option('XYZ', 'put', 50, -1);
    const r = strategyMargin([l, s], marketAt({ XYZ: 52 }), { marks: marks([[l, 1], [s, 3]]) });
    expect(r.strategies.map((x) => x.kind)).toEqual(['put_spread']);
    expect(r.initial).toBeCloseTo(300, 9);
  });

  it('does not pair a short with a long that expires before it', () => {
    const l = option('XYZ', 'call', 50, 1, { expiry: '2025-03-21' });
    const s = option('XYZ', 'call', 55, -1, { expiry: '2025-06-20' });
    const r = strategyMargin([l, s], marketAt({ XYZ: 52 }), { marks: marks([[l, 4], [s, 3]]) });
    expect(r.strategies.map((x) => x.kind).sort()).toEqual(['long_call', 'naked_call']);
  });

  it('pairs each short with the long that minimises its requirement and leaves the rest naked', () => {
    // Short 2 × 100 calls at 3; longs: 1 × 105 call at 1 (adds 1 − 3 + 5 − 1 = 2) and 1 × 95 call
    // at 7 (adds 7 − 3 + 0 − 7 = −3). The 95 call pairs first, then the 105 call.
    const s = option('XYZ', 'call', 100, -2);
    const l95 = option('XYZ', 'call', 95, 1);
    const l105 = option('XYZ', 'call', 105, 1);
    const r = strategyMargin([l105, s, l95], marketAt({ XYZ: 100 }), { marks: marks([[s, 3], [l95, 7], [l105, 1]]) });
    expect(r.strategies.map((x) => [x.kind, x.legs[0]?.symbol, x.initial])).toEqual([
      ['call_spread', l95.instrument.symbol, 400],
      ['call_spread', l105.instrument.symbol, 300],
    ]);
  });

  it('leaves a short naked when the only spread would cost more than naked', () => {
    // Stock 50, short 70 call at 0.10: naked = 0.10 + max(10 − 20, 5) = 5.10. Long 120 call at 0.01:
    // spread = 0.01 − 0.10 + 50 = 49.91, adding 49.90 over the long's own premium > 5.10.
    const s = option('XYZ', 'call', 70, -1);
    const l = option('XYZ', 'call', 120, 1);
    const r = strategyMargin([s, l], marketAt({ XYZ: 50 }), { marks: marks([[s, 0.1], [l, 0.01]]) });
    expect(r.strategies.map((x) => x.kind)).toEqual(['naked_call', 'long_call']);
    expect(r.strategies[0]?.initial).toBeCloseTo(510, 9);
    expect(r.strategies[1]?.initial).toBeCloseTo(1, 9);
  });

  it('charges a covered call only the stock requirement', () => {
    // 200 shares at 50 cover 2 short 55 calls; 100 more shares stand alone.
    const c = option('XYZ', 'call', 55, -2);
    const r = strategyMargin([stock('XYZ', 300), c], marketAt({ XYZ: 50 }), { marks: marks([[c, 1]]) });
    expect(r.strategies).toEqual([
      { kind: 'covered_call', legs: [{ symbol: 'XYZ', qty: 200 }, { symbol: c.instrument.symbol, qty: -2 }], initial: 5000, maintenance: 2500 },
      { kind: 'long_stock', legs: [{ symbol: 'XYZ', qty: 100 }], initial: 2500, maintenance: 1250 },
    ]);
    expect(r.initial).toBeCloseTo(7500, 9);
  });

  it('covers a short put with short stock and leaves an uncovered contract naked', () => {
    // 100 short shares at 50 cover 1 of 2 short 45 puts (at 0.5): covered = 50%/30% of 5,000;
    // the other is naked: 0.5 + max(10 − 5, 4.5) = 5.5 → 550.
    const p = option('XYZ', 'put', 45, -2);
    const r = strategyMargin([stock('XYZ', -100), p], marketAt({ XYZ: 50 }), { marks: marks([[p, 0.5]]) });
    expect(r.strategies.map((x) => [x.kind, x.initial, x.maintenance])).toEqual([
      ['covered_put', 2500, 1500],
      ['naked_put', 550, 550],
    ]);
  });

  it('is deterministic whatever order the positions come in', () => {
    const ps = [option('XYZ', 'call', 100, -3), option('XYZ', 'call', 90, 1), option('XYZ', 'call', 110, 1), stock('XYZ', 100), option('XYZ', 'put', 90, -1)];
    const m = marketAt({ XYZ: 100 });
    const a = strategyMargin(ps, m);
    const b = strategyMargin([...ps].reverse(), m);
    expect(b).toEqual(a);
  });
});
