/**
 * How the engine keeps figures fresh, seen from the engine: told of ticks, stale and changed
 * portfolios, subscriptions and reads. Two drivers: recalc-pump.ts hands batches to any
 * RiskCalculator; sweep-driver.ts keeps books in memory shared with the risk pool's workers
 * (risk-sweep.ts), where the event loop does no work per recalculation.
 */
import type { PortfolioCell } from './portfolio-cell.js';

export interface RiskDriver {
  /** A tick was applied (before its holders are told). */
  applied(symbol: string, price: number, ts: number): void;
  /** One of the cell's underlyings moved. */
  stale(cell: PortfolioCell): void;
  /** Every holder of a tick was told. */
  routed(): void;
  /** The cell's holdings or limits changed: a risk update follows. */
  changed(cell: PortfolioCell): void;
  /** The cell's portfolio left this engine (its partition moved): value it no more. */
  forget(cell: PortfolioCell): void;
  /** The cell's risk is about to be read: bring in its newest figures. */
  pull(cell: PortfolioCell): void;
  /** Risk subscribers of a portfolio came (+1) or went (−1); `*` is every portfolio. */
  watch(portfolioId: string, delta: 1 | -1): void;
  /** Results handed to the engine (the pump) or valued by the workers (the sweep). */
  readonly recalculations: number;
  /** Requests merged into one already queued (the pump; the sweep merges by construction and counts none). */
  readonly coalesced: number;
  /** Stops dispatching; results still in flight are dropped. */
  close(): void;
}
