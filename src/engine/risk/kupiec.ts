/**
 * Kupiec (1995) proportion-of-failures test of a VaR model.
 *
 * With T days, x exceptions and expected exception rate p = 1 − confidence, the likelihood ratio
 *   LR = −2 ln[(1−p)^(T−x) p^x] + 2 ln[(1−x/T)^(T−x) (x/T)^x]
 * is asymptotically χ²(1) under the null "the true rate is p", so its p-value is
 *   P(χ²₁ > LR) = 2(1 − N(√LR)) = erfc(√(LR/2)).
 * The terms 0·ln 0 (x = 0 or x = T) are taken as 0, their limit.
 */
import { erfc } from '../pricing/normal.js';

/** a·ln(b), with 0·ln(0) = 0. */
const xlogy = (a: number, b: number): number => (a === 0 ? 0 : a * Math.log(b));

export function kupiecPof(days: number, exceptions: number, p: number): { lr: number; pValue: number } {
  const t = days, x = exceptions;
  if (!(t > 0) || x < 0 || x > t || !(p > 0 && p < 1)) throw new Error(`kupiecPof: bad arguments T=${t} x=${x} p=${p}`);
  const logNull = xlogy(t - x, 1 - p) + xlogy(x, p);
  const logAlt = xlogy(t - x, 1 - x / t) + xlogy(x, x / t);
  const lr = Math.max(0, -2 * logNull + 2 * logAlt);
  return { lr, pValue: erfc(Math.sqrt(lr / 2)) };
}
