import { describe, expect, it } from 'vitest';
import { bsmGreeks, bsmPrice } from '../../../src/engine/pricing/bsm.js';
import { normCdf } from '../../../src/engine/pricing/normal.js';
import type { OptionInputs, OptionType } from '../../../src/engine/pricing/types.js';
import { europeanQuantLib } from './fixtures/european-quantlib.js';

function opt(type: OptionType, spot: number, strike: number, tYears: number, rate: number, dividendYield: number, vol: number): OptionInputs {
  return { type, spot, strike, tYears, rate, dividendYield, vol };
}

/** Haug's generalized BSM uses cost of carry b; with a continuous yield q = r - b. */
function haug(type: OptionType, s: number, k: number, t: number, r: number, b: number, v: number): OptionInputs {
  return opt(type, s, k, t, r, r - b, v);
}

function expectClose(actual: number, expected: number, rel: number, abs: number, label: string): void {
  const err = Math.abs(actual - expected);
  if (!(err <= abs || err <= rel * Math.abs(expected))) {
    throw new Error(`${label}: got ${actual}, expected ${expected} (abs err ${err.toExponential(3)})`);
  }
}

describe('European BSM against Haug, The Complete Guide to Option Pricing Formulas (2nd ed.)', () => {
  it("prices Haug's generalized BSM call example (S=60 K=65 T=0.25 r=0.08 b=0.08 v=0.30) to 4 decimals", () => {
    expect(bsmPrice(haug('call', 60, 65, 0.25, 0.08, 0.08, 0.3))).toBeCloseTo(2.1334, 4);
  });

  it("prices Haug's generalized BSM put example (S=100 K=95 T=0.5 r=0.10 b=0.05 v=0.20) to 4 decimals", () => {
    expect(bsmPrice(haug('put', 100, 95, 0.5, 0.1, 0.05, 0.2))).toBeCloseTo(2.4648, 4);
  });

  // Haug ch. 2 Greeks examples, as tabulated in QuantLib test-suite/europeanoption.cpp testGreekValues.
  it("matches Haug's delta examples for a call and a put (S=105 K=100 T=0.5 r=q=0.10 v=0.36)", () => {
    expect(bsmGreeks(opt('call', 105, 100, 0.5, 0.1, 0.1, 0.36)).delta).toBeCloseTo(0.5946, 4);
    expect(bsmGreeks(opt('put', 105, 100, 0.5, 0.1, 0.1, 0.36)).delta).toBeCloseTo(-0.3566, 4);
  });

  it("matches Haug's gamma and vega examples (S=55 K=60 T=0.75 r=0.10 q=0 v=0.30)", () => {
    for (const type of ['call', 'put'] as const) {
      const g = bsmGreeks(opt(type, 55, 60, 0.75, 0.1, 0, 0.3));
      expect(g.gamma).toBeCloseTo(0.0278, 4);
      expect(g.vega).toBeCloseTo(18.9358, 4);
    }
  });

  it("matches Haug's put theta example per year (S=430 K=405 T=1/12 r=0.07 q=0.05 v=0.20)", () => {
    expect(bsmGreeks(opt('put', 430, 405, 1 / 12, 0.07, 0.05, 0.2)).thetaPerYear).toBeCloseTo(-31.1924, 4);
  });

  it("matches Haug's call rho example (S=72 K=75 T=1 r=0.09 q=0 v=0.19)", () => {
    expect(bsmGreeks(opt('call', 72, 75, 1, 0.09, 0, 0.19)).rho).toBeCloseTo(38.7325, 4);
  });
});

