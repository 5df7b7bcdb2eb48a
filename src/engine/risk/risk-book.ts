/**
 * A portfolio prepared for repeated revaluation: validated once (every spot and option vol present),
 * with the underlyings numbered and every per-position constant of the Black–Scholes–Merton price
 * precomputed, so that pricing the book in thousands of scenarios is a tight loop over numbers.
 *
 * Revaluation is an instantaneous shock: each scenario moves spots (and optionally vols) and keeps
 * the rates, dividend yields and time to expiry (from `market.valuationMs`) of the market.
 */
import { timeToExpiryYears } from '../market/time-to-expiry.js';
import { normCdf } from '../pricing/normal.js';
import { optionPrice } from '../pricing/option-pricer.js';
import type { OptionInputs } from '../pricing/types.js';
import { type MarketSnapshot, type Position, underlyingOf } from '../portfolio/types.js';
import { type RiskResult, riskErrors } from './errors.js';

/** Per-position constants, structure of arrays indexed by option number. */
export interface OptionLegs {
  readonly count: number;
  /** Index of the option's underlying in `RiskBook.tickers`. */
  readonly underlying: Int32Array;
  /** qty × multiplier: units of the option's price per unit of book value. */
  readonly units: Float64Array;
  /** +1 call, −1 put. */
  readonly sign: Float64Array;
  readonly strike: Float64Array;
  readonly tYears: Float64Array;
  readonly vol: Float64Array;
  readonly dividendYield: Float64Array;
  /** ln K, (r − q + ½v²)t, v√t, e^{−qt}, K e^{−rt}. */
  readonly logStrike: Float64Array;
  readonly drift: Float64Array;
  readonly volSqrtT: Float64Array;
  readonly discQ: Float64Array;
  readonly discK: Float64Array;
  /** 1 when the closed form applies (European, t > 0, vol > 0); 0 means call the pricer. */
  readonly closedForm: Uint8Array;
  /** The original positions, for the slow path. */
  readonly positions: readonly Position[];
}

export interface RiskBook {
  /** Underlyings the book depends on, in first-seen order. */
  readonly tickers: string[];
  /** Today's spot of each ticker (market.spots). */
  readonly spots: Float64Array;
  /** Shares of each underlying held directly (Σ qty × multiplier of underlying positions). */
  readonly shares: Float64Array;
  readonly options: OptionLegs;
  readonly market: MarketSnapshot;
}

/** Validates the positions against the market and precomputes the revaluation constants. */
export function prepareBook(positions: readonly Position[], market: MarketSnapshot): RiskResult<RiskBook> {
  const tickers: string[] = [];
  const tickerIndex = new Map<string, number>();
  for (const p of positions) {
    const u = underlyingOf(p.instrument);
    if (tickerIndex.has(u)) continue;
    if (!market.spots.has(u)) return riskErrors.missingSpot(u);
    tickerIndex.set(u, tickers.length);
    tickers.push(u);
  }
  const spots = Float64Array.from(tickers, (t) => market.spots.get(t) as number);
  const shares = new Float64Array(tickers.length);
  const optionPositions: Position[] = [];
  for (const p of positions) {
    if (p.instrument.kind === 'underlying') {
      const u = tickerIndex.get(p.instrument.symbol) as number;
      shares[u] = (shares[u] as number) + p.qty * p.multiplier;
    } else {
      if (!(p.vol !== undefined && p.vol >= 0 && Number.isFinite(p.vol))) return riskErrors.missingVol(p.instrument.symbol);
      optionPositions.push(p);
    }
  }
  const n = optionPositions.length;
  const legs = {
    count: n,
    underlying: new Int32Array(n),
    units: new Float64Array(n),
    sign: new Float64Array(n),
    strike: new Float64Array(n),
    tYears: new Float64Array(n),
    vol: new Float64Array(n),
    dividendYield: new Float64Array(n),
    logStrike: new Float64Array(n),
    drift: new Float64Array(n),
    volSqrtT: new Float64Array(n),
    discQ: new Float64Array(n),
    discK: new Float64Array(n),
    closedForm: new Uint8Array(n),
    positions: optionPositions,
  };
  const r = market.rate;
  optionPositions.forEach((p, j) => {
    const i = p.instrument as Position['instrument'] & { kind: 'option' };
    const t = timeToExpiryYears(market.valuationMs, i.expiry);
    const v = p.vol as number;
    const q = p.dividendYield;
    legs.underlying[j] = tickerIndex.get(i.underlying) as number;
    legs.units[j] = p.qty * p.multiplier;
    legs.sign[j] = i.type === 'call' ? 1 : -1;
    legs.strike[j] = i.strike;
    legs.tYears[j] = t;
    legs.vol[j] = v;
    legs.dividendYield[j] = q;
    legs.logStrike[j] = Math.log(i.strike);
    legs.drift[j] = (r - q + 0.5 * v * v) * t;
    legs.volSqrtT[j] = v * Math.sqrt(Math.max(t, 0));
    legs.discQ[j] = Math.exp(-q * t);
    legs.discK[j] = i.strike * Math.exp(-r * t);
    legs.closedForm[j] = p.style === 'european' && t > 0 && v > 0 ? 1 : 0;
  });
  return { ok: true, value: { tickers, spots, shares, options: legs, market } };
}

