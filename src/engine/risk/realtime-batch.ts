/**
 * The shape of a batch the real-time kernel values (realtime-risk.ts, realtime-span.ts) and its
 * configuration. Batch hierarchy, all ranges contiguous:
 *   portfolio p → groups [groupStart[p], groupStart[p+1])   one group per distinct underlying it holds
 *   group k      → legs  [legStart[k], legStart[k+1])     its positions on that underlying
 */
import { DEFAULT_SPAN_PARAMS } from '../margin/span-grid.js';
import { type Instrument, underlyingOf } from '../portfolio/types.js';
import type { ExerciseStyle } from '../pricing/types.js';

/** Leg flags (`legFlags`). */
export const LEG_CALL = 1;
export const LEG_OPTION = 2;
export const LEG_AMERICAN = 4;

/** LEG_* bits of a position (0 for an underlying: the kernel then ignores its option inputs). */
export function legFlagsOf(instrument: Instrument, style: ExerciseStyle): number {
  if (instrument.kind !== 'option') return 0;
  return LEG_OPTION | (instrument.type === 'call' ? LEG_CALL : 0) | (style === 'american' ? LEG_AMERICAN : 0);
}

/**
 * The packing order of the kernel's legs: grouped by underlying in first-seen order, position order
 * within a group. Every packer uses it (the pool's leg store, the pre-trade VaR estimator), so
 * loss sums run in one order and a portfolio gets a bit-identical VaR from each.
 * Fills `groupNames` (cleared first), `legCount[k]` (legs of group k) and `legAt[i]` (packed index
 * of position i); `legCount`, `cursor` (scratch) and `legAt` need room for positions.length entries.
 */
export function packingOrder(
  positions: readonly { readonly instrument: Instrument }[], groupNames: string[], legCount: Int32Array, cursor: Int32Array, legAt: Int32Array,
): void {
  const n = positions.length;
  groupNames.length = 0;
  for (let i = 0; i < n; i++) {
    const u = underlyingOf((positions[i] as { instrument: Instrument }).instrument);
    let k = groupNames.indexOf(u);
    if (k < 0) k = groupNames.push(u) - 1;
    legAt[i] = k; // the group for now
  }
  const nS = groupNames.length;
  legCount.fill(0, 0, nS);
  for (let i = 0; i < n; i++) legCount[legAt[i] as number]! += 1;
  let at = 0;
  for (let k = 0; k < nS; k++) {
    cursor[k] = at;
    at += legCount[k] as number;
  }
  for (let i = 0; i < n; i++) {
    const k = legAt[i] as number;
    legAt[i] = cursor[k] as number;
    cursor[k] = (cursor[k] as number) + 1;
  }
}

/** A batch of portfolios as typed arrays (see the file comment for the hierarchy). */
export interface PackedBatch {
  readonly nPortfolios: number;
  readonly nGroups: number;
  readonly nLegs: number;
  /** Per portfolio, length nPortfolios + 1. */
  readonly groupStart: Int32Array;
  /** Per portfolio: continuous risk-free rate. */
  readonly rate: Float64Array;
  /** Per portfolio: 1 = also run the SPAN grid. */
  readonly withMargin: Uint8Array;
  /** Per group: column in ScenarioSet.underlyings, or −1 for an unknown underlying. */
  readonly groupUnderlying: Int32Array;
  /** Per group: spot of the underlying. */
  readonly groupSpot: Float64Array;
  /** Per group, length nGroups + 1. */
  readonly legStart: Int32Array;
  /** Per leg: LEG_* bits. */
  readonly legFlags: Uint8Array;
  readonly strike: Float64Array;
  /** Time to expiry, years, by market/time-to-expiry.ts (Actual/365 from the valuation instant, floored at 0). */
  readonly tYears: Float64Array;
  readonly vol: Float64Array;
  readonly dividendYield: Float64Array;
  /** qty × multiplier. */
  readonly units: Float64Array;
  /**
   * Per portfolio, optional: its tail floor (PORTFOLIO_OUT.tailFloor) from the previous recalculation, which
   * speeds up the tail selection; any value (NaN, stale, wrong) gives the same figures.
   */
  readonly tailHint?: Float64Array;
  /**
   * Optional: where each portfolio keeps its loss state between recalculations, and which of its
   * groups to value this time (the rest keep their stored figures). See RiskState.
   */
  readonly state?: RiskState;
}

/**
 * Loss state kept per portfolio across recalculations (the risk pool keeps it in each record of its
 * leg store), so that a tick on one underlying revalues only that underlying's group: layout by
 * riskStateLayout (realtime-risk.ts): the spot each group was valued at, its figures (GROUP_OUT), and
 * the portfolio's scenario losses (the sum of the groups' loss vectors; a group's vector is not
 * stored: it is a function of its dollar Greeks, which are).
 *
 * - A portfolio with at[p] = −1 has no state: the kernel values it as without one.
 * - incremental[p] = 0: the kernel values every group and rewrites the whole state (a full pass).
 * - incremental[p] = 1: the state holds this portfolio valued at the same instant (tYears), rate
 *   and legs; the kernel values only its groups with moved[k] = 1 (the batch may leave out the legs
 *   of the others: they are not read), moves the sum by the difference between their new and
 *   old loss vectors. Its other groups' figures come from the state.
 */
export interface RiskState {
  /** The memory holding the states (the leg store's Float64 view). */
  readonly mem: Float64Array;
  /** Per portfolio: Float64 index in `mem` of its state, or −1 for none. */
  readonly at: Int32Array;
  /** Per portfolio: 1 = update the state from the moved groups, 0 = value every group. */
  readonly incremental: Uint8Array;
  /** Per group of the batch: 1 = value it (read only for portfolios with incremental = 1). */
  readonly moved: Uint8Array;
}

export interface RealtimeRiskConfig {
  readonly varConfidence: number;
  readonly esConfidence: number;
  /** SPAN scan range and vol shift for every underlying (defaults of span-grid.ts)… */
  readonly scanRange: number;
  readonly volShift: number;
  /** …or per scenario column (index −1, unknown, uses the scalars). */
  readonly scanRangeByUnderlying?: Float64Array;
  readonly volShiftByUnderlying?: Float64Array;
}

/** VaR at 95% (VAR_CONFIDENCE_LEVEL's default), ES at 97.5% (FRTB's), SPAN as span-grid.ts. */
export const DEFAULT_REALTIME_RISK_CONFIG: RealtimeRiskConfig = Object.freeze({
  varConfidence: 0.95,
  esConfidence: 0.975,
  scanRange: DEFAULT_SPAN_PARAMS.scanRange,
  volShift: DEFAULT_SPAN_PARAMS.volShift,
});
