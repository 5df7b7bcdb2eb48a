/**
 * exp(x) in plain arithmetic that TurboFan inlines, for the batch kernel's hot loop (bsm-batch.ts:
 * three exps per option).
 *
 * Why: V8's Math.exp is an out-of-line call to fdlibm (about 16 ns each in a loop on our machines,
 * against 2 ns for a sqrt): the three were about 40% of the kernel's time. (A log done the same
 * way, fdlibm's polynomial after an exact 2^−e scaling, measured slower than Math.log: not used.)
 *
 * The method is the classic table-driven reduction (Tang 1989, as glibc and musl): x = (32m + j)·ln2/32 + r, |r| ≤ ln2/64,
 * exp(x) = 2^m · 2^(j/32) · e^r, e^r by its Taylor series to r^6 (truncation < 4e-18 relative).
 * Accuracy: within a few ulps of Math.exp (test/engine/pricing/fast-math.test.ts checks 5e-16
 * relative), far inside the kernel's 1e-12 agreement with bsmGreeks.
 * Outside [-708, 709] (result subnormal, zero or overflowing), and for NaN, it defers to Math.exp.
 */

/** 2^(j/32), j = 0..31. */
const TWO_J32 = Float64Array.from({ length: 32 }, (_, j) => Math.pow(2, j / 32));
/** 2^m for m = -1022..1022 (index m + 1022), exact powers of two. */
const TWO_M = Float64Array.from({ length: 2045 }, (_, i) => Math.pow(2, i - 1022));
const INV_LN2_32 = 32 / Math.LN2;
/** ln2/32 split so that k·HI is exact for |k| < 2^20 (fdlibm's ln2_hi, ln2_lo, over 32). */
const LN2_32_HI = 6.93147180369123816490e-1 / 32;
const LN2_32_LO = 1.90821492927058770002e-10 / 32;

export function fastExp(x: number): number {
  if (!(x >= -708 && x <= 709)) return Math.exp(x);
  const kf = Math.floor(x * INV_LN2_32 + 0.5);
  const k = kf | 0;
  const r = x - kf * LN2_32_HI - kf * LN2_32_LO;
  const p = 1 + r * (1 + r * (0.5 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120 + r * (1 / 720))))));
  return (TWO_M[(k >> 5) + 1022] as number) * ((TWO_J32[k & 31] as number) * p);
}

