import { impliedVol } from './implied-vol.js';
import type { ExerciseStyle, OptionType } from './types.js';

/**
 * Implied volatility surface of one underlying, built from option quotes on a strike x expiry grid.
 *
 * - Across strikes, on each quoted expiry: monotone piecewise-cubic (Fritsch–Carlson / PCHIP) in
 *   log forward moneyness k = ln(K / F(t)). It is C1 and, unlike a natural spline, never overshoots
 *   the quotes, so it cannot invent a negative or spiking vol between two strikes.
 * - Beyond the quoted strikes of an expiry: flat vol (the wing quote).
 * - Across expiries: linear in total variance w = vol^2 t at fixed k. If the quoted expiries are
 *   free of calendar arbitrage (w non-decreasing in t at each k), interpolation cannot add any,
 *   which interpolating vol itself does not guarantee.
 * - Before the first expiry: the first expiry's vol at that k. After the last: the last expiry's
 *   vol, so total variance keeps growing linearly in t.
 */
export interface VolQuote {
  readonly strike: number;
  readonly tYears: number;
  /** Either an implied vol ... */
  readonly vol?: number;
  /** ... or an option price, converted with impliedVol (then type and style are required). */
  readonly price?: number;
  readonly type?: OptionType;
  readonly style?: ExerciseStyle;
}

export interface SurfaceMarket {
  readonly spot: number;
  readonly rate: number;
  readonly dividendYield: number;
}

export type VolSurfaceErrorCode = 'INVALID_MARKET' | 'NO_QUOTES' | 'INVALID_QUOTE' | 'DUPLICATE_QUOTE' | 'IMPLIED_VOL_FAILED';

export interface VolSurfaceError {
  readonly code: VolSurfaceErrorCode;
  /** Index of the offending quote in the input array, when one quote is to blame. */
  readonly quoteIndex?: number;
  readonly detail: string;
}

export interface VolSurface {
  readonly underlying: string;
  readonly expiries: readonly number[];
  vol(strike: number, tYears: number): number;
  totalVariance(strike: number, tYears: number): number;
}

export type VolSurfaceBuildResult = { ok: true; surface: VolSurface } | { ok: false; errors: VolSurfaceError[] };

/** One expiry's smile: PCHIP through (k_i, vol_i) with precomputed slopes. */
interface Smile {
  readonly tYears: number;
  readonly k: Float64Array;
  readonly vol: Float64Array;
  readonly slope: Float64Array;
}

/** Builds the surface, or returns every bad quote at once (the caller fixes the feed in one go). */
export function buildVolSurface(underlying: string, market: SurfaceMarket, quotes: readonly VolQuote[]): VolSurfaceBuildResult {
  const errors: VolSurfaceError[] = [];
  if (!(market.spot > 0) || !Number.isFinite(market.spot) || !Number.isFinite(market.rate) || !Number.isFinite(market.dividendYield)) {
    return { ok: false, errors: [{ code: 'INVALID_MARKET', detail: `spot must be finite and > 0, rate and dividendYield finite; got ${JSON.stringify(market)}` }] };
  }
  if (quotes.length === 0) return { ok: false, errors: [{ code: 'NO_QUOTES', detail: `no quotes for ${underlying}` }] };

  const byExpiry = new Map<number, Array<{ strike: number; vol: number; index: number }>>();
  quotes.forEach((q, index) => {
    const vol = quoteVol(q, market, index, errors);
    if (vol === undefined) return;
    const row = byExpiry.get(q.tYears) ?? [];
    const dup = row.find((p) => p.strike === q.strike);
    if (dup !== undefined) {
      errors.push({ code: 'DUPLICATE_QUOTE', quoteIndex: index, detail: `quote ${index} repeats strike ${q.strike} at t=${q.tYears} (first seen at quote ${dup.index})` });
      return;
    }
    row.push({ strike: q.strike, vol, index });
    byExpiry.set(q.tYears, row);
  });
  if (errors.length > 0) return { ok: false, errors };

  const smiles: Smile[] = [...byExpiry.entries()]
    .sort(([a], [b]) => a - b)
    .map(([t, row]) => {
      row.sort((a, b) => a.strike - b.strike);
      const fwd = forward(market, t);
      const k = Float64Array.from(row, (p) => Math.log(p.strike / fwd));
      const vol = Float64Array.from(row, (p) => p.vol);
      return { tYears: t, k, vol, slope: pchipSlopes(k, vol) };
    });
  return { ok: true, surface: makeSurface(underlying, market, smiles) };
}

