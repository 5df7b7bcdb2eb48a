/**
 * The pre-trade VaR limit's estimator (limits/var-limit.ts) for the live engine: the same one-day
 * delta-gamma VaR the risk stream shows, from the same kernel (computeRiskBatch), scenario set and
 * confidence as the risk pool, run in the calling thread on one portfolio.
 *
 * Packing is the pool's (realtime-pack.ts packs as the leg store does), so the loss sums run in
 * the same order and a portfolio valued at the same instant gets a bit-identical VaR.
 *
 * Time to expiry: the engine's one convention (market/time-to-expiry.ts), from the market's
 * valuationMs, which the actor sets to the engine clock's now: the instant the pool values the same
 * holdings at, so the estimate is the figure the stream would show for the holdings at that instant.
 */
import type { VarEstimator } from '../limits/types.js';
import type { MarketSnapshot, Position } from '../portfolio/types.js';
import { PositionPacker } from './realtime-pack.js';
import { withFallbackReturns } from './realtime-config.js';
import {
  checkScenarioSet, computeRiskBatch, DEFAULT_REALTIME_RISK_CONFIG, PORTFOLIO_OUT, outputLength, type RealtimeRiskConfig, RiskBatchScratch, type ScenarioSet,
} from './realtime-risk.js';

export const realtimeVarEstimatorErrors = {
  badConfidence: (c: number) => new RangeError(`realtime VaR estimator: varConfidence ${c} is not a probability strictly between 0 and 1`),
} as const;

/**
 * A VarEstimator over `scenarios` at `varConfidence` (pass the pool's). It returns NaN when a
 * position lacks a spot or an option lacks a vol, which checkVarLimit reports as RISK_UNAVAILABLE.
 * Not reentrant: it reuses its scratch arrays, which is safe on the engine's single event loop.
 */
export function realtimeVarEstimator(scenarios: ScenarioSet, varConfidence: number): VarEstimator {
  if (!(varConfidence > 0 && varConfidence < 1)) throw realtimeVarEstimatorErrors.badConfidence(varConfidence);
  checkScenarioSet(scenarios);
  // Resolved once, as the pool does at start; computeRiskBatch would otherwise rebuild the mean
  // column on every call that holds an unknown underlying.
  const sc = withFallbackReturns(scenarios);
  const config: RealtimeRiskConfig = { ...DEFAULT_REALTIME_RISK_CONFIG, varConfidence };
  const packer = new PositionPacker(sc.underlyings);
  const kernelScratch = new RiskBatchScratch();
  let out = new Float64Array(outputLength(1, 8));

  return (positions: readonly Position[], market: MarketSnapshot): number => {
    packer.reset();
    if (!packer.add(positions, market.spots, market.rate, market.valuationMs, false)) return NaN;
    const batch = packer.batch();
    const need = outputLength(1, batch.nGroups);
    if (out.length < need) out = new Float64Array(Math.max(need, 2 * out.length));
    computeRiskBatch(batch, sc, out, config, undefined, kernelScratch);
    return out[PORTFOLIO_OUT.var] as number;
  };
}
