/**
 * Scenario sets for the real-time delta-gamma VaR (realtime-risk.ts), underlying-major: price returns only.
 *
 * - From history: the last `window` one-day (or h-day) simple returns of aligned price histories,
 *   the same returns as return-scenarios.ts, transposed so each underlying's scenarios are contiguous.
 * - Synthetic, for simulated underlyings: seeded one-factor Gaussian daily returns
 *     r_su = vol_u (√ρ Z_s + √(1−ρ) ε_su),   Z, ε i.i.d. N(0,1)
 *   so every pair of underlyings has correlation ρ and underlying u has daily stdev vol_u. Simple
 *   returns are normal, not lognormal, and are not clipped at −100% (irrelevant at daily vols of a
 *   few percent).
 * Both fill `fallbackReturns` with the cross-sectional mean (see ScenarioSet).
 */
import type { AlignedHistories } from '../market/price-history.js';
import { type RiskResult, riskErrors } from './errors.js';
import { createRng } from './prng.js';
import { meanReturns, type ScenarioSet } from './realtime-risk.js';
import { historicalReturnScenarios } from './return-scenarios.js';

export const DEFAULT_SCENARIO_COUNT = 500;

export interface HistoricalScenarioOptions {
  /** Scenarios (default 500). */
  readonly window?: number;
  readonly horizonDays?: number;
  /** Last aligned date index to use (default the last, asOf). */
  readonly endIndex?: number;
}

export function scenarioSetFromHistories(
  aligned: AlignedHistories,
  tickers: readonly string[],
  opts: HistoricalScenarioOptions = {},
): RiskResult<ScenarioSet> {
  const r = historicalReturnScenarios(aligned, tickers, opts.window ?? DEFAULT_SCENARIO_COUNT, opts.horizonDays ?? 1, opts.endIndex);
  if (!r.ok) return r;
  const { count: nS, returns: rowMajor } = r.value;
  const nU = tickers.length;
  const returns = new Float64Array(nS * nU);
  for (let s = 0; s < nS; s++) for (let u = 0; u < nU; u++) returns[u * nS + s] = rowMajor[s * nU + u] as number;
  return { ok: true, value: withFallback({ nScenarios: nS, returns, underlyings: [...tickers] }) };
}

export interface SyntheticScenarioOptions {
  readonly underlyings: readonly string[];
  /** Daily return stdev, one for all or one per underlying (e.g. 0.02). */
  readonly dailyVol: number | readonly number[];
  /** One-factor correlation ρ in [0, 1]. */
  readonly correlation: number;
  readonly seed: number;
  readonly nScenarios?: number;
}

export function syntheticScenarioSet(opts: SyntheticScenarioOptions): RiskResult<ScenarioSet> {
  const nS = opts.nScenarios ?? DEFAULT_SCENARIO_COUNT;
  const nU = opts.underlyings.length;
  const rho = opts.correlation;
  if (!(Number.isInteger(nS) && nS >= 2)) return riskErrors.badScenarios(`nScenarios ${nS} is not an integer >= 2`);
  if (!(rho >= 0 && rho <= 1)) return riskErrors.badScenarios(`correlation ${rho} is not in [0, 1]`);
  const vols = typeof opts.dailyVol === 'number' ? new Array<number>(nU).fill(opts.dailyVol) : opts.dailyVol;
  if (vols.length !== nU) return riskErrors.badScenarios(`dailyVol has ${vols.length} entries for ${nU} underlyings`);
  const badVol = vols.findIndex((v) => !(v >= 0 && v < Infinity));
  if (badVol >= 0) return riskErrors.badScenarios(`dailyVol of ${opts.underlyings[badVol]} is ${vols[badVol]}, expected a finite number >= 0`);
  const rng = createRng(opts.seed);
  const a = Math.sqrt(rho), b = Math.sqrt(1 - rho);
  const returns = new Float64Array(nS * nU);
  // Scenario-outer so that the draws of scenario s do not depend on how many scenarios follow.
  for (let s = 0; s < nS; s++) {
    const z = rng.nextNormal();
    for (let u = 0; u < nU; u++) returns[u * nS + s] = (vols[u] as number) * (a * z + b * rng.nextNormal());
  }
  return { ok: true, value: withFallback({ nScenarios: nS, returns, underlyings: [...opts.underlyings] }) };
}

function withFallback(s: ScenarioSet): ScenarioSet {
  return { ...s, fallbackReturns: meanReturns(s) };
}
