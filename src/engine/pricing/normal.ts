/**
 * Standard normal density and distribution to full double precision.
 *
 * Hand-written because no npm library gives a double-precision erfc without pulling in a whole
 * numerics package, and the 1e-7 textbook approximations (Abramowitz–Stegun 26.2.17, Hart) break
 * the 1e-9 agreement with QuantLib that pricing needs. This is W. J. Cody's rational Chebyshev
 * approximation (CALERF, Math. Comp. 1969, TOMS 715), accurate to about 1e-16 relative.
 */

import {
  A0, A1, A2, A3, A4, B0, B1, B2, B3, C0, C1, C2, C3, C4, C5, C6, C7, C8, D0, D1, D2, D3, D4, D5, D6, D7, P0, P1, P2, P3, P4, P5, Q0, Q1, Q2, Q3, Q4,
} from './cody-erfc-coefficients.js';

const SQRT1_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 0.3989422804014327;
const INV_SQRT_PI = 5.6418958354775628695e-1;

/** exp(-y*y) without the cancellation error of squaring a large y: split y at a multiple of 1/16. */
function expMinusSquare(y: number): number {
  const ySplit = Math.trunc(y * 16) / 16;
  const del = (y - ySplit) * (y + ySplit);
  return Math.exp(-ySplit * ySplit) * Math.exp(-del);
}

/** Complementary error function, erfc(x) = 1 - erf(x), accurate in the far tails. */
export function erfc(x: number): number {
  const y = Math.abs(x);
  let r: number;
  if (y <= 0.46875) {
    const z = y * y;
    let num = A4 * z, den = z;
    num = (num + A0) * z; den = (den + B0) * z;
    num = (num + A1) * z; den = (den + B1) * z;
    num = (num + A2) * z; den = (den + B2) * z;
    return 1 - (x * (num + A3)) / (den + B3);
  } else if (y <= 4) {
    let num = C8 * y, den = y;
    num = (num + C0) * y; den = (den + D0) * y;
    num = (num + C1) * y; den = (den + D1) * y;
    num = (num + C2) * y; den = (den + D2) * y;
    num = (num + C3) * y; den = (den + D3) * y;
    num = (num + C4) * y; den = (den + D4) * y;
    num = (num + C5) * y; den = (den + D5) * y;
    num = (num + C6) * y; den = (den + D6) * y;
    r = (num + C7) / (den + D7);
    r *= expMinusSquare(y);
  } else if (y < 26.6) {
    const z = 1 / (y * y);
    let num = P5 * z, den = z;
    num = (num + P0) * z; den = (den + Q0) * z;
    num = (num + P1) * z; den = (den + Q1) * z;
    num = (num + P2) * z; den = (den + Q2) * z;
    num = (num + P3) * z; den = (den + Q3) * z;
    r = (z * (num + P4)) / (den + Q4);
    r = (INV_SQRT_PI - r) / y;
    r *= expMinusSquare(y);
  } else {
    r = 0;
  }
  return x < 0 ? 2 - r : r;
}

/** Standard normal cumulative distribution N(x). */
export function normCdf(x: number): number {
  return 0.5 * erfc(-x * SQRT1_2);
}

/** Standard normal density n(x). */
export function normPdf(x: number): number {
  return INV_SQRT_2PI * Math.exp(-0.5 * x * x);
}
