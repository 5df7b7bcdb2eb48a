/**
 * The shape of a batch the real-time kernel values (realtime-risk.ts, realtime-span.ts) and its
 * configuration. Batch hierarchy, all ranges contiguous:
 *   portfolio p → slots [slotStart[p], slotStart[p+1])   one slot per distinct underlying it holds
 *   slot k      → legs  [legStart[k], legStart[k+1])     its positions on that underlying
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
 * within a group. Every packer uses it (the pool's shared book, the pre-trade VaR estimator), so
 * loss sums run in one order and a portfolio gets a bit-identical VaR from each.
 * Fills `slotNames` (cleared first), `legCount[k]` (legs of slot k) and `legAt[i]` (packed index
 * of position i); `legCount`, `cursor` (scratch) and `legAt` need room for positions.length entries.
 */
export function packingOrder(
  positions: readonly { readonly instrument: Instrument }[], slotNames: string[], legCount: Int32Array, cursor: Int32Array, legAt: Int32Array,
): void {
  const n = positions.length;
  slotNames.length = 0;
  for (let i = 0; i < n; i++) {
    const u = underlyingOf((positions[i] as { instrument: Instrument }).instrument);
    let k = slotNames.indexOf(u);
    if (k < 0) k = slotNames.push(u) - 1;
    legAt[i] = k; // the slot for now
  }
  const nS = slotNames.length;
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
  readonly nSlots: number;
  readonly nLegs: number;
  /** Per portfolio, length nPortfolios + 1. */
  readonly slotStart: Int32Array;
  /** Per portfolio: continuous risk-free rate. */
  readonly rate: Float64Array;
  /** Per portfolio: 1 = also run the SPAN grid. */
  readonly withMargin: Uint8Array;
  /** Per slot: column in ScenarioSet.underlyings, or −1 for an unknown underlying. */
  readonly slotUnderlying: Int32Array;
  /** Per slot: spot of the underlying. */
  readonly slotSpot: Float64Array;
  /** Per slot, length nSlots + 1. */
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
   * Per portfolio, optional: its tail floor (OUT.tailFloor) from the previous recalculation, which
   * speeds up the tail selection; any value (NaN, stale, wrong) gives the same figures.
   */
  readonly tailHint?: Float64Array;
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
