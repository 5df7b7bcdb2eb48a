/**
 * The shape of a batch the real-time kernel values (realtime-risk.ts, realtime-span.ts) and its
 * configuration. Batch hierarchy, all ranges contiguous:
 *   portfolio p → slots [slotStart[p], slotStart[p+1])   one slot per distinct underlying it holds
 *   slot k      → legs  [legStart[k], legStart[k+1])     its positions on that underlying
 */
import { DEFAULT_SPAN_PARAMS } from '../margin/span-grid.js';

/** Leg flags (`legFlags`). */
export const LEG_CALL = 1;
export const LEG_OPTION = 2;
export const LEG_AMERICAN = 4;

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
  /** Actual/365, floored at 0. */
  readonly tYears: Float64Array;
  readonly vol: Float64Array;
  readonly dividendYield: Float64Array;
  /** qty × multiplier. */
  readonly units: Float64Array;
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

export const DEFAULT_REALTIME_RISK_CONFIG: RealtimeRiskConfig = Object.freeze({
  varConfidence: 0.99,
  esConfidence: 0.975,
  scanRange: DEFAULT_SPAN_PARAMS.scanRange,
  volShift: DEFAULT_SPAN_PARAMS.volShift,
});