/** Model inputs of option leg `j` at spot `s` and vol `vol` (slow path and stress tests). */
export function legInputs(book: RiskBook, j: number, s: number, vol: number): OptionInputs {
  const o = book.options;
  return {
    type: (o.sign[j] as number) > 0 ? 'call' : 'put',
    spot: s,
    strike: o.strike[j] as number,
    tYears: o.tYears[j] as number,
    rate: book.market.rate,
    dividendYield: o.dividendYield[j] as number,
    vol,
  };
}

/** Unit price of option leg `j` at spot `s`, the position's own vol. */
export function legPrice(book: RiskBook, j: number, s: number): number {
  const o = book.options;
  if (o.closedForm[j] === 1) {
    const vst = o.volSqrtT[j] as number;
    const d1 = (Math.log(s) - (o.logStrike[j] as number) + (o.drift[j] as number)) / vst;
    const sg = o.sign[j] as number;
    return sg * (s * (o.discQ[j] as number) * normCdf(sg * d1) - (o.discK[j] as number) * normCdf(sg * (d1 - vst)));
  }
  const p = o.positions[j] as Position;
  return optionPrice(legInputs(book, j, s, o.vol[j] as number), p.style);
}

/** Value of the book (currency) at the spots `spots` (indexed like `book.tickers`). */
export function bookValue(book: RiskBook, spots: Float64Array): number {
  let v = 0;
  for (let u = 0; u < book.tickers.length; u++) v += (book.shares[u] as number) * (spots[u] as number);
  const o = book.options;
  for (let j = 0; j < o.count; j++) v += (o.units[j] as number) * legPrice(book, j, spots[o.underlying[j] as number] as number);
  return v;
}

/**
 * Losses of the book in `nScen` scenarios. Scenario s moves underlying u from `baseSpots[u]` to
 * `baseSpots[u] × factors[s·nU + u]` (a scenario × underlying matrix, row-major). The loss is
 * value at the base spots − value in the scenario (positive = loss), both from this same kernel so
 * that a zero shock gives exactly zero.
 *
 * The loop runs position-outer, scenario-inner: a position's constants stay in registers and
 * ln(S) is split as ln(base) + ln(factor), with ln(factor) computed once per scenario and underlying.
 */
export function scenarioLosses(
  book: RiskBook,
  baseSpots: Float64Array,
  factors: Float64Array,
  nScen: number,
  out: Float64Array = new Float64Array(nScen),
): Float64Array {
  const nU = book.tickers.length;
  if (factors.length < nScen * nU) throw new Error(`factors has ${factors.length} entries, expected ${nScen * nU}`);
  out.fill(0, 0, nScen);
  // Linear part: shares × base × (1 − factor).
  for (let u = 0; u < nU; u++) {
    const exposure = (book.shares[u] as number) * (baseSpots[u] as number);
    if (exposure === 0) continue;
    for (let s = 0; s < nScen; s++) out[s] = (out[s] as number) + exposure * (1 - (factors[s * nU + u] as number));
  }
  const o = book.options;
  if (o.count === 0) return out;
  const logFactors = new Float64Array(nScen * nU);
  for (let k = 0; k < nScen * nU; k++) logFactors[k] = Math.log(factors[k] as number);
  for (let j = 0; j < o.count; j++) {
    const u = o.underlying[j] as number;
    const units = o.units[j] as number;
    const s0 = baseSpots[u] as number;
    const base = legPrice(book, j, s0);
    if (o.closedForm[j] !== 1) {
      for (let s = 0; s < nScen; s++) {
        out[s] = (out[s] as number) + units * (base - legPrice(book, j, s0 * (factors[s * nU + u] as number)));
      }
      continue;
    }
    const vst = o.volSqrtT[j] as number;
    const sg = o.sign[j] as number;
    const sdq = s0 * (o.discQ[j] as number);
    const dk = o.discK[j] as number;
    const d1Base = Math.log(s0) - (o.logStrike[j] as number) + (o.drift[j] as number);
    for (let s = 0; s < nScen; s++) {
      const idx = s * nU + u;
      const d1 = (d1Base + (logFactors[idx] as number)) / vst;
      const price = sg * (sdq * (factors[idx] as number) * normCdf(sg * d1) - dk * normCdf(sg * (d1 - vst)));
      out[s] = (out[s] as number) + units * (base - price);
    }
  }
  return out;
}