describe('European BSM against QuantLib test-suite/europeanoption.cpp testValues (data from Haug, 1998)', () => {
  // type, strike, spot, q, r, t, vol, value — QuantLib's column order; tolerance there is 1e-4.
  const table: ReadonlyArray<readonly [OptionType, number, number, number, number, number, number, number]> = [
    ['call', 65, 60, 0.0, 0.08, 0.25, 0.3, 2.1334],
    ['put', 95, 100, 0.05, 0.1, 0.5, 0.2, 2.4648],
    ['put', 19, 19, 0.1, 0.1, 0.75, 0.28, 1.7011],
    ['call', 19, 19, 0.1, 0.1, 0.75, 0.28, 1.7011],
    ['call', 1.6, 1.56, 0.08, 0.06, 0.5, 0.12, 0.0291],
    ['put', 70, 75, 0.05, 0.1, 0.5, 0.35, 4.087],
    ['call', 100, 90, 0.1, 0.1, 0.1, 0.15, 0.0205],
    ['call', 100, 100, 0.1, 0.1, 0.1, 0.15, 1.8734],
    ['call', 100, 110, 0.1, 0.1, 0.1, 0.15, 9.9413],
    ['call', 100, 90, 0.1, 0.1, 0.1, 0.25, 0.315],
    ['call', 100, 100, 0.1, 0.1, 0.1, 0.25, 3.1217],
    ['call', 100, 110, 0.1, 0.1, 0.1, 0.25, 10.3556],
    ['call', 100, 90, 0.1, 0.1, 0.1, 0.35, 0.9474],
    ['call', 100, 100, 0.1, 0.1, 0.1, 0.35, 4.3693],
    ['call', 100, 110, 0.1, 0.1, 0.1, 0.35, 11.1381],
    ['call', 100, 90, 0.1, 0.1, 0.5, 0.15, 0.8069],
    ['call', 100, 100, 0.1, 0.1, 0.5, 0.15, 4.0232],
    ['call', 100, 110, 0.1, 0.1, 0.5, 0.15, 10.5769],
    ['call', 100, 90, 0.1, 0.1, 0.5, 0.25, 2.7026],
    ['call', 100, 100, 0.1, 0.1, 0.5, 0.25, 6.6997],
    ['call', 100, 110, 0.1, 0.1, 0.5, 0.25, 12.7857],
    ['call', 100, 90, 0.1, 0.1, 0.5, 0.35, 4.9329],
    ['call', 100, 100, 0.1, 0.1, 0.5, 0.35, 9.3679],
    ['call', 100, 110, 0.1, 0.1, 0.5, 0.35, 15.3086],
    ['put', 100, 90, 0.1, 0.1, 0.1, 0.15, 9.921],
    ['put', 100, 100, 0.1, 0.1, 0.1, 0.15, 1.8734],
    ['put', 100, 110, 0.1, 0.1, 0.1, 0.15, 0.0408],
    ['put', 100, 90, 0.1, 0.1, 0.1, 0.25, 10.2155],
    ['put', 100, 100, 0.1, 0.1, 0.1, 0.25, 3.1217],
    ['put', 100, 110, 0.1, 0.1, 0.1, 0.25, 0.4551],
    ['put', 100, 90, 0.1, 0.1, 0.1, 0.35, 10.8479],
    ['put', 100, 100, 0.1, 0.1, 0.1, 0.35, 4.3693],
    ['put', 100, 110, 0.1, 0.1, 0.1, 0.35, 1.2376],
    ['put', 100, 90, 0.1, 0.1, 0.5, 0.15, 10.3192],
    ['put', 100, 100, 0.1, 0.1, 0.5, 0.15, 4.0232],
    ['put', 100, 110, 0.1, 0.1, 0.5, 0.15, 1.0646],
    ['put', 100, 90, 0.1, 0.1, 0.5, 0.25, 12.2149],
    ['put', 100, 100, 0.1, 0.1, 0.5, 0.25, 6.6997],
    ['put', 100, 110, 0.1, 0.1, 0.5, 0.25, 3.2734],
    ['put', 100, 90, 0.1, 0.1, 0.5, 0.35, 14.4452],
    ['put', 100, 100, 0.1, 0.1, 0.5, 0.35, 9.3679],
    ['put', 100, 110, 0.1, 0.1, 0.5, 0.35, 5.7963],
    ['call', 40, 42, 0.08, 0.04, 0.75, 0.35, 5.0975],
  ];

  it('reproduces every value in the table within QuantLib’s 1e-4 tolerance', () => {
    for (const [type, k, s, q, r, t, v, value] of table) {
      expectClose(bsmPrice(opt(type, s, k, t, r, q, v)), value, 0, 1e-4, `${type} K=${k} S=${s} t=${t} v=${v}`);
    }
  });
});

describe('European BSM against QuantLib 1.29 AnalyticEuropeanEngine (fixtures/gen_european_quantlib.py)', () => {
  const fields = ['price', 'delta', 'gamma', 'vega', 'thetaPerYear', 'rho'] as const;

  it(`agrees on price, delta, gamma, vega, theta and rho for all ${europeanQuantLib.length} grid options to 1e-9 rel or 1e-12 abs`, () => {
    let worstRel = 0;
    for (const row of europeanQuantLib) {
      const g = bsmGreeks(opt(row.type, row.spot, row.strike, row.tYears, row.rate, row.dividendYield, row.vol));
      for (const f of fields) {
        const label = `${row.type} S=${row.spot} K=${row.strike} t=${row.tYears} v=${row.vol} ${f}`;
        expectClose(g[f], row[f], 1e-9, 1e-12, label);
        const err = Math.abs(g[f] - row[f]);
        if (err > 1e-12) worstRel = Math.max(worstRel, err / Math.abs(row[f]));
      }
    }
    expect(worstRel).toBeLessThan(1e-9);
  });
});

