/**
 * Historical-simulation VaR and ES by full revaluation.
 *
 * Each of the `window` scenarios applies the historical h-day simple returns of all underlyings
 * jointly (same dates) to today's spots and reprices every option with the pricer. It is an
 * instantaneous shock: time to expiry, vols, rates and dividend yields stay those of market.valuationMs, so
 * theta does not enter and the scenarios measure only the price move.
 */
import type { AlignedHistories } from '../market/price-history.js';
import type { RiskResult } from './errors.js';
import { historicalReturnScenarios, growthFactors } from './return-scenarios.js';
import { type RiskBook, scenarioLosses } from './risk-book.js';
import { tailRisk } from './tail-risk.js';
import type { TailFigures, VarSpec } from './var-types.js';

/** Scenario losses of the book under the historical returns (for tests and reports). */
export function historicalLosses(
  book: RiskBook,
  aligned: AlignedHistories,
  window: number,
  horizonDays: number,
): RiskResult<Float64Array> {
  const sc = historicalReturnScenarios(aligned, book.tickers, window, horizonDays);
  if (!sc.ok) return sc;
  return { ok: true, value: scenarioLosses(book, book.spots, growthFactors(sc.value.returns), sc.value.count) };
}

export function historicalVar(book: RiskBook, aligned: AlignedHistories, spec: VarSpec): RiskResult<TailFigures> {
  const { window, horizonDays, confidence, esConfidence } = spec;
  const losses = historicalLosses(book, aligned, window, horizonDays);
  if (!losses.ok) return losses;
  return { ok: true, value: { ...tailRisk(losses.value, confidence, esConfidence), scenarios: window } };
}
