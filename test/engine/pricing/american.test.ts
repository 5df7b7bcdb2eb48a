import { describe, expect, it } from 'vitest';
import { americanGreeks, americanPrice, bs2002Price } from '../../../src/engine/pricing/american-bs2002.js';
import { bivariateNormalCdf } from '../../../src/engine/pricing/bivariate-normal.js';
import { bsmGreeks, bsmPrice } from '../../../src/engine/pricing/bsm.js';
import type { OptionInputs, OptionType } from '../../../src/engine/pricing/types.js';
import { americanQuantLibFd } from './fixtures/american-quantlib-fd.js';

function opt(type: OptionType, spot: number, strike: number, tYears: number, rate: number, dividendYield: number, vol: number): OptionInputs {
  return { type, spot, strike, tYears, rate, dividendYield, vol };
}
const intrinsic = (o: OptionInputs) => Math.max(0, o.type === 'call' ? o.spot - o.strike : o.strike - o.spot);

describe('americanPrice against QuantLib 1.29 FdBlackScholesVanillaEngine, 4000x4000 grid (fixtures/gen_american_quantlib_fd.py)', () => {
  it(`is within 0.5% relative or 0.005 absolute on all ${americanQuantLibFd.length} grid options (1 week to 5 years, vol 15-90%, q > r included)`, () => {
    let worstRel = 0;
    for (const row of americanQuantLibFd) {
      const p = americanPrice(row);
      const err = Math.abs(p - row.price);
      const label = `${row.type} S=${row.spot} K=${row.strike} t=${row.tYears} r=${row.rate} q=${row.dividendYield} v=${row.vol}`;
      if (!(err <= 0.005 * row.price || err <= 0.005)) throw new Error(`${label}: ${p} vs FD ${row.price}`);
      if (err > 1e-3) worstRel = Math.max(worstRel, err / row.price);
    }
    // Measured 5.6e-4 (a 5-year deep ITM put, where the FD reference itself moves 2e-4 between grids).
    expect(worstRel).toBeLessThan(1e-3);
  });

  it('rests on a sound reference: QuantLib QdFp (Andersen–Lake–Offengelder) agrees with the FD values to 3e-4', () => {
    for (const row of americanQuantLibFd) expect(Math.abs(row.qdfpPrice - row.price)).toBeLessThan(3e-4 * row.price + 1e-3);
  });
});

describe('Bjerksund–Stensland 2002 closed form (bs2002Price)', () => {
  // Haug, The Complete Guide to Option Pricing Formulas (2nd ed.), BS 1993 examples as tabulated in
  // QuantLib test-suite/americanoption.cpp; BS 2002 uses a finer (two-step) boundary, so as a lower
  // bound of the American value it must lie between the 1993 value and the true value.
  it("lies above Haug's Bjerksund–Stensland 1993 call example (5.2704) and below the FD value", () => {
    const o = opt('call', 42, 40, 0.75, 0.04, 0.08, 0.35);
    const p = bs2002Price(o);
    expect(p).toBeGreaterThan(5.2704);
    expect(p).toBeLessThan(americanPrice(o));
    expect(p).toBeCloseTo(5.2869, 4); // our value; pinned to catch regressions in the psi terms
  });

  it("lies above Haug's Bjerksund–Stensland 1993 put example (4.4531) via the put-call transformation", () => {
    const o = opt('put', 36, 40, 1, 0.06, 0, 0.2);
    expect(bs2002Price(o)).toBeGreaterThan(4.4531);
    expect(bs2002Price(o)).toBeLessThan(americanPrice(o) + 1e-9);
  });

  it('is a lower bound: never above the FD reference by more than the reference’s own error', () => {
    for (const row of americanQuantLibFd) expect(bs2002Price(row)).toBeLessThan(row.price + 2 * row.fdErrEstimate + 1e-9);
  });

  it('misses the 0.5% bar for long-dated high-vol options, which is why americanPrice does not use it', () => {
    const row = americanQuantLibFd.find((r) => r.type === 'put' && r.spot === 60 && r.tYears === 5 && r.vol === 0.9)!;
    expect(Math.abs(bs2002Price(row) - row.price) / row.price).toBeGreaterThan(0.005);
  });

  it('exercises immediately above the boundary and returns intrinsic value', () => {
    expect(bs2002Price(opt('put', 40, 100, 0.5, 0.08, 0, 0.2))).toBe(60);
  });
});

describe('American price properties', () => {
  const grid: OptionInputs[] = [];
  for (const type of ['call', 'put'] as const)
    for (const s of [50, 90, 100, 110, 200])
      for (const t of [1 / 365, 0.25, 2])
        for (const [r, q] of [[0.05, 0], [0.02, 0.06], [0.1, 0.03]] as const) grid.push(opt(type, s, 100, t, r, q, 0.3));

  it('is worth at least the European value and at least intrinsic value', () => {
    for (const o of grid) {
      const p = americanPrice(o);
      expect(p).toBeGreaterThanOrEqual(bsmPrice(o) - 1e-9);
      expect(p).toBeGreaterThanOrEqual(intrinsic(o));
    }
  });

  it('prices a call with no dividend yield exactly as the European call', () => {
    for (const s of [60, 100, 180]) {
      const o = opt('call', s, 100, 1.5, 0.05, 0, 0.35);
      expect(americanPrice(o)).toBe(bsmPrice(o));
    }
    const neg = opt('call', 100, 100, 1, 0.03, -0.01, 0.2);
    expect(americanPrice(neg)).toBe(bsmPrice(neg));
  });

  it('prices a put with non-positive rate as the European put', () => {
    const o = opt('put', 90, 100, 1, -0.005, 0.01, 0.25);
    expect(americanPrice(o)).toBe(bsmPrice(o));
  });

  it('returns intrinsic value at expiry and handles zero vol without NaN', () => {
    expect(americanPrice(opt('put', 90, 100, 0, 0.05, 0, 0.2))).toBe(10);
    const p = americanPrice(opt('put', 90, 100, 1, 0.05, 0, 0));
    expect(p).toBeCloseTo(10, 12); // exercise now beats waiting when the put is deep enough
  });
});

