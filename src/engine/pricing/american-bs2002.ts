import { bbsrGreeks, bbsrPrice, type TreeGreeks } from './american-bbsr.js';
import { bivariateNormalCdf } from './bivariate-normal.js';
import { bsmGreeks, bsmPrice } from './bsm.js';
import { normCdf } from './normal.js';
import type { Greeks, OptionInputs } from './types.js';

/**
 * Bjerksund–Stensland (2002) American option approximation: "Closed form valuation of American
 * options", NHH discussion paper 2002; formulas as in Haug, The Complete Guide to Option Pricing
 * Formulas, 2nd ed., section 3.1.3. The exercise boundary is flat on [0, t1] and on [t1, T] with
 * t1 = (sqrt 5 - 1) T / 2 (two-step boundary), which makes the value a lower bound of the true
 * American value. Puts use the put–call transformation P(S, X, T, r, b, v) = C(X, S, T, r - b, -b, v).
 * b = r - q is the cost of carry.
 */
export function bs2002Price(o: OptionInputs): number {
  const { spot: s, strike: x, tYears: t, rate: r, dividendYield: q, vol: v } = o;
  if (!(t > 0) || !(v > 0)) return Math.max(intrinsic(o), bsmPrice(o));
  const b = r - q;
  return o.type === 'call' ? bs2002Call(s, x, t, r, b, v) : bs2002Call(x, s, t, r - b, -b, v);
}

function intrinsic(o: OptionInputs): number {
  return Math.max(0, o.type === 'call' ? o.spot - o.strike : o.strike - o.spot);
}

function bs2002Call(s: number, x: number, t: number, r: number, b: number, v: number): number {
  // With carry at or above the rate, early exercise of a call never pays: the European value.
  if (b >= r) return bsmPrice({ type: 'call', spot: s, strike: x, tYears: t, rate: r, dividendYield: r - b, vol: v });

  const v2 = v * v;
  const beta = 0.5 - b / v2 + Math.sqrt((b / v2 - 0.5) ** 2 + (2 * r) / v2);
  const bInf = (beta / (beta - 1)) * x;
  const b0 = Math.max(x, (r / (r - b)) * x);
  const t1 = 0.5 * (Math.sqrt(5) - 1) * t;
  const h1 = (-(b * t1 + 2 * v * Math.sqrt(t1)) * x * x) / ((bInf - b0) * b0);
  const h2 = (-(b * t + 2 * v * Math.sqrt(t)) * x * x) / ((bInf - b0) * b0);
  const i1 = b0 + (bInf - b0) * (1 - Math.exp(h1));
  const i2 = b0 + (bInf - b0) * (1 - Math.exp(h2));
  if (s >= i2) return s - x;

  // alpha_j S^beta is written (I_j - X)(S/I_j)^beta so that a huge beta (tiny vol) cannot overflow;
  // for gamma = beta the exponent lambda is 0 by the definition of beta.
  const a1 = (s: number) => (i1 - x) * (s / i1) ** beta;
  const a2 = (s: number) => (i2 - x) * (s / i2) ** beta;
  const ctx = { r, b, v };
  const value =
    a2(s) * (1 - phiBracket(s, t1, beta, i2, i2, ctx)) +
    phi(s, t1, 1, i2, i2, ctx) -
    phi(s, t1, 1, i1, i2, ctx) -
    x * phi(s, t1, 0, i2, i2, ctx) +
    x * phi(s, t1, 0, i1, i2, ctx) +
    a1(s) * phiBracket(s, t1, beta, i1, i2, ctx) -
    a1(s) * psiBracket(s, t, beta, i1, i2, i1, t1, ctx) +
    psi(s, t, 1, i1, i2, i1, t1, ctx) -
    psi(s, t, 1, x, i2, i1, t1, ctx) -
    x * psi(s, t, 0, i1, i2, i1, t1, ctx) +
    x * psi(s, t, 0, x, i2, i1, t1, ctx);
  // The approximation can dip a hair under the European value or intrinsic in degenerate corners.
  const european = bsmPrice({ type: 'call', spot: s, strike: x, tYears: t, rate: r, dividendYield: r - b, vol: v });
  return Math.max(value, european, s - x);
}

interface Carry { readonly r: number; readonly b: number; readonly v: number }

/** x^k * m, returning 0 when m is 0 even if x^k overflowed. */
function powTimes(base: number, k: number, m: number): number {
  return m === 0 ? 0 : base ** k * m;
}

/** The bracket of Haug's phi(S, T, gamma, H, I), without the e^{lambda T} S^gamma factor. */
function phiBracket(s: number, t: number, gamma: number, h: number, i: number, { b, v }: Carry): number {
  const vst = v * Math.sqrt(t);
  const d = -(Math.log(s / h) + (b + (gamma - 0.5) * v * v) * t) / vst;
  const kappa = (2 * b) / (v * v) + (2 * gamma - 1);
  return normCdf(d) - powTimes(i / s, kappa, normCdf(d - (2 * Math.log(i / s)) / vst));
}

