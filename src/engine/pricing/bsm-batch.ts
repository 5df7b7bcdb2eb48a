/**
 * Structure-of-arrays Black–Scholes–Merton kernel: price, delta, gamma, vega, theta and rho for n
 * European options in one pass, written into caller-owned Float64Arrays. Same conventions and
 * formulas as bsmGreeks (./bsm.ts), which stays the readable reference; this file is the hot path.
 *
 * Where the time goes and why the loop looks like this:
 * - One log, one sqrt and three exps per option: e^{-qt}, e^{-rt} and n(d1). n(d2) costs no exp
 *   because S e^{-qt} n(d1) = K e^{-rt} n(d2).
 * - N(d) comes from Cody's erfc rational (the same coefficients as ./normal.ts, so double
 *   precision), but its exp(-d^2/2) factor is the density already computed, not a second exp.
 *   Skipping Cody's split-square trick costs about d^2/2 ulps, under 2e-13 relative even at |d| = 38.
 * - One loop for a per-batch or per-option rate and yield: a batch-wide value is read through a
 *   one-element array with stride 0 (no slower than a separate scalar loop).
 * - No calls in the loop body that TurboFan cannot inline: a non-inlined call boxes doubles.
 */

import {
  A0, A1, A2, A3, A4, B0, B1, B2, B3, C0, C1, C2, C3, C4, C5, C6, C7, C8, D0, D1, D2, D3, D4, D5, D6, D7, P0, P1, P2, P3, P4, P5, Q0, Q1, Q2, Q3, Q4,
} from './cody-erfc-coefficients.js';
import { fastExp } from './fast-math.js';
import type { CoreGreeks } from './types.js';

export interface BsmBatchInputs {
  readonly spot: Float64Array;
  readonly strike: Float64Array;
  readonly tYears: Float64Array;
  readonly vol: Float64Array;
  /** 1 = call, 0 = put. */
  readonly isCall: Uint8Array;
  /** One rate for the whole batch, or one per option. */
  readonly rate: number | Float64Array;
  /** One dividend yield for the whole batch, or one per option. */
  readonly dividendYield: number | Float64Array;
}

/** Price and each CoreGreek (units in ./types.ts), one array entry per option. */
export type BsmBatchOutputs = { readonly [K in 'price' | keyof CoreGreeks]: Float64Array };

const INV_SQRT_2PI = 0.3989422804014327;
const INV_SQRT_PI = 5.6418958354775628695e-1;
const SQRT1_2 = Math.SQRT1_2;


/**
 * Fills `out[0..n)`. Options at expiry (t <= 0) or with zero vol get bsmGreeks' limit values.
 * Allocates nothing; a batch-wide rate or yield given as a number is read through a one-element
 * array with stride 0.
 */
export function bsmBatch(inp: BsmBatchInputs, out: BsmBatchOutputs, n = inp.spot.length): void {
  const { rate, dividendYield } = inp;
  const shortest = Math.min(
    inp.spot.length, inp.strike.length, inp.tYears.length, inp.vol.length, inp.isCall.length,
    typeof rate === 'number' ? n : rate.length, typeof dividendYield === 'number' ? n : dividendYield.length,
    out.price.length, out.delta.length, out.gamma.length, out.vega.length, out.thetaPerYear.length, out.rho.length,
  );
  // A short array would silently turn into NaN prices; that is a caller bug, so it throws.
  if (n > shortest) throw new RangeError(`bsmBatch: n = ${n} but the shortest input or output array has ${shortest} entries`);
  let rates: Float64Array, yields: Float64Array;
  if (typeof rate === 'number') { BATCH_RATE[0] = rate; rates = BATCH_RATE; } else rates = rate;
  if (typeof dividendYield === 'number') { BATCH_YIELD[0] = dividendYield; yields = BATCH_YIELD; } else yields = dividendYield;
  greeksLoop(n, inp.spot, inp.strike, inp.tYears, inp.vol, inp.isCall, rates, typeof rate === 'number' ? 0 : 1,
    yields, typeof dividendYield === 'number' ? 0 : 1, out);
}

/** A batch-wide rate or yield, read with stride 0 (module scratch: bsmBatch is synchronous). */
const BATCH_RATE = new Float64Array(1);
const BATCH_YIELD = new Float64Array(1);

/** Same limits as bsmGreeks' degenerate branch: discounted forward intrinsic, step delta. */
function writeDegenerate(i: number, s: number, k: number, t0: number, r: number, q: number, call: boolean, out: BsmBatchOutputs): void {
  const t = t0 > 0 ? t0 : 0;
  const sign = call ? 1 : -1;
  const dq = Math.exp(-q * t), dr = Math.exp(-r * t);
  const fwdIntrinsic = sign * (s * dq - k * dr);
  const itm = fwdIntrinsic > 0;
  out.price[i] = itm ? fwdIntrinsic : 0;
  out.delta[i] = itm ? sign * dq : 0;
  out.gamma[i] = 0;
  out.vega[i] = 0;
  out.thetaPerYear[i] = itm && t > 0 ? sign * (q * s * dq - r * k * dr) : 0;
  out.rho[i] = itm && t > 0 ? sign * k * t * dr : 0;
}