describe('American Greeks', () => {
  it('are the closed-form European Greeks when early exercise never pays (call with q = 0)', () => {
    const o = opt('call', 100, 105, 0.75, 0.04, 0, 0.3);
    expect(americanGreeks(o)).toEqual(bsmGreeks(o));
  });

  it('match European Greeks to about 1e-3 when the exercise premium is negligible (call, q = 1e-5)', () => {
    // Exercises the tree Greeks and every bump: delta, gamma, theta, vega, rho, vanna, volga, charm.
    const o = opt('call', 100, 95, 0.5, 0.05, 1e-5, 0.4);
    const a = americanGreeks(o), e = bsmGreeks(o);
    for (const k of Object.keys(e) as Array<keyof typeof e>) {
      if (Math.abs(a[k] - e[k]) > 2e-3 * Math.abs(e[k])) throw new Error(`${k}: ${a[k]} vs European ${e[k]}`);
    }
  });

  it('agree with QuantLib FD delta (1e-3 abs), gamma (6% rel) and PDE-implied theta on the whole FD grid', () => {
    // Reference theta: the Black–Scholes PDE in the continuation region, rV - (r - q) S delta -
    // 1/2 v^2 S^2 gamma, from the FD engine's own value, delta and gamma (0 where exercise is optimal).
    // QuantLib's FD theta itself is off by ~3% for one-week options, so it is not used.
    // Worst measured: delta 5.7e-4; gamma 5.5% and theta 0.009 abs, both for 3-5 year deep ITM puts
    // a node or two from the exercise boundary, where gamma jumps and every lattice smears it.
    for (const row of americanQuantLibFd) {
      const g = americanGreeks(row);
      const label = `${row.type} S=${row.spot} t=${row.tYears} r=${row.rate} q=${row.dividendYield} v=${row.vol}`;
      const intr = Math.max(0, row.type === 'call' ? row.spot - row.strike : row.strike - row.spot);
      const thetaRef = row.price - intr <= 1e-9 * row.price ? 0
        : row.rate * row.price - (row.rate - row.dividendYield) * row.spot * row.delta - 0.5 * row.vol ** 2 * row.spot ** 2 * row.gamma;
      if (Math.abs(g.delta - row.delta) > 1e-3) throw new Error(`${label} delta ${g.delta} vs ${row.delta}`);
      if (Math.abs(g.gamma - row.gamma) > 0.06 * Math.abs(row.gamma) + 1e-6) throw new Error(`${label} gamma ${g.gamma} vs ${row.gamma}`);
      if (Math.abs(g.thetaPerYear - thetaRef) > 0.01 * Math.abs(thetaRef) + (5e-3 * row.price) / row.tYears + 1e-6) {
        throw new Error(`${label} theta ${g.thetaPerYear} vs ${thetaRef}`);
      }
    }
  });

  it('give an American put a delta between -1 and 0, positive gamma and vega, negative rho and theta', () => {
    const g = americanGreeks(opt('put', 95, 100, 1, 0.06, 0, 0.25));
    expect(g.delta).toBeGreaterThan(-1);
    expect(g.delta).toBeLessThan(-0.4);
    expect(g.gamma).toBeGreaterThan(0);
    expect(g.vega).toBeGreaterThan(0);
    expect(g.rho).toBeLessThan(0);
    expect(g.thetaPerYear).toBeLessThan(0);
  });

  it('report delta -1 and no curvature deep in the exercise region', () => {
    const g = americanGreeks(opt('put', 50, 100, 0.5, 0.08, 0, 0.2));
    expect(g).toMatchObject({ price: 50, delta: -1, gamma: 0, vega: 0, thetaPerYear: 0 });
  });

  it('stay finite for zero vol and at expiry', () => {
    for (const o of [opt('put', 90, 100, 1, 0.05, 0, 0), opt('put', 90, 100, 0, 0.05, 0, 0.2), opt('call', 110, 100, 0.5, 0.01, 0.05, 0)]) {
      for (const v of Object.values(americanGreeks(o))) expect(Number.isFinite(v)).toBe(true);
    }
  });
});

describe('bivariate normal (Genz) used by BS2002', () => {
  it('matches QuantLib 1.29 BivariateCumulativeNormalDistributionWe04DP to 1e-15', () => {
    const ref: ReadonlyArray<readonly [number, number, number, number]> = [
      [0, 0, 0.5, 0.33333333333333337],
      [1, -0.5, 0.3, 0.28313842024448094],
      [-1, -2, -0.8, 4.735975518569205e-8],
      [0.5, 0.3, 0.95, 0.599176380381854],
      [-0.2, 0.4, -0.97, 0.08711355462005496],
      [2, 2, 0.999, 0.9762868430442767],
      [-3, 1, 0.1, 0.0012270370094976703],
      [1.5, -1.5, -0.5, 0.04848415927675404],
    ];
    for (const [x, y, rho, m] of ref) expect(Math.abs(bivariateNormalCdf(x, y, rho) - m)).toBeLessThan(1e-15);
  });
});