function phi(s: number, t: number, gamma: number, h: number, i: number, c: Carry): number {
  const lambda = (-c.r + gamma * c.b + 0.5 * gamma * (gamma - 1) * c.v * c.v) * t;
  return Math.exp(lambda) * s ** gamma * phiBracket(s, t, gamma, h, i, c);
}

/** The bracket of Haug's psi(S, T, gamma, H, I2, I1, t1), without e^{lambda T} S^gamma. */
function psiBracket(s: number, t: number, gamma: number, h: number, i2: number, i1: number, t1: number, { b, v }: Carry): number {
  const drift = b + (gamma - 0.5) * v * v;
  const vst1 = v * Math.sqrt(t1);
  const vst = v * Math.sqrt(t);
  const e1 = (Math.log(s / i1) + drift * t1) / vst1;
  const e2 = (Math.log((i2 * i2) / (s * i1)) + drift * t1) / vst1;
  const e3 = (Math.log(s / i1) - drift * t1) / vst1;
  const e4 = (Math.log((i2 * i2) / (s * i1)) - drift * t1) / vst1;
  const f1 = (Math.log(s / h) + drift * t) / vst;
  const f2 = (Math.log((i2 * i2) / (s * h)) + drift * t) / vst;
  const f3 = (Math.log((i1 * i1) / (s * h)) + drift * t) / vst;
  const f4 = (Math.log((s * i1 * i1) / (h * i2 * i2)) + drift * t) / vst;
  const rho = Math.sqrt(t1 / t);
  const kappa = (2 * b) / (v * v) + (2 * gamma - 1);
  return (
    bivariateNormalCdf(-e1, -f1, rho) -
    powTimes(i2 / s, kappa, bivariateNormalCdf(-e2, -f2, rho)) -
    powTimes(i1 / s, kappa, bivariateNormalCdf(-e3, -f3, -rho)) +
    powTimes(i1 / i2, kappa, bivariateNormalCdf(-e4, -f4, -rho))
  );
}

function psi(s: number, t: number, gamma: number, h: number, i2: number, i1: number, t1: number, c: Carry): number {
  const lambda = (-c.r + gamma * c.b + 0.5 * gamma * (gamma - 1) * c.v * c.v) * t;
  return Math.exp(lambda) * s ** gamma * psiBracket(s, t, gamma, h, i2, i1, t1, c);
}

/**
 * American option value used by the engine.
 *
 * Bjerksund–Stensland 2002 alone is not accurate enough: against QuantLib 1.29's
 * FdBlackScholesVanillaEngine (4000 x 4000 grid) over the 136-option grid in
 * test/engine/pricing/fixtures, it misses the 0.5% bar on 36 options, by up to 2.8% relative
 * (long-dated high-vol puts and calls with q > r, but also 1-month ATM low-vol puts at 0.8%).
 * So the engine prices with the binomial Black–Scholes–Richardson tree (./american-bbsr.ts,
 * N = 400), whose largest error on the same grid is 0.06% relative; bs2002Price stays exported as
 * the fast closed-form lower bound (about 100x cheaper) for callers that can accept its error.
 * Cases with a closed form skip the tree: a call with q <= 0 or a put with r <= 0 is never
 * exercised early (the European value), and at expiry the value is intrinsic.
 */
export function americanPrice(o: OptionInputs): number {
  const { tYears: t, vol: v, rate: r, dividendYield: q } = o;
  if (!(t > 0)) return intrinsic(o);
  if (o.type === 'call' ? q <= 0 : r <= 0) return bsmPrice(o);
  if (!(v * Math.sqrt(t) > 1e-7)) return deterministicAmerican(o);
  // The tree can undershoot by its own error where the exercise premium is nil (e.g. far OTM, hours
  // to expiry); the European value and intrinsic value are exact lower bounds, so take them.
  return Math.max(bbsrPrice(o), bsmPrice(o), intrinsic(o));
}

/**
 * With no volatility the holder simply picks the best exercise date; the discounted payoff is
 * smooth in the exercise time, so scanning 2000 dates is far more precise than the vol = 0 case needs.
 */
function deterministicAmerican(o: OptionInputs): number {
  const { spot: s, strike: k, tYears: t, rate: r, dividendYield: q } = o;
  const sign = o.type === 'call' ? 1 : -1;
  let best = 0;
  for (let i = 0; i <= 2000; i++) {
    const tau = (t * i) / 2000;
    best = Math.max(best, sign * (s * Math.exp(-q * tau) - k * Math.exp(-r * tau)));
  }
  return best;
}

