/**
 * Historical scenarios from aligned price histories.
 *
 * Scenario i (one per end day, `window` of them) is the simple return of every underlying over the
 * same dates: r_i = P_i / P_{i−h} − 1 for the h-day horizon (h = 1: each day against the previous
 * close). For h > 1 the h-day returns overlap; there are still `window` scenarios, ending on the
 * last `window` days up to `endIndex`, so `window + h` prices are needed.
 */
import type { AlignedHistories } from '../market/price-history.js';
import { type RiskResult, riskErrors } from './errors.js';

export interface ReturnScenarios {
  /** Underlyings, the column order of `returns`. */
  readonly tickers: readonly string[];
  /** Scenario × underlying simple returns, row-major (`returns[s·nU + u]`). */
  readonly returns: Float64Array;
  readonly count: number;
  /** End date of each scenario's return. */
  readonly endDates: string[];
}

/** Rows of each ticker's aligned prices, or the tickers that have none. */
export function historyColumns(aligned: AlignedHistories, tickers: readonly string[]): RiskResult<Float64Array[]> {
  const missing = tickers.filter((t) => !aligned.prices.has(t));
  if (missing.length > 0) return riskErrors.missingHistory(missing);
  return { ok: true, value: tickers.map((t) => aligned.prices.get(t) as Float64Array) };
}

/**
 * `window` scenarios of h-day simple returns ending at `endIndex` (default: the last aligned date,
 * i.e. asOf).
 */
export function historicalReturnScenarios(
  aligned: AlignedHistories,
  tickers: readonly string[],
  window: number,
  horizonDays = 1,
  endIndex = aligned.dates.length - 1,
): RiskResult<ReturnScenarios> {
  if (!Number.isInteger(window) || window < 1) return riskErrors.badWindow(window);
  if (!Number.isInteger(horizonDays) || horizonDays < 1) return riskErrors.badHorizon(horizonDays);
  const cols = historyColumns(aligned, tickers);
  if (!cols.ok) return cols;
  const needed = window + horizonDays;
  const available = endIndex + 1;
  if (available < needed) {
    return riskErrors.insufficientHistory(needed, available, `${window} scenarios of ${horizonDays}-day returns`);
  }
  const nU = tickers.length;
  const returns = new Float64Array(window * nU);
  const endDates: string[] = [];
  const first = endIndex - window + 1;
  for (let s = 0; s < window; s++) {
    const i = first + s;
    endDates.push(aligned.dates[i] as string);
    for (let u = 0; u < nU; u++) {
      const p = cols.value[u] as Float64Array;
      returns[s * nU + u] = (p[i] as number) / (p[i - horizonDays] as number) - 1;
    }
  }
  return { ok: true, value: { tickers, returns, count: window, endDates } };
}

/** Spot factors 1 + r of a return matrix, the input of the full-revaluation kernel. */
export function growthFactors(returns: Float64Array): Float64Array {
  const f = new Float64Array(returns.length);
  for (let k = 0; k < returns.length; k++) f[k] = 1 + (returns[k] as number);
  return f;
}
