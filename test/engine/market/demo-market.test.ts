import { describe, expect, it } from 'vitest';
import { createDemoMarket, demoUnderlyings } from '../../../src/engine/market/demo-market.js';
import { demoPortfolios, monthlyExpiry } from '../../../src/engine/market/demo-portfolios.js';
import { parseOccSymbol } from '../../../src/engine/instruments/occ-symbol.js';

const log = Math.log;

function corr(a: number[], b: number[]): number {
  const n = a.length;
  const ma = a.reduce((s, x) => s + x, 0) / n, mb = b.reduce((s, x) => s + x, 0) / n;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = (a[i] as number) - ma, db = (b[i] as number) - mb;
    sab += da * db; saa += da * da; sbb += db * db;
  }
  return sab / Math.sqrt(saa * sbb);
}

describe('demo market', () => {
  it('gives the same prices for the same seed and different prices for another seed', () => {
    const u = demoUnderlyings(5, 1);
    const a = createDemoMarket({ underlyings: u, seed: 7, timeScale: 1000 });
    const b = createDemoMarket({ underlyings: u, seed: 7, timeScale: 1000 });
    const c = createDemoMarket({ underlyings: u, seed: 8, timeScale: 1000 });
    for (let i = 0; i < 10; i++) { a.next(100); b.next(100); c.next(100); }
    expect(a.prices()).toEqual(b.prices());
    expect(a.prices()).not.toEqual(c.prices());
  });

  it('starts at the given spots and keeps every price positive', () => {
    const u = demoUnderlyings(3, 2);
    const m = createDemoMarket({ underlyings: u, seed: 1, timeScale: 1e6 });
    expect(m.prices()).toEqual(u.map((x) => x.spot));
    for (let i = 0; i < 1000; i++) for (const p of m.next(1000)) expect(p).toBeGreaterThan(0);
  });

  it('moves log prices with the configured vol and pairwise correlation β²', () => {
    const u = [{ symbol: 'A', spot: 100, vol: 0.2 }, { symbol: 'B', spot: 50, vol: 0.4 }];
    const m = createDemoMarket({ underlyings: u, seed: 3, marketBeta: 0.8, timeScale: 1 });
    const dtMs = 86_400_000; // one day per step
    const ra: number[] = [], rb: number[] = [];
    let prev = m.prices();
    for (let i = 0; i < 20_000; i++) {
      const next = m.next(dtMs);
      ra.push(log((next[0] as number) / (prev[0] as number)));
      rb.push(log((next[1] as number) / (prev[1] as number)));
      prev = next;
    }
    const sd = (xs: number[]): number => Math.sqrt(xs.reduce((s, x) => s + x * x, 0) / xs.length);
    expect(sd(ra) * Math.sqrt(365)).toBeCloseTo(0.2, 2);
    expect(sd(rb) * Math.sqrt(365)).toBeCloseTo(0.4, 1);
    expect(corr(ra, rb)).toBeCloseTo(0.64, 1);
  });

  it('leaves prices unchanged over a zero time step and refuses a negative one', () => {
    const m = createDemoMarket({ underlyings: demoUnderlyings(2, 1), seed: 1 });
    const before = m.prices();
    expect(m.next(0)).toEqual(before);
    expect(() => m.next(-1)).toThrow(RangeError);
  });

  it('names underlyings with valid OCC roots and keeps spots and vols in range', () => {
    const u = demoUnderlyings(60, 5);
    expect(new Set(u.map((x) => x.symbol)).size).toBe(60);
    expect(u[0]?.symbol).toBe('AAPL');
    expect(u[55]?.symbol).toBe('Z0055');
    for (const x of u) {
      expect(x.symbol).toMatch(/^[A-Z][A-Z0-9.]{0,5}$/);
      expect(x.spot).toBeGreaterThanOrEqual(20);
      expect(x.spot).toBeLessThanOrEqual(500);
      expect(x.vol).toBeGreaterThanOrEqual(0.15);
      expect(x.vol).toBeLessThanOrEqual(0.6);
    }
  });
});

describe('demo portfolios', () => {
  const underlyings = demoUnderlyings(50, 1);
  const asOf = '2026-11-25';

  it('puts the monthly expiry on the third Friday', () => {
    expect(monthlyExpiry('2026-11-25', 1)).toBe('2026-12-18');
    expect(monthlyExpiry('2026-11-25', 2)).toBe('2027-01-15');
    expect(monthlyExpiry('2026-01-31', 1)).toBe('2026-02-20');
  });

  it('builds P portfolios of K distinct options plus one stock, the same for the same seed', () => {
    const a = demoPortfolios({ portfolios: 30, optionsPerPortfolio: 20, underlyings, asOf, seed: 9 });
    const b = demoPortfolios({ portfolios: 30, optionsPerPortfolio: 20, underlyings, asOf, seed: 9 });
    expect(a).toEqual(b);
    expect(a).toHaveLength(30);
    expect(a[0]?.portfolioId).toBe('demo-0000');
    for (const p of a) {
      expect(p.positions).toHaveLength(21);
      expect(new Set(p.positions.map((x) => x.instrument)).size).toBe(21);
      expect(p.cash).toBeGreaterThan(0);
    }
  });

  it('writes options with OCC symbols, expiries 1–12 months out, strikes near spot, vols 0.15–0.6, qty ±1..20 ×100', () => {
    const spots = new Map(underlyings.map((u) => [u.symbol, u.spot]));
    const ps = demoPortfolios({ portfolios: 50, optionsPerPortfolio: 20, underlyings, asOf, seed: 4 });
    for (const p of ps) {
      const [stock, ...options] = p.positions;
      expect(spots.has(stock?.instrument ?? '')).toBe(true);
      expect(stock?.multiplier).toBe(1);
      const roots = new Set<string>();
      for (const o of options) {
        const parsed = parseOccSymbol(o.instrument);
        if (!parsed.ok) throw new Error(parsed.message);
        const c = parsed.value;
        roots.add(c.underlying);
        const spot = spots.get(c.underlying) as number;
        expect(c.strike).toBeGreaterThan(spot * 0.75);
        expect(c.strike).toBeLessThan(spot * 1.25);
        expect(c.expiry > asOf).toBe(true);
        expect(c.expiry <= '2027-12-31').toBe(true);
        expect(o.vol).toBeGreaterThanOrEqual(0.15);
        expect(o.vol).toBeLessThanOrEqual(0.6);
        expect(Math.abs(o.qty)).toBeGreaterThanOrEqual(1);
        expect(Math.abs(o.qty)).toBeLessThanOrEqual(20);
        expect(o.multiplier).toBe(100);
      }
      expect(roots.size).toBeLessThanOrEqual(5);
    }
  });
});
