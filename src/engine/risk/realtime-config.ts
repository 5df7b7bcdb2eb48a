/**
 * What every real-time valuer (the risk pool, the in-process calculator, the pre-trade VaR
 * estimator) resolves once, at start, from its options: the kernel's configuration and the scenario
 * set's fallback column. One place, so that all of them hand the kernel the same inputs.
 */
import { type SpanOptions, spanParamsFor } from '../margin/span-grid.js';
import type { RealtimeRiskConfig } from './realtime-batch.js';
import { meanReturns, type ScenarioSet } from './realtime-risk.js';

/** The kernel's configuration: the confidences, and SPAN parameters per scenario column (span-grid.ts semantics). */
export function realtimeRiskConfig(underlyings: readonly string[], varConfidence: number, esConfidence: number, span?: SpanOptions): RealtimeRiskConfig {
  const params = underlyings.map((u) => spanParamsFor(u, span));
  const fallback = spanParamsFor('', { ...span, byUnderlying: {} });
  return {
    varConfidence,
    esConfidence,
    scanRange: fallback.scanRange,
    volShift: fallback.volShift,
    scanRangeByUnderlying: Float64Array.from(params, (x) => x.scanRange),
    volShiftByUnderlying: Float64Array.from(params, (x) => x.volShift),
  };
}

/** The set with its fallback column filled (the cross-sectional mean unless it has one), so the kernel never rebuilds it per batch. */
export function withFallbackReturns(scenarios: ScenarioSet): ScenarioSet & { readonly fallbackReturns: Float64Array } {
  const fallbackReturns = scenarios.fallbackReturns ?? meanReturns(scenarios);
  return { ...scenarios, fallbackReturns };
}
