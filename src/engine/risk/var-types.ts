/**
 * Input and output of a VaR / ES request (see docs/RISK-METHODS.md for every convention).
 *
 * - Losses are positive amounts of currency; `var` and `es` are losses over `horizonDays`.
 * - `confidence` is the VaR confidence (0.95, 0.99, …), `esConfidence` the ES one (0.975 per FRTB).
 * - `window` is the number of daily observations behind the method (historical scenarios, or the
 *   returns a covariance is estimated from). `scenarios` in the result is the number of scenarios or
 *   Monte Carlo paths the tail was taken from (for parametric methods: the window).
 */
import type { AlignedHistories } from '../market/price-history.js';
import type { MarketSnapshot, Position } from '../portfolio/types.js';

export type VarMethod = 'historical' | 'dgv' | 'parametric' | 'montecarlo';
export type ParametricKind = 'delta-normal' | 'delta-gamma';

/** What every method's tail is taken over and at (checked once by validateVarParams). */
export interface VarSpec {
  readonly confidence: number;
  readonly esConfidence: number;
  readonly window: number;
  readonly horizonDays: number;
}

/** A method's tail: VaR, ES and how many scenarios or paths it was taken from. */
export interface TailFigures {
  readonly var: number;
  readonly es: number;
  readonly scenarios: number;
}

export interface VarInput extends VarSpec {
  readonly positions: readonly Position[];
  readonly market: MarketSnapshot;
  /** Aligned histories whose last date is market.asOf (alignHistories). */
  readonly histories: AlignedHistories;
  readonly method: VarMethod;
  /** Monte Carlo seed; default 1 so that an unseeded request is still reproducible. */
  readonly seed?: number;
  /** Monte Carlo paths; default 10,000. */
  readonly paths?: number;
  /** Parametric flavour; default 'delta-normal'. */
  readonly parametricKind?: ParametricKind;
  /**
   * dgv only: absolute implied-vol changes (1.00 = 100 vol points) per underlying, one per scenario,
   * aligned with the price scenarios. Underlyings without an entry get a zero vol change.
   */
  readonly volChanges?: ReadonlyMap<string, Float64Array>;
}

export interface VarResult extends VarSpec, TailFigures {
  readonly method: VarMethod;
}

export const DEFAULT_MC_PATHS = 10_000;
export const DEFAULT_MC_SEED = 1;
