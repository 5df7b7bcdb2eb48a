/**
 * Historical-simulation VaR of one book held fixed, day after day: the VaR history a daily report
 * charts, the 60-day averages of the capital charge, and the stressed VaR's search for the worst
 * year of the history. Same conventions as var-historical.ts and backtest.ts (full revaluation, an
 * instantaneous shock, time to expiry and vols those of market.valuationMs); the tails come from
 * tail-risk.ts, so a figure here equals the one the engine's other VaR functions give.
 *
 * Price levels: as in backtest.ts, each history is rescaled so that its last price equals the
 * book's spot, so that the last day values exactly like today's book.
 */
import type { AlignedHistories } from '../market/price-history.js';
import { type RiskResult, riskErrors } from './errors.js';
import { isConfidence } from './compute-var.js';
import { historyColumns } from './return-scenarios.js';
import { type RiskBook, scenarioLosses } from './risk-book.js';
import { empiricalVar, tailRisk } from './tail-risk.js';

export interface SeriesSpec {
  /** Daily returns behind each day's VaR. */
  readonly window: number;
  readonly confidence: number;
  readonly esConfidence: number;
}

/** VaR and ES (1-day, positive = loss) as of each of `dates`. */
export interface VarSeries {
  readonly dates: string[];
  readonly var: Float64Array;
  readonly es: Float64Array;
}

/** The worst `window` consecutive daily returns of a history for a book: its stressed period. */
export interface StressedWindow {
  /** End dates of the first and last return of the window. */
  readonly firstReturnDate: string;
  readonly lastReturnDate: string;
  /** Index in the aligned dates of the last return's end. */
  readonly endIndex: number;
  /** 1-day VaR of the book at today's spots under the window's returns. */
  readonly var: number;
  /** How many windows were searched. */
  readonly windowsSearched: number;
}

function checkSpec(spec: SeriesSpec): ReturnType<typeof riskErrors.badWindow> | undefined {
  if (!isConfidence(spec.confidence)) return riskErrors.badConfidence('confidence', spec.confidence);
  if (!isConfidence(spec.esConfidence)) return riskErrors.badConfidence('esConfidence', spec.esConfidence);
  if (!Number.isInteger(spec.window) || spec.window < 2) return riskErrors.badWindow(spec.window);
  return undefined;
}

/** Prices of each underlying of the book rescaled so that the last one is the book's spot: level(u, i). */
export function rescaledLevels(book: RiskBook, histories: AlignedHistories): RiskResult<(u: number, i: number) => number> {
  const cols = historyColumns(histories, book.tickers);
  if (!cols.ok) return cols;
  const n = histories.dates.length;
  if (n === 0) return riskErrors.insufficientHistory(1, 0, 'rescaling the histories to the spots');
  const c = cols.value;
  const scale = book.tickers.map((_, u) => (book.spots[u] as number) / ((c[u] as Float64Array)[n - 1] as number));
  return { ok: true, value: (u, i) => ((c[u] as Float64Array)[i] as number) * (scale[u] as number) };
}

/**
 * VaR and ES as of each aligned date index in [first, last]: the `window` daily returns ending at d
 * applied to the (rescaled) prices of d. Needs first ≥ window (a return ending at i needs price i−1).
 */
export function historicalVarSeries(book: RiskBook, histories: AlignedHistories, spec: SeriesSpec, first: number, last: number): RiskResult<VarSeries> {
  const bad = checkSpec(spec);
  if (bad) return bad;
  const { window } = spec;
  const n = histories.dates.length;
  if (!(Number.isInteger(first) && Number.isInteger(last) && first <= last && last < n)) {
    return riskErrors.badScenarios(`series indices [${first}, ${last}] are not within the ${n} aligned dates`);
  }
  if (first < window) return riskErrors.insufficientHistory(last - first + window + 2, n, `a ${last - first + 1}-day VaR series with a ${window}-day window`);
  const levels = rescaledLevels(book, histories);
  if (!levels.ok) return levels;
  const cols = historyColumns(histories, book.tickers);
  if (!cols.ok) return cols;
  const factors = new Float64Array(window * book.tickers.length);
  // Each day's own window: the returns ending at d.
  return { ok: true, value: tailSeries(book, histories, levels.value, spec, first, last, (d) => windowFactors(cols.value, d, window, factors)) };
}

