/**
 * The seam between the runtime (main thread) and the risk pool (src/workers): the runtime hands a
 * batch of portfolios to recalculate and gets their figures back. The pool implements it with
 * piscina; the engine never imports worker code. risk/in-process-calculator.ts implements it on
 * the calling thread (tests, tools). Both pass test/contracts/risk-calculator.contract.ts.
 */
import type { Holding } from '../actors/types.js';
import type { GreekTotals, UnderlyingRisk } from '../actors/types.js';
import type { RiskSweep } from './risk-sweep.js';

export interface RecalcInput {
  readonly portfolioId: string;
  readonly holdings: readonly Holding[];
  /** Last price per underlying ticker (at least those the holdings need; may hold more). Read when
   * recalculate() is called, not later. Every input of one call prices the underlyings it holds
   * alike (the engine passes its one live price map). */
  readonly spots: ReadonlyMap<string, number>;
  /** Continuous risk-free rate. */
  readonly rate: number;
  /** Valuation instant (engine clock, epoch ms): option t runs from here to expiry (market/time-to-expiry.ts). */
  readonly nowMs: number;
  /** Also run the SPAN-like margin grid (slower cadence). */
  readonly withMargin: boolean;
}

export interface RecalcOutput {
  readonly portfolioId: string;
  readonly greeks: GreekTotals;
  readonly byUnderlying: Readonly<Record<string, UnderlyingRisk>>;
  /** Signed market value of the holdings (cash excluded), currency. */
  readonly marketValue: number;
  /** Σ |delta-equivalent notional| per position, currency (for leverage). */
  readonly grossExposure: number;
  /** One-day delta-gamma VaR and ES at the pool's configured confidences (REALTIME_VAR_METHOD). */
  readonly var: number;
  readonly es: number;
  /** Set when withMargin was asked, undefined otherwise. */
  readonly marginRequirement?: number | undefined;
}

export interface RiskCalculatorStats {
  /** Threads of its own (0: it computes on the caller's thread). */
  readonly threads: number;
  /** Fraction of the pool's capacity in use over its life (piscina's utilization), 0..1. */
  readonly utilization: number;
  /** Tasks waiting for a thread. */
  readonly queueSize: number;
  /** Tasks (batches) completed. */
  readonly completedTasks: number;
  /** Portfolios recalculated. */
  readonly recalculations: number;
  /** Present once the calculator sweeps (risk-sweep.ts): its shards, workers started again after one died, valuations refused. */
  readonly sweep?: { readonly shards: number; readonly restarts: number; readonly failed: number };
  /** How the calculator's threads are scheduled, when it has threads of its own. */
  readonly priority?: { readonly requested: string; readonly schedIdle: number; readonly schedIdleFailed: number };
}

export interface RiskCalculator {
  /**
   * Recalculates a batch; one output per input, same order. Rejects if a task failed, and only once
   * none of the batch's portfolios is being valued any more (each may be recalculated at once).
   * The caller keeps at most one recalculation per portfolio in flight (the engine's coalescer does),
   * and the inputs of one call share one market (the same spots). An output's `greeks` and
   * `byUnderlying` may be read lazily, until the same portfolio's next output is delivered.
   */
  recalculate(batch: readonly RecalcInput[]): Promise<RecalcOutput[]>;
  /** VaR confidence the calculator uses (e.g. 0.99) and ES confidence (0.975). */
  readonly varConfidence: number;
  readonly esConfidence: number;
  /** Batches the pool can usefully run at once (threads × tasks per thread). */
  readonly capacity: number;
  stats(): RiskCalculatorStats;
  /** Releases what it holds (the pool: its threads); recalculate() rejects from then on. Safe to call twice. */
  close(): Promise<void>;
  /**
   * Present when the calculator can keep books in shared memory and sweep them (risk-sweep.ts):
   * the engine then uses that instead of recalculate(). Called at most once.
   */
  openSweep?(opts: { readonly marginRefreshMs: number }): RiskSweep;
}
