/**
 * The pre-trade VaR limit's estimator (limits/var-limit.ts) for the live engine: the same one-day
 * delta-gamma VaR the risk stream shows, from the same kernel (computeRiskBatch), scenario set and
 * confidence as the risk pool, run in the calling thread on one portfolio.
 *
 * Packing is the pool's: packingOrder and legFlagsOf (realtime-batch.ts), which the leg store
 * uses too, so the loss sums run in the same order and a portfolio valued at the same instant gets
 * a bit-identical VaR.
 *
 * Time to expiry: the engine's one convention (market/time-to-expiry.ts), from the market's
 * valuationMs, which the actor sets to the engine clock's now: the instant the pool values the same
 * holdings at, so the estimate is the figure the stream would show for the holdings at that instant.
 */
import type { VarEstimator } from '../limits/types.js';
import { expiryInstantMs, yearsToExpiry } from '../market/time-to-expiry.js';
import type { MarketSnapshot, Position } from '../portfolio/types.js';
import { legFlagsOf, packingOrder } from './realtime-batch.js';
import {
  checkScenarioSet, computeRiskBatch, DEFAULT_REALTIME_RISK_CONFIG, meanReturns, PORTFOLIO_OUT,
  outputLength, type RealtimeRiskConfig, RiskBatchScratch, type ScenarioSet,
} from './realtime-risk.js';

export const realtimeVarEstimatorErrors = {
  badConfidence: (c: number) => new RangeError(`realtime VaR estimator: varConfidence ${c} is not a probability strictly between 0 and 1`),
} as const;

/** Typed arrays of one packed portfolio, grown to the largest portfolio seen and reused. */
class PackScratch {
  groupUnderlying = new Int32Array(0); groupSpot = new Float64Array(0); legStart = new Int32Array(1);
  legFlags = new Uint8Array(0); strike = new Float64Array(0); tYears = new Float64Array(0);
  vol = new Float64Array(0); dividendYield = new Float64Array(0); units = new Float64Array(0);
  legCount = new Int32Array(0); cursor = new Int32Array(0); legAt = new Int32Array(0);
  out = new Float64Array(outputLength(1, 0));
  readonly groupStart = new Int32Array(2);
  readonly rate = new Float64Array(1);
  /** No SPAN grid: the estimator wants VaR only. */
  readonly withMargin = new Uint8Array(1);

  fit(nLegs: number): void {
    if (this.units.length >= nLegs) return;
    const n = Math.max(nLegs, 2 * this.units.length, 8);
    // At most one group per leg, so sizing groups by legs is always enough.
    this.groupUnderlying = new Int32Array(n); this.groupSpot = new Float64Array(n); this.legStart = new Int32Array(n + 1);
    this.legFlags = new Uint8Array(n); this.strike = new Float64Array(n); this.tYears = new Float64Array(n);
    this.vol = new Float64Array(n); this.dividendYield = new Float64Array(n); this.units = new Float64Array(n);
    this.legCount = new Int32Array(n); this.cursor = new Int32Array(n); this.legAt = new Int32Array(n);
    this.out = new Float64Array(outputLength(1, n));
  }
}

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
  const sc: ScenarioSet = scenarios.fallbackReturns ? scenarios : { ...scenarios, fallbackReturns: meanReturns(scenarios) };
  const column = new Map(sc.underlyings.map((u, i) => [u, i]));
  const config: RealtimeRiskConfig = { ...DEFAULT_REALTIME_RISK_CONFIG, varConfidence };
  const b = new PackScratch();
  const kernelScratch = new RiskBatchScratch();
  const groupNames: string[] = [];

  return (positions: readonly Position[], market: MarketSnapshot): number => {
    const nL = positions.length;
    b.fit(nL);
    const nowMs = market.valuationMs;
    packingOrder(positions, groupNames, b.legCount, b.cursor, b.legAt);
    const nS = groupNames.length;
    for (let k = 0, at = 0; k < nS; k++) {
      const u = groupNames[k] as string;
      const spot = market.spots.get(u);
      if (spot === undefined) return NaN;
      b.groupUnderlying[k] = column.get(u) ?? -1;
      b.groupSpot[k] = spot;
      b.legStart[k] = at;
      at += b.legCount[k] as number;
    }
    b.legStart[nS] = nL;
    for (let i = 0; i < nL; i++) {
      const p = positions[i] as Position;
      const j = b.legAt[i] as number;
      const ins = p.instrument;
      let strike = 1, vol = 0, t = 0; // an underlying leg: harmless pricer inputs
      if (ins.kind === 'option') {
        if (!(p.vol !== undefined && p.vol >= 0)) return NaN;
        strike = ins.strike;
        vol = p.vol;
        t = yearsToExpiry(nowMs, expiryInstantMs(ins.expiry)); // a date that is not one lands on 0, as in the pool
      }
      b.legFlags[j] = legFlagsOf(ins, p.style);
      b.units[j] = p.qty * p.multiplier;
      b.dividendYield[j] = p.dividendYield;
      b.strike[j] = strike;
      b.vol[j] = vol;
      b.tYears[j] = t;
    }
    b.groupStart[1] = nS;
    b.rate[0] = market.rate;
    computeRiskBatch(
      {
        nPortfolios: 1, nGroups: nS, nLegs: nL, groupStart: b.groupStart, rate: b.rate, withMargin: b.withMargin,
        groupUnderlying: b.groupUnderlying, groupSpot: b.groupSpot, legStart: b.legStart, legFlags: b.legFlags,
        strike: b.strike, tYears: b.tYears, vol: b.vol, dividendYield: b.dividendYield, units: b.units,
      },
      sc, b.out, config, undefined, kernelScratch,
    );
    return b.out[PORTFOLIO_OUT.var] as number;
  };
}
