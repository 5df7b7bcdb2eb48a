import type { ExerciseStyle } from '../pricing/types.js';
import type { OptionContract } from '../instruments/occ-symbol.js';

/** What a position holds: an underlying (stock, ETF, index) by ticker, or a listed option. */
export type Instrument =
  | { readonly kind: 'underlying'; readonly symbol: string }
  | ({ readonly kind: 'option'; readonly symbol: string } & OptionContract);

export interface Position {
  readonly instrument: Instrument;
  /** Signed quantity: shares for an underlying, contracts for an option; negative is short. */
  readonly qty: number;
  /** Units of the underlying per contract (100 for US equity options, 1 for an underlying). */
  readonly multiplier: number;
  /** Implied volatility used to value an option position. */
  readonly vol?: number;
  /** Continuous dividend yield of the underlying, per year. */
  readonly dividendYield: number;
  /** Exercise style used to value an option position. */
  readonly style: ExerciseStyle;
}

/** The market a portfolio is valued in. */
export interface MarketSnapshot {
  /** Valuation date, ISO `YYYY-MM-DD`: the UTC date of valuationMs. */
  readonly asOf: string;
  /**
   * Valuation instant, epoch ms: option time to expiry runs from here (market/time-to-expiry.ts).
   * The live engine's clock now; the close of asOf (closeOfDateMs) for an end-of-day market.
   */
  readonly valuationMs: number;
  /** Continuously compounded risk-free rate, per year. */
  readonly rate: number;
  /** Last price per underlying ticker. */
  readonly spots: ReadonlyMap<string, number>;
}

/** The underlying ticker a position's risk belongs to. */
export function underlyingOf(instrument: Instrument): string {
  return instrument.kind === 'underlying' ? instrument.symbol : instrument.underlying;
}