/** The loop body is bsmGreeks' (./bsm.ts) formulas, restated for speed: see the note there on why both exist. */
function greeksLoop(
  n: number, spot: Float64Array, strike: Float64Array, tYears: Float64Array, vol: Float64Array, isCall: Uint8Array,
  rate: Float64Array, rStride: number, dividendYield: Float64Array, qStride: number, out: BsmBatchOutputs,
): void {
  const { price, delta, gamma, vega, thetaPerYear, rho } = out;
  for (let i = 0; i < n; i++) {
    const s = spot[i]!, k = strike[i]!, t = tYears[i]!, v = vol[i]!, r = rate[i * rStride]!, q = dividendYield[i * qStride]!;
    if (!(t > 0) || !(v > 0)) { writeDegenerate(i, s, k, t, r, q, isCall[i] === 1, out); continue; }
    const sqrtT = Math.sqrt(t);
    const vst = v * sqrtT;
    const d1 = (Math.log(s / k) + (r - q + 0.5 * v * v) * t) / vst;
    const d2 = d1 - vst;
    const dq = fastExp(-q * t);
    const dr = fastExp(-r * t);
    const g1 = fastExp(-0.5 * d1 * d1);
    const sdq = s * dq, kdr = k * dr;
    const g2 = (sdq * g1) / kdr; // exp(-d2^2/2) from S e^{-qt} n(d1) = K e^{-rt} n(d2)
    const pdfTerm = sdq * g1 * INV_SQRT_2PI; // S e^{-qt} n(d1)
    const sign = isCall[i] === 1 ? 1 : -1;
    // N(sign·d1) and N(sign·d2) from Cody's erfc, given g = exp(-x^2/2). Written once inside a
    // two-pass loop rather than as a function: as a function its bytecode (687 bytes) is over
    // TurboFan's inlining limit (460), and the call boxed its double arguments and result, about
    // eight heap numbers per option, which was most of the risk workers' garbage.
    let nd1 = 0, nd2 = 0;
    for (let pass = 0; pass < 2; pass++) {
      const x = pass === 0 ? sign * d1 : sign * d2;
      const g = pass === 0 ? g1 : g2;
      const y = (x < 0 ? -x : x) * SQRT1_2;
      let cdf: number;
      if (y <= 0.46875) {
        const z = y * y;
        const num = (((A4 * z + A0) * z + A1) * z + A2) * z + A3;
        const den = (((z + B0) * z + B1) * z + B2) * z + B3;
        cdf = 0.5 + 0.5 * x * SQRT1_2 * (num / den);
      } else {
        let tail: number; // N(-|x|)
        if (y <= 4) {
          const num = (((((((C8 * y + C0) * y + C1) * y + C2) * y + C3) * y + C4) * y + C5) * y + C6) * y + C7;
          const den = (((((((y + D0) * y + D1) * y + D2) * y + D3) * y + D4) * y + D5) * y + D6) * y + D7;
          tail = 0.5 * g * (num / den);
        } else if (y < 26.6) {
          const z = 1 / (y * y);
          const num = (((((P5 * z + P0) * z + P1) * z + P2) * z + P3) * z + P4) * z;
          const den = ((((z + Q0) * z + Q1) * z + Q2) * z + Q3) * z + Q4;
          tail = (0.5 * g * (INV_SQRT_PI - num / den)) / y;
        } else {
          tail = 0;
        }
        cdf = x < 0 ? tail : 1 - tail;
      }
      if (pass === 0) nd1 = cdf;
      else nd2 = cdf;
    }
    price[i] = sign * (sdq * nd1 - kdr * nd2);
    delta[i] = sign * dq * nd1;
    gamma[i] = pdfTerm / (s * s * vst);
    vega[i] = pdfTerm * sqrtT;
    thetaPerYear[i] = (-pdfTerm * v) / (2 * sqrtT) + sign * (q * sdq * nd1 - r * kdr * nd2);
    rho[i] = sign * kdr * t * nd2;
  }
}

/** Allocates the six output arrays for a batch of n options (once per batch size, not per tick). */
export function allocBsmBatchOutputs(n: number): BsmBatchOutputs {
  return {
    price: new Float64Array(n), delta: new Float64Array(n), gamma: new Float64Array(n),
    vega: new Float64Array(n), thetaPerYear: new Float64Array(n), rho: new Float64Array(n),
  };
}
