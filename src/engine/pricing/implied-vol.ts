import { type Failure, failure } from '../result.js';
import { americanPrice } from './american-bs2002.js';
import { bsmGreeks, bsmPrice } from './bsm.js';
import type { ExerciseStyle, OptionInputs, OptionType } from './types.js';

export interface ImpliedVolQuery {
  readonly type: OptionType;
  readonly style: ExerciseStyle;
  readonly spot: number;
  readonly strike: number;
  readonly tYears: number;
  readonly rate: number;
  readonly dividendYield: number;
  readonly price: number;
}

export type ImpliedVolErrorCode = 'BELOW_INTRINSIC' | 'ABOVE_UPPER_BOUND' | 'INVALID_INPUT' | 'NO_CONVERGENCE';

export type ImpliedVolResult =
  | { ok: true; vol: number; iterations: number }
  | Failure<ImpliedVolErrorCode>;

/** Never iterate more than this; every loop below is bounded by it. */
const MAX_ITERATIONS = 200;
const VOL_LO = 1e-6;
const VOL_HI_START = 4;
const VOL_HI_MAX = 1000;

const fail = (code: ImpliedVolErrorCode, message: string): ImpliedVolResult => failure(code, message);

/**
 * Black–Scholes–Merton implied volatility of a European or American option price.
 *
 * Bounds are checked first and reported as codes, never thrown: a European price must lie in
 * [discounted forward intrinsic, S e^{-qT}) for a call and [.., K e^{-rT}) for a put; an American
 * price in [max(intrinsic, European lower bound), S) for a call and [.., K) for a put. A price equal
 * to its lower bound has no time value and returns vol 0.
 *
 * European: Newton on log(price of the out-of-the-money option) within a shrinking bracket, with a
 * bisection step whenever Newton would leave it. Working with the OTM side (via put–call parity)
 * and in log space keeps deep-ITM and hours-to-expiry quotes well conditioned, where a plain
 * Newton on the price stalls on vanishing vega. American: bracketed Illinois false position on
 * americanPrice (no analytic vega from the tree), in log vol.
 */
export function impliedVol(q: ImpliedVolQuery): ImpliedVolResult {
  const invalid = validate(q);
  if (invalid !== undefined) return fail('INVALID_INPUT', invalid);
  const { spot: s, strike: k, tYears: t, rate: r, dividendYield: y, price } = q;
  const dq = Math.exp(-y * t), dr = Math.exp(-r * t);
  const isCall = q.type === 'call';
  const europeanLower = Math.max(0, isCall ? s * dq - k * dr : k * dr - s * dq);

  const noEarlyExercise = isCall ? y <= 0 : r <= 0;
  if (q.style === 'european' || noEarlyExercise) {
    const upper = isCall ? s * dq : k * dr;
    if (price < europeanLower * (1 - 1e-14) - 1e-300) {
      return fail('BELOW_INTRINSIC', `price ${price} is below the discounted forward intrinsic value ${europeanLower}`);
    }
    if (price >= upper) return fail('ABOVE_UPPER_BOUND', `price ${price} is at or above the no-arbitrage upper bound ${upper} (${isCall ? 'S e^{-qT}' : 'K e^{-rT}'})`);
    return europeanImpliedVol(q, europeanLower);
  }

  const intrinsic = Math.max(0, isCall ? s - k : k - s);
  const lower = Math.max(intrinsic, europeanLower);
  const upper = isCall ? s : k;
  if (price < lower * (1 - 1e-14)) return fail('BELOW_INTRINSIC', `price ${price} is below the American lower bound ${lower} (intrinsic ${intrinsic})`);
  if (price >= upper) return fail('ABOVE_UPPER_BOUND', `price ${price} is at or above the American upper bound ${upper} (${isCall ? 'S' : 'K'})`);
  return americanImpliedVol(q, lower);
}

function validate(q: ImpliedVolQuery): string | undefined {
  if (q.type !== 'call' && q.type !== 'put') return `type must be 'call' or 'put', got ${String(q.type)}`;
  if (q.style !== 'european' && q.style !== 'american') return `style must be 'european' or 'american', got ${String(q.style)}`;
  const positive = { spot: q.spot, strike: q.strike, tYears: q.tYears } as const;
  for (const [name, v] of Object.entries(positive)) {
    if (!Number.isFinite(v) || !(v > 0)) return `${name} must be a finite number > 0, got ${v}`;
  }
  for (const [name, v] of Object.entries({ rate: q.rate, dividendYield: q.dividendYield })) {
    if (!Number.isFinite(v)) return `${name} must be a finite number, got ${v}`;
  }
  if (!Number.isFinite(q.price) || q.price < 0) return `price must be a finite number >= 0, got ${q.price}`;
  return undefined;
}

