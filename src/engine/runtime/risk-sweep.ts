/**
 * The second seam between the runtime and the risk pool (the first is risk-calculator.ts): instead
 * of handing batches over, the engine keeps every book and the market in memory shared with the
 * pool's workers, which sweep the books whose underlyings moved and publish figures in place
 * (workers/risk-pool/sweep-*.ts). The engine's side is sweep-driver.ts; this file is the contract.
 */
import type { Holding } from '../actors/types.js';
import type { RecalcOutput } from './risk-calculator.js';

/** A book's newest whole figures, copied out of shared memory (safe to keep). */
export interface SweepFigures {
  readonly output: RecalcOutput;
  /** Results of this book so far: a later read of newer figures has a larger count. */
  readonly results: number;
  /** Newest tick ts among the spots they were valued at. */
  readonly tickTs: number;
  /** Valuation instant (engine clock ms). */
  readonly valuedMs: number;
  /** The newest margin of the book and its valuation instant (−Infinity: none yet). */
  readonly margin: number;
  readonly marginMs: number;
}

export interface RiskSweep {
  /** A slot for a new book (none of its figures until setBook). Throws RISK_SWEEP_FULL past capacity. */
  addBook(portfolioId: string): number;
  /** The book's legs (written again only when `holdings` is another array) and a revaluation at or after `nowMs`. */
  setBook(slot: number, holdings: readonly Holding[], rate: number, nowMs: number): void;
  /** A tick: the spot, its ts and the valuation clock. Allocates nothing. */
  setSpot(symbol: string, price: number, ts: number, nowMs: number): void;
  /** Moves the valuation clock without a tick. */
  setNow(nowMs: number): void;
  /** Adds watchers of a book (negative: removes): a watched book's new figures are delivered. */
  watch(slot: number, delta: number): void;
  /** The same for every book (a wildcard subscription). */
  watchAll(delta: number): void;
  /** Results of the book so far (cheap; compare with the count of the figures last read). */
  results(slot: number): number;
  /** The newest whole figures, or undefined before the first (or, rarely, while they are rewritten twice during the read). */
  read(slot: number): SweepFigures | undefined;
  /** Valuations the kernel refused for this book so far (bad inputs). */
  failures(slot: number): number;
  /** Starts delivery: `onWatched(slot)` on the event loop for watched books with new figures. */
  start(onWatched: (slot: number) => void): void;
  /** Books valued so far, by every worker. */
  readonly recalculations: number;
  /** Valuations refused so far. */
  readonly failed: number;
  /** Stops the workers' sweep (the pool's close() also does). Safe to call twice. */
  close(): Promise<void>;
}