/**
 * Greeks of americanPrice. Method and bump sizes (measured against QuantLib FD in the tests):
 * - delta, gamma: read off the first two levels of the BBSR trees (bbsrGreeks). Bumping the
 *   tree's spot input instead was tried and rejected: it moves the strike between nodes, and
 *   the resulting jitter gave gamma errors of 100%+ on the test grid.
 * - theta: central difference in t of the price with hT = 1% of t (both sides stay before expiry;
 *   a fixed one-day bump was 3% off for one-week options). Reading theta off the tree was also
 *   tried; it is fine away from the exercise boundary but 4x off next to it.
 * - vega, volga: central differences in vol, hV = min(0.01, vol/2) absolute.
 * - rho: central difference in the rate, hR = 1e-3 absolute, yield held fixed (smaller bumps see
 *   the lattice re-spacing with the carry).
 * - vanna, charm: central differences of the tree delta in vol (hV) and in t (hT).
 * Cases with a closed form (european-equivalent, expiry) return the closed form's Greeks.
 */
export function americanGreeks(o: OptionInputs): Greeks {
  const { tYears: t, vol: v, rate: r, dividendYield: q } = o;
  if (!(t > 0)) {
    const itm = intrinsic(o) > 0;
    const sign = o.type === 'call' ? 1 : -1;
    return { price: intrinsic(o), delta: itm ? sign : 0, gamma: 0, vega: 0, thetaPerYear: 0, rho: 0, vanna: 0, volga: 0, charmPerYear: 0 };
  }
  if (o.type === 'call' ? q <= 0 : r <= 0) return bsmGreeks(o);
  if (!(v * Math.sqrt(t) > 1e-7)) return bumpedGreeks(o);

  const base = treeGreeksAt(o);
  const price = americanPrice(o);
  if (price === intrinsic(o) && base.price <= price) {
    // Deep in the exercise region: the holder exercises now, the value is S - K or K - S.
    const sign = o.type === 'call' ? 1 : -1;
    return { price, delta: sign, gamma: 0, vega: 0, thetaPerYear: 0, rho: 0, vanna: 0, volga: 0, charmPerYear: 0 };
  }
  const hT = 0.01 * t;
  const hV = Math.min(0.01, 0.5 * v);
  const hR = 1e-3;
  const p = (patch: Partial<OptionInputs>) => americanPrice({ ...o, ...patch });
  const vUp = p({ vol: v + hV }), vDn = p({ vol: v - hV });
  return {
    price,
    delta: base.delta,
    gamma: base.gamma,
    vega: (vUp - vDn) / (2 * hV),
    // Calendar time passing shortens t, hence the sign.
    thetaPerYear: -(p({ tYears: t + hT }) - p({ tYears: t - hT })) / (2 * hT),
    rho: (p({ rate: r + hR }) - p({ rate: r - hR })) / (2 * hR),
    vanna: (treeGreeksAt({ ...o, vol: v + hV }).delta - treeGreeksAt({ ...o, vol: v - hV }).delta) / (2 * hV),
    volga: (vUp - 2 * price + vDn) / (hV * hV),
    charmPerYear: -(treeGreeksAt({ ...o, tYears: t + hT }).delta - treeGreeksAt({ ...o, tYears: t - hT }).delta) / (2 * hT),
  };
}

/** Tree delta and gamma, clamped to the exact bounds the tree can overshoot by its own error. */
function treeGreeksAt(o: OptionInputs): TreeGreeks {
  const g = bbsrGreeks(o);
  const delta = o.type === 'call' ? Math.min(1, Math.max(0, g.delta)) : Math.max(-1, Math.min(0, g.delta));
  return { ...g, delta };
}

/** Plain bumps of americanPrice, used only for the vol -> 0 limit where the tree is undefined. */
function bumpedGreeks(o: OptionInputs): Greeks {
  const price = americanPrice(o);
  const hS = 0.005 * o.spot, hT = 0.01 * o.tYears, hR = 1e-3;
  const p = (patch: Partial<OptionInputs>) => americanPrice({ ...o, ...patch });
  const sUp = p({ spot: o.spot + hS }), sDn = p({ spot: o.spot - hS });
  return {
    price,
    delta: (sUp - sDn) / (2 * hS),
    gamma: (sUp - 2 * price + sDn) / (hS * hS),
    vega: 0,
    thetaPerYear: -(p({ tYears: o.tYears + hT }) - p({ tYears: o.tYears - hT })) / (2 * hT),
    rho: (p({ rate: o.rate + hR }) - p({ rate: o.rate - hR })) / (2 * hR),
    vanna: 0,
    volga: 0,
    charmPerYear: 0,
  };
}