function europeanImpliedVol(q: ImpliedVolQuery, lower: number): ImpliedVolResult {
  const { spot: s, strike: k, tYears: t, rate: r, dividendYield: y } = q;
  const dq = Math.exp(-y * t), dr = Math.exp(-r * t);
  // Put–call parity moves the quote to the out-of-the-money side, where the whole price is time value.
  const forwardCallIntrinsic = s * dq - k * dr;
  const otmType: OptionType = forwardCallIntrinsic > 0 ? 'put' : 'call';
  const target = q.type === otmType ? q.price : q.price - Math.abs(forwardCallIntrinsic);
  if (!(target > 0) || q.price - lower <= 1e-15 * Math.max(q.price, 1e-300)) return { ok: true, vol: 0, iterations: 0 };
  const base: OptionInputs = { type: otmType, spot: s, strike: k, tYears: t, rate: r, dividendYield: y, vol: 0 };
  const logTarget = Math.log(target);

  let lo = VOL_LO, hi = VOL_HI_START;
  while (bsmPrice({ ...base, vol: hi }) < target) {
    if (hi >= VOL_HI_MAX) return fail('NO_CONVERGENCE', `price ${q.price} needs a vol above ${VOL_HI_MAX}`);
    lo = hi;
    hi *= 4;
  }
  if (bsmPrice({ ...base, vol: lo }) > target) return { ok: true, vol: lo, iterations: 0 };

  // Manaster–Koehler's start, the inflection point of price in vol, clipped into the bracket.
  let vol = Math.sqrt((2 * Math.abs(Math.log((s * dq) / (k * dr)))) / t);
  if (!(vol > lo && vol < hi)) vol = Math.sqrt(lo * hi);
  for (let i = 1; i <= MAX_ITERATIONS; i++) {
    const g = bsmGreeks({ ...base, vol });
    const f = g.price > 0 ? Math.log(g.price) - logTarget : -Infinity;
    if (Math.abs(f) < 1e-15) return { ok: true, vol, iterations: i };
    if (f > 0) hi = vol; else lo = vol;
    let next = g.price > 0 && g.vega > 0 ? vol - (f * g.price) / g.vega : NaN;
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    if (Math.abs(next - vol) <= 1e-15 * vol) return { ok: true, vol: next, iterations: i };
    if (hi - lo <= 4e-16 * hi) return { ok: true, vol: 0.5 * (lo + hi), iterations: i };
    vol = next;
  }
  return fail('NO_CONVERGENCE', `no convergence in ${MAX_ITERATIONS} iterations (bracket ${lo}..${hi})`);
}

function americanImpliedVol(q: ImpliedVolQuery, lower: number): ImpliedVolResult {
  if (q.price - lower <= 1e-12 * Math.max(q.price, 1)) return { ok: true, vol: 0, iterations: 0 };
  const base: OptionInputs = { type: q.type, spot: q.spot, strike: q.strike, tYears: q.tYears, rate: q.rate, dividendYield: q.dividendYield, vol: 0 };
  const f = (logVol: number) => americanPrice({ ...base, vol: Math.exp(logVol) }) - q.price;

  let a = Math.log(VOL_LO), b = Math.log(VOL_HI_START);
  let fa = f(a), fb = f(b);
  if (fa >= 0) return { ok: true, vol: VOL_LO, iterations: 0 };
  while (fb < 0) {
    if (b >= Math.log(VOL_HI_MAX)) return fail('NO_CONVERGENCE', `price ${q.price} needs a vol above ${VOL_HI_MAX}`);
    a = b; fa = fb;
    b += Math.log(4);
    fb = f(b);
  }
  // Illinois false position: superlinear like the secant method, but keeps the root bracketed.
  let side = 0;
  for (let i = 1; i <= MAX_ITERATIONS; i++) {
    const c = (a * fb - b * fa) / (fb - fa);
    const fc = f(c);
    if (Math.abs(fc) <= 1e-13 * q.price || Math.abs(b - a) <= 1e-13) return { ok: true, vol: Math.exp(c), iterations: i };
    if (fc > 0) {
      b = c; fb = fc;
      if (side === -1) fa /= 2;
      side = -1;
    } else {
      a = c; fa = fc;
      if (side === 1) fb /= 2;
      side = 1;
    }
  }
  return fail('NO_CONVERGENCE', `no convergence in ${MAX_ITERATIONS} iterations (vol bracket ${Math.exp(a)}..${Math.exp(b)})`);
}
