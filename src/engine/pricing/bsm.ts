import { normCdf, normPdf } from './normal.js';
import type { Greeks, OptionInputs } from './types.js';

/**
 * Black–Scholes–Merton with continuous dividend yield: price and Greeks of a European option.
 * Conventions are those of ./types.ts (theta and charm per year of calendar time, vega and rho per
 * 1.00). Degenerate inputs (expiry reached, zero vol) return the limit values, never NaN.
 *
 * The batch kernel bsmBatch (./bsm-batch.ts) repeats these d1/d2/discount steps on purpose: this one
 * is the readable reference with every Greek for one option, that one the allocation-free loop over
 * many (first-order Greeks only) that the real-time path runs. Change both together;
 * test/engine/pricing/bsm-batch.test.ts holds them equal.
 */
export function bsmGreeks(o: OptionInputs): Greeks {
  const { spot: s, strike: k, tYears: t, rate: r, dividendYield: q, vol: v } = o;
  const isCall = o.type === 'call';
  if (!(t > 0) || !(v > 0)) return degenerateGreeks(o);

  const sqrtT = Math.sqrt(t);
  const volSqrtT = v * sqrtT;
  const d1 = (Math.log(s / k) + (r - q + 0.5 * v * v) * t) / volSqrtT;
  const d2 = d1 - volSqrtT;
  const dq = Math.exp(-q * t);
  const dr = Math.exp(-r * t);
  const pdf1 = normPdf(d1);
  const sign = isCall ? 1 : -1;
  const nd1 = normCdf(sign * d1);
  const nd2 = normCdf(sign * d2);

  const price = sign * (s * dq * nd1 - k * dr * nd2);
  const delta = sign * dq * nd1;
  const gamma = (dq * pdf1) / (s * volSqrtT);
  const vega = s * dq * pdf1 * sqrtT;
  const thetaPerYear = (-s * dq * pdf1 * v) / (2 * sqrtT) + sign * (q * s * dq * nd1 - r * k * dr * nd2);
  const rho = sign * k * t * dr * nd2;
  const vanna = (-dq * pdf1 * d2) / v;
  const volga = (vega * d1 * d2) / v;
  const charmPerYear =
    sign * q * dq * nd1 - (dq * pdf1 * (2 * (r - q) * t - d2 * volSqrtT)) / (2 * t * volSqrtT);
  return { price, delta, gamma, vega, thetaPerYear, rho, vanna, volga, charmPerYear };
}

/** Price only; cheaper than the full Greeks. */
export function bsmPrice(o: OptionInputs): number {
  const { spot: s, strike: k, tYears: t, rate: r, dividendYield: q, vol: v } = o;
  if (!(t > 0) || !(v > 0)) return degenerateGreeks(o).price;
  const volSqrtT = v * Math.sqrt(t);
  const d1 = (Math.log(s / k) + (r - q + 0.5 * v * v) * t) / volSqrtT;
  const d2 = d1 - volSqrtT;
  const sign = o.type === 'call' ? 1 : -1;
  return sign * (s * Math.exp(-q * t) * normCdf(sign * d1) - k * Math.exp(-r * t) * normCdf(sign * d2));
}

/**
 * Limits as vol·√t → 0: the option is worth its discounted forward intrinsic value, delta is a
 * step, and the curvature Greeks vanish. At expiry (t ≤ 0) it is worth plain intrinsic.
 */
function degenerateGreeks(o: OptionInputs): Greeks {
  const { spot: s, strike: k, rate: r, dividendYield: q } = o;
  const t = Math.max(0, o.tYears);
  const sign = o.type === 'call' ? 1 : -1;
  const dq = Math.exp(-q * t);
  const dr = Math.exp(-r * t);
  const forwardIntrinsic = sign * (s * dq - k * dr);
  const inTheMoney = forwardIntrinsic > 0;
  const zero: Greeks = {
    price: Math.max(0, forwardIntrinsic), delta: 0, gamma: 0, vega: 0, thetaPerYear: 0, rho: 0,
    vanna: 0, volga: 0, charmPerYear: 0,
  };
  if (!inTheMoney) return zero;
  zero.delta = sign * dq;
  zero.rho = t > 0 ? sign * k * t * dr : 0;
  zero.thetaPerYear = t > 0 ? sign * (q * s * dq - r * k * dr) : 0;
  zero.charmPerYear = t > 0 ? sign * q * dq : 0;
  return zero;
}