/** The price relatives of the `window` returns ending at date index `end` (i = end−window+1 .. end), scenario-major, into `out`. */
function windowFactors(cols: readonly Float64Array[], end: number, window: number, out: Float64Array): Float64Array {
  const nU = cols.length;
  for (let s = 0; s < window; s++) {
    const i = end - window + 1 + s;
    for (let u = 0; u < nU; u++) {
      const p = cols[u] as Float64Array;
      out[s * nU + u] = (p[i] as number) / (p[i - 1] as number);
    }
  }
  return out;
}

/** VaR and ES of the book at each date index in [first, last], valued at that day's levels under the scenarios `factorsOf(d)`. */
function tailSeries(
  book: RiskBook, histories: AlignedHistories, level: (u: number, d: number) => number, spec: SeriesSpec, first: number, last: number,
  factorsOf: (d: number) => Float64Array,
): VarSeries {
  const nU = book.tickers.length;
  const losses = new Float64Array(spec.window);
  const out = { dates: [] as string[], var: new Float64Array(last - first + 1), es: new Float64Array(last - first + 1) };
  for (let d = first; d <= last; d++) {
    const base = Float64Array.from({ length: nU }, (_, u) => level(u, d));
    scenarioLosses(book, base, factorsOf(d), spec.window, losses);
    const t = tailRisk(losses, spec.confidence, spec.esConfidence);
    out.dates.push(histories.dates[d] as string);
    out.var[d - first] = t.var;
    out.es[d - first] = t.es;
  }
  return out;
}

/**
 * The stressed period: of every `window` consecutive daily returns of the history, the one whose
 * returns, applied to today's spots, give the book its largest VaR at `confidence`. Each day's
 * loss at today's spots does not depend on the window it falls in, so the losses are computed once
 * and each window's VaR is an order statistic of a slice. Ties keep the earliest window.
 */
export function stressedWindow(book: RiskBook, histories: AlignedHistories, window: number, confidence: number): RiskResult<StressedWindow> {
  if (!isConfidence(confidence)) return riskErrors.badConfidence('confidence', confidence);
  if (!Number.isInteger(window) || window < 2) return riskErrors.badWindow(window);
  const cols = historyColumns(histories, book.tickers);
  if (!cols.ok) return cols;
  const n = histories.dates.length;
  if (n < window + 1) return riskErrors.insufficientHistory(window + 1, n, `a stressed window of ${window} returns`);
  const nU = book.tickers.length;
  const returns = n - 1;
  const factors = new Float64Array(returns * nU);
  for (let j = 0; j < returns; j++) {
    for (let u = 0; u < nU; u++) {
      const p = cols.value[u] as Float64Array;
      factors[j * nU + u] = (p[j + 1] as number) / (p[j] as number);
    }
  }
  // losses[j]: the return ending at date j+1 applied to today's spots.
  const losses = scenarioLosses(book, book.spots, factors, returns);
  let best = -Infinity, bestEnd = -1;
  for (let e = window; e < n; e++) {
    const v = empiricalVar(losses.subarray(e - window, e), confidence);
    if (v > best) { best = v; bestEnd = e; }
  }
  return {
    ok: true,
    value: {
      firstReturnDate: histories.dates[bestEnd - window + 1] as string,
      lastReturnDate: histories.dates[bestEnd] as string,
      endIndex: bestEnd,
      var: best,
      windowsSearched: n - window,
    },
  };
}

/**
 * VaR as of each aligned date index in [first, last] under one fixed set of returns (the stressed
 * window ending at `windowEnd`) applied to the (rescaled) prices of each day: the stressed VaR's
 * daily series for its 60-day average.
 */
export function fixedWindowVarSeries(
  book: RiskBook,
  histories: AlignedHistories,
  spec: SeriesSpec,
  windowEnd: number,
  first: number,
  last: number,
): RiskResult<VarSeries> {
  const bad = checkSpec(spec);
  if (bad) return bad;
  const { window } = spec;
  const n = histories.dates.length;
  if (!(first <= last && first >= 0 && last < n && windowEnd >= window && windowEnd < n)) {
    return riskErrors.badScenarios(`indices first ${first}, last ${last}, windowEnd ${windowEnd} do not fit ${n} aligned dates and a ${window}-day window`);
  }
  const levels = rescaledLevels(book, histories);
  if (!levels.ok) return levels;
  const cols = historyColumns(histories, book.tickers);
  if (!cols.ok) return cols;
  // One fixed window for every day: the stressed returns.
  const factors = windowFactors(cols.value, windowEnd, window, new Float64Array(window * book.tickers.length));
  return { ok: true, value: tailSeries(book, histories, levels.value, spec, first, last, () => factors) };
}