function quoteVol(q: VolQuote, market: SurfaceMarket, index: number, errors: VolSurfaceError[]): number | undefined {
  const bad = (detail: string): undefined => {
    errors.push({ code: 'INVALID_QUOTE', quoteIndex: index, detail: `quote ${index}: ${detail}` });
    return undefined;
  };
  if (!Number.isFinite(q.strike) || !(q.strike > 0)) return bad(`strike must be finite and > 0, got ${q.strike}`);
  if (!Number.isFinite(q.tYears) || !(q.tYears > 0)) return bad(`tYears must be finite and > 0, got ${q.tYears}`);
  const hasVol = q.vol !== undefined, hasPrice = q.price !== undefined;
  if (hasVol === hasPrice) return bad('give exactly one of vol or price');
  if (hasVol) {
    const v = q.vol!;
    if (!Number.isFinite(v) || !(v > 0)) return bad(`vol must be finite and > 0, got ${v}`);
    return v;
  }
  if (q.type === undefined || q.style === undefined) return bad('a price quote needs type and style');
  const iv = impliedVol({
    type: q.type, style: q.style, spot: market.spot, strike: q.strike, tYears: q.tYears,
    rate: market.rate, dividendYield: market.dividendYield, price: q.price!,
  });
  if (!iv.ok) {
    errors.push({ code: 'IMPLIED_VOL_FAILED', quoteIndex: index, detail: `quote ${index}: ${iv.code}: ${iv.message}` });
    return undefined;
  }
  if (!(iv.vol > 0)) return bad(`price ${q.price} has no time value, so it implies no volatility`);
  return iv.vol;
}

function forward(m: SurfaceMarket, t: number): number {
  return m.spot * Math.exp((m.rate - m.dividendYield) * t);
}

/** Fritsch–Carlson slopes: zero at local extrema, harmonic mean elsewhere, one-sided three-point ends. */
function pchipSlopes(x: Float64Array, y: Float64Array): Float64Array {
  const n = x.length;
  const d = new Float64Array(n);
  if (n < 2) return d;
  const h = new Float64Array(n - 1), delta = new Float64Array(n - 1);
  for (let i = 0; i < n - 1; i++) {
    h[i] = x[i + 1]! - x[i]!;
    delta[i] = (y[i + 1]! - y[i]!) / h[i]!;
  }
  if (n === 2) {
    d[0] = d[1] = delta[0]!;
    return d;
  }
  for (let i = 1; i < n - 1; i++) {
    const a = delta[i - 1]!, b = delta[i]!;
    if (a * b <= 0) d[i] = 0;
    else {
      const w1 = 2 * h[i]! + h[i - 1]!, w2 = h[i]! + 2 * h[i - 1]!;
      d[i] = (w1 + w2) / (w1 / a + w2 / b);
    }
  }
  const end = (h0: number, h1: number, d0: number, d1: number): number => {
    let s = ((2 * h0 + h1) * d0 - h0 * d1) / (h0 + h1);
    if (Math.sign(s) !== Math.sign(d0)) s = 0;
    else if (Math.sign(d0) !== Math.sign(d1) && Math.abs(s) > Math.abs(3 * d0)) s = 3 * d0;
    return s;
  };
  d[0] = end(h[0]!, h[1]!, delta[0]!, delta[1]!);
  d[n - 1] = end(h[n - 2]!, h[n - 3]!, delta[n - 2]!, delta[n - 3]!);
  return d;
}

function smileVol(s: Smile, k: number): number {
  const n = s.k.length;
  if (n === 1 || k <= s.k[0]!) return s.vol[0]!;
  if (k >= s.k[n - 1]!) return s.vol[n - 1]!;
  let lo = 0, hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (s.k[mid]! <= k) lo = mid; else hi = mid;
  }
  const h = s.k[hi]! - s.k[lo]!;
  const u = (k - s.k[lo]!) / h;
  const u2 = u * u, u3 = u2 * u;
  return (2 * u3 - 3 * u2 + 1) * s.vol[lo]! + (u3 - 2 * u2 + u) * h * s.slope[lo]! +
    (-2 * u3 + 3 * u2) * s.vol[hi]! + (u3 - u2) * h * s.slope[hi]!;
}

function makeSurface(underlying: string, market: SurfaceMarket, smiles: readonly Smile[]): VolSurface {
  const expiries = smiles.map((s) => s.tYears);
  const first = smiles[0]!, last = smiles[smiles.length - 1]!;
  const totalVariance = (strike: number, t: number): number => {
    const k = Math.log(strike / forward(market, t));
    if (t <= first.tYears) return smileVol(first, k) ** 2 * t;
    if (t >= last.tYears) return smileVol(last, k) ** 2 * t;
    let i = 0;
    while (smiles[i + 1]!.tYears < t) i++;
    const a = smiles[i]!, b = smiles[i + 1]!;
    const wa = smileVol(a, k) ** 2 * a.tYears, wb = smileVol(b, k) ** 2 * b.tYears;
    return wa + ((wb - wa) * (t - a.tYears)) / (b.tYears - a.tYears);
  };
  return {
    underlying,
    expiries,
    totalVariance,
    vol(strike: number, t: number): number {
      if (!(t > 0)) return smileVol(first, Math.log(strike / market.spot));
      return Math.sqrt(totalVariance(strike, t) / t);
    },
  };
}
