import { describe, expect, it } from 'vitest';
import { empiricalEs, empiricalVar, tailRisk, varRank } from '../../../src/engine/risk/tail-risk.js';

/** Losses 1..n in scrambled order, so that the k-th largest loss is n − k + 1. */
const oneToN = (n: number): Float64Array => {
  const a = Float64Array.from({ length: n }, (_, i) => i + 1);
  for (let i = n - 1; i > 0; i--) {
    const j = (i * 7919) % (i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
};

describe('empirical VaR tail convention', () => {
  it('takes the 2nd largest of 100 losses at 99% (floor(100·0.01)+1)', () => {
    expect(empiricalVar(oneToN(100), 0.99)).toBe(99);
  });

  it('takes the 6th largest of 500 losses at 99% and the 26th at 95%', () => {
    expect(empiricalVar(oneToN(500), 0.99)).toBe(495);
    expect(empiricalVar(oneToN(500), 0.95)).toBe(475);
  });

  it('takes the 3rd largest of 250 losses at 99% when n(1−c) = 2.5 is not an integer', () => {
    expect(empiricalVar(oneToN(250), 0.99)).toBe(248);
  });

  it('equals the inverse empirical CDF inf{x : F(x) >= c} for many n and c', () => {
    for (const n of [1, 2, 7, 20, 99, 100, 101, 250, 500, 1000]) {
      const losses = oneToN(n);
      for (const c of [0.5, 0.9, 0.95, 0.975, 0.99, 0.999]) {
        // Sorted ascending, F(L_(j)) = j/n: the smallest j with j/n >= c (with float tolerance).
        let j = 1;
        while (j / n < c - 1e-12) j++;
        expect(empiricalVar(losses, c)).toBe(j);
      }
    }
  });

  it('absorbs float noise in n(1−c): 100·(1−0.99) counts as exactly 1', () => {
    expect(varRank(100, 0.99)).toBe(1);
    expect(varRank(1000, 0.999)).toBe(1);
    expect(varRank(40, 0.975)).toBe(1);
  });
});

describe('Acerbi–Tasche expected shortfall', () => {
  it('is the plain mean of the worst n(1−c) losses when n(1−c) is an integer', () => {
    // n = 200, c = 0.975 → mean of the worst 5 losses: (200+199+198+197+196)/5.
    expect(empiricalEs(oneToN(200), 0.975)).toBeCloseTo(198, 12);
  });

  it('puts the fractional weight on the next loss when n(1−c) is not an integer', () => {
    // n = 250, c = 0.975 → m = 6.25: (250+…+245 + 0.25·244) / 6.25.
    const expected = (250 + 249 + 248 + 247 + 246 + 245 + 0.25 * 244) / 6.25;
    expect(empiricalEs(oneToN(250), 0.975)).toBeCloseTo(expected, 12);
  });

  it('is the largest loss when n(1−c) < 1', () => {
    expect(empiricalEs(oneToN(50), 0.99)).toBe(50);
  });

  it('is at least the VaR at the same confidence', () => {
    const losses = Float64Array.from({ length: 300 }, (_, i) => Math.sin(i * 12.9898) * 100);
    for (const c of [0.9, 0.95, 0.975, 0.99]) expect(empiricalEs(losses, c)).toBeGreaterThanOrEqual(empiricalVar(losses, c));
  });

  it('gives the same figures from the partial-selection path and the full-sort path', () => {
    const losses = Float64Array.from({ length: 500 }, (_, i) => Math.cos(i * 3.7) * 1000 + i);
    const fast = tailRisk(losses, 0.99, 0.975);
    const sorted = [...losses].sort((a, b) => b - a);
    expect(fast.var).toBe(sorted[5]);
    const m = 500 * 0.025;
    const es = (sorted.slice(0, 12).reduce((s, x) => s + x, 0) + 0.5 * sorted[12]!) / m;
    expect(fast.es).toBeCloseTo(es, 9);
    // c = 0.5 takes the sort path.
    expect(tailRisk(losses, 0.5, 0.5).var).toBe(sorted[250]);
  });
});