describe('European BSM second-order Greeks against central finite differences', () => {
  const cases: OptionInputs[] = [
    opt('call', 100, 100, 1, 0.05, 0.02, 0.2),
    opt('put', 100, 100, 1, 0.05, 0.02, 0.2),
    opt('call', 100, 130, 0.25, 0.03, 0.0, 0.35),
    opt('put', 100, 80, 0.1, 0.01, 0.04, 0.6),
    opt('call', 250, 200, 3, 0.06, 0.08, 0.25),
    opt('put', 42, 40, 0.5, 0.1, 0.0, 0.2),
    opt('call', 100, 101, 2 / (365 * 24), 0.05, 0.01, 0.3),
  ];

  it('vanna equals d(delta)/d(vol) and Haug’s -e^{-qT} n(d1) d2 / v', () => {
    for (const o of cases) {
      const h = 1e-5;
      const up = bsmGreeks({ ...o, vol: o.vol + h }).delta;
      const dn = bsmGreeks({ ...o, vol: o.vol - h }).delta;
      const g = bsmGreeks(o);
      expectClose(g.vanna, (up - dn) / (2 * h), 1e-6, 1e-7, `vanna ${JSON.stringify(o)}`);
      const vega2 = (bsmGreeks({ ...o, spot: o.spot * (1 + 1e-5) }).vega - bsmGreeks({ ...o, spot: o.spot * (1 - 1e-5) }).vega) / (2e-5 * o.spot);
      expectClose(g.vanna, vega2, 1e-5, 1e-7, `vanna as d(vega)/dS ${JSON.stringify(o)}`);
    }
  });

  it('volga equals d(vega)/d(vol) and Haug’s vega d1 d2 / v', () => {
    for (const o of cases) {
      const h = 1e-5;
      const fd = (bsmGreeks({ ...o, vol: o.vol + h }).vega - bsmGreeks({ ...o, vol: o.vol - h }).vega) / (2 * h);
      const g = bsmGreeks(o);
      expectClose(g.volga, fd, 1e-6, 1e-6, `volga ${JSON.stringify(o)}`);
    }
  });

  it('charm is the change of delta as calendar time passes, i.e. -d(delta)/dT', () => {
    for (const o of cases) {
      const h = Math.min(1e-6, o.tYears * 1e-3);
      const fd = -(bsmGreeks({ ...o, tYears: o.tYears + h }).delta - bsmGreeks({ ...o, tYears: o.tYears - h }).delta) / (2 * h);
      expectClose(bsmGreeks(o).charmPerYear, fd, 1e-5, 1e-6, `charm ${JSON.stringify(o)}`);
    }
  });

  it('theta is the change of price as calendar time passes, i.e. -dV/dT', () => {
    for (const o of cases) {
      const h = Math.min(1e-6, o.tYears * 1e-3);
      const fd = -(bsmPrice({ ...o, tYears: o.tYears + h }) - bsmPrice({ ...o, tYears: o.tYears - h })) / (2 * h);
      expectClose(bsmGreeks(o).thetaPerYear, fd, 1e-5, 1e-5, `theta ${JSON.stringify(o)}`);
    }
  });
});

describe('European BSM identities and limits', () => {
  it('satisfies put-call parity C - P = S e^{-qT} - K e^{-rT} across moneyness', () => {
    for (const k of [30, 80, 100, 120, 300]) {
      const c = bsmPrice(opt('call', 100, k, 0.7, 0.04, 0.02, 0.3));
      const p = bsmPrice(opt('put', 100, k, 0.7, 0.04, 0.02, 0.3));
      expectClose(c - p, 100 * Math.exp(-0.02 * 0.7) - k * Math.exp(-0.04 * 0.7), 1e-13, 1e-12, `parity K=${k}`);
    }
  });

  it('returns intrinsic value and a step delta at expiry', () => {
    expect(bsmGreeks(opt('call', 110, 100, 0, 0.05, 0, 0.2))).toMatchObject({ price: 10, delta: 1, gamma: 0 });
    expect(bsmGreeks(opt('put', 110, 100, 0, 0.05, 0, 0.2))).toMatchObject({ price: 0, delta: 0 });
  });

  it('returns the discounted forward intrinsic value with zero vol', () => {
    const g = bsmGreeks(opt('call', 110, 100, 1, 0.05, 0.01, 0));
    expectClose(g.price, 110 * Math.exp(-0.01) - 100 * Math.exp(-0.05), 1e-15, 1e-14, 'zero-vol price');
    expect(g.delta).toBeCloseTo(Math.exp(-0.01), 15);
  });

  it('never returns NaN for extreme but valid inputs', () => {
    for (const o of [opt('call', 100, 1e-8, 1, 0.05, 0, 0.2), opt('put', 1e-8, 100, 1, 0.05, 0, 0.2), opt('call', 100, 100, 1e-12, 0, 0, 5), opt('put', 100, 100, 50, 0.05, 0, 3)]) {
      for (const v of Object.values(bsmGreeks(o))) expect(Number.isNaN(v)).toBe(false);
    }
  });

  it('normCdf keeps relative precision in the far left tail (Cody erfc)', () => {
    // Exact values (50-digit mpmath): N(-10) = 7.6198530241605260659e-24, N(-20) = 2.7536241186062336951e-89.
    // Scaling the argument by 1/sqrt(2) costs about x^2 ulps, hence 1e-13 rather than 1e-16.
    expectClose(normCdf(-10), 7.6198530241605260659e-24, 1e-13, 0, 'N(-10)');
    expectClose(normCdf(-20), 2.7536241186062336951e-89, 1e-13, 0, 'N(-20)');
    expectClose(normCdf(0.3), 0.6179114221889527, 1e-15, 0, 'N(0.3)');
  });
});
