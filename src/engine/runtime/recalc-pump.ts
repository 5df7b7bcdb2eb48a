/**
 * The recalculation pump: coalesces the portfolios whose figures went stale, packs them into
 * batches for the risk calculator (at most its capacity in flight), isolates a failed batch by
 * retrying its portfolios one by one, and hands every result to its host. It does no arithmetic.
 */
import type { LogFn } from '../log.js';
import { RecalcCoalescer } from '../actors/recalc-coalescer.js';
import type { Holding } from '../actors/types.js';
import type { Clock } from './clock.js';
import type { PortfolioCell } from './portfolio-cell.js';
import type { RiskDriver } from './risk-driver.js';
import type { RecalcInput, RecalcOutput, RiskCalculator } from './risk-calculator.js';

export interface RecalcHost {
  /** Whether every underlying of the cell has a price: there are no figures before. */
  isPriced(cell: PortfolioCell): boolean;
  /** A result: `computedAtMs` is the valuation time it was asked at, `doneMs` when it came back. */
  computed(cell: PortfolioCell, out: RecalcOutput, tickTs: number, computedAtMs: number, doneMs: number): void;
}

export interface RecalcPumpOptions {
  readonly calculator: RiskCalculator;
  readonly clock: Clock;
  readonly maxBatch: number;
  readonly marginRefreshMs: number;
  /** How dispatching the next batch is deferred (the engine's `defer` option). */
  readonly defer: (fn: () => void) => void;
  readonly log: LogFn;
}

export class RecalcPump implements RiskDriver {
  readonly #coalescer = new RecalcCoalescer<PortfolioCell>({
    get: (cell) => (cell.recalcStatus === 0 ? undefined : cell.recalcStatus),
    set: (cell, status) => { cell.recalcStatus = status; },
    delete: (cell) => { cell.recalcStatus = 0; },
  });
  readonly #calculator: RiskCalculator;
  readonly #clock: Clock;
  readonly #maxBatch: number;
  readonly #marginRefreshMs: number;
  readonly #defer: (fn: () => void) => void;
  readonly #log: RecalcPumpOptions['log'];
  /** Bound once, so scheduling allocates nothing. */
  readonly #scheduled = (): void => {
    this.#pumpScheduled = false;
    this.#pump();
  };
  #pumpScheduled = false;
  #inFlightTasks = 0;
  #recalculations = 0;
  #closed = false;

  constructor(opts: RecalcPumpOptions, private readonly host: RecalcHost) {
    this.#calculator = opts.calculator;
    this.#clock = opts.clock;
    this.#maxBatch = opts.maxBatch;
    this.#marginRefreshMs = opts.marginRefreshMs;
    this.#defer = opts.defer;
    this.#log = opts.log;
  }

  /** Results handed to the host. */
  get recalculations(): number {
    return this.#recalculations;
  }

  /** Recalculations requested while one was queued or in flight, merged into it. */
  get coalesced(): number {
    return this.#coalescer.coalesced;
  }

  /** Asks for a recalculation of the cell on its latest state, without scheduling (a tick's holders; `routed` follows). */
  stale(cell: PortfolioCell): void {
    this.#coalescer.markDirty(cell);
  }

  /** Asks for a recalculation of the cell and schedules the pump. */
  changed(cell: PortfolioCell): void {
    this.#coalescer.markDirty(cell);
    this.schedule();
  }

  routed(): void {
    this.schedule();
  }

  /** A queued request of a departed portfolio is dropped when its batch is packed (released). */
  forget(): void {}

  /** The pump learns of ticks through their holders (stale). */
  applied(): void {}

  /** Results are handed over as they come; nothing to bring in. */
  pull(): void {}

  /** Every result is handed over; who watches changes nothing. */
  watch(): void {}

  schedule(): void {
    if (this.#pumpScheduled || this.#closed) return;
    this.#pumpScheduled = true;
    // Run after the current I/O callback, so that a burst of ticks read in one go is coalesced
    // before any portfolio is packed.
    this.#defer(this.#scheduled);
  }

  /** Stops dispatching; results still in flight are dropped. */
  close(): void {
    this.#closed = true;
  }

  #pump(): void {
    const calculator = this.#calculator;
    while (!this.#closed && this.#inFlightTasks < calculator.capacity) {
      const batch = this.#coalescer.takeBatch(this.#maxBatch);
      if (batch.length === 0) return;
      const nowMs = this.#clock.nowMs();
      const inputs: RecalcInput[] = [];
      /** The cell and newest included tick of each input, so results need no lookup by name. */
      const cellsOf: PortfolioCell[] = [];
      const tickTsOf: number[] = [];
      for (const cell of batch) {
        // No figures before every underlying has a price, nor for a portfolio that left this engine.
        if (cell.released || !this.host.isPriced(cell)) continue;
        // The cell's own input record, refilled: the pool reads inputs synchronously when called
        // (RecalcInput), and a cell is in one recalculation at a time, a retry included. The live
        // price map itself, not a copy, for the same reason.
        const input = cell.recalcInput;
        input.holdings = holdingsOf(cell);
        input.nowMs = nowMs;
        input.withMargin = nowMs - cell.lastMarginMs >= this.#marginRefreshMs;
        inputs.push(input);
        cellsOf.push(cell);
        tickTsOf.push(cell.latestTickTs);
      }
      if (inputs.length === 0) {
        this.#coalescer.complete(batch);
        continue;
      }
      this.#inFlightTasks++;
      calculator.recalculate(inputs).then(
        (outputs) => {
          this.#inFlightTasks--;
          // Refill the pool before publishing, so the workers compute the next batch while this
          // thread fans the results out.
          this.#coalescer.complete(batch);
          if (!this.#closed) this.#pump();
          const doneMs = this.#clock.nowMs();
          for (let i = 0; i < outputs.length; i++) this.#computed(cellsOf[i] as PortfolioCell, outputs[i] as RecalcOutput, tickTsOf[i] as number, nowMs, doneMs);
        },
        (err: unknown) => {
          this.#inFlightTasks--;
          this.#isolateFailure(batch, inputs, cellsOf, tickTsOf, nowMs, err);
          this.schedule();
        },
      );
    }
  }

  /**
   * A failed task fails every portfolio in its batch; rerun them one by one so that only the
   * portfolio whose input broke the worker goes without an update (its actor keeps its last
   * consistent state and is recalculated again on its next change). Each stays in flight until its
   * own retry settles: releasing them earlier would let a new tick start a second recalculation
   * beside the retry, and the older result could then land last and overwrite newer figures.
   */
  #isolateFailure(
    batch: readonly PortfolioCell[], inputs: readonly RecalcInput[], cellsOf: readonly PortfolioCell[], tickTsOf: readonly number[], nowMs: number, err: unknown,
  ): void {
    const retried = new Set(cellsOf);
    this.#coalescer.complete(batch.filter((cell) => !retried.has(cell)));
    if (inputs.length === 1) {
      this.#log('error', 'risk recalculation failed for a portfolio', { portfolioId: inputs[0]?.portfolioId, error: String(err) });
      this.#coalescer.complete(batch);
      return;
    }
    this.#log('warn', 'risk task failed; retrying its portfolios one by one', { portfolios: inputs.length, error: String(err) });
    inputs.forEach((input, i) => {
      const cell = cellsOf[i] as PortfolioCell;
      this.#inFlightTasks++;
      this.#calculator.recalculate([input]).then(
        ([out]) => {
          this.#inFlightTasks--;
          if (out) this.#computed(cell, out, tickTsOf[i] as number, nowMs, this.#clock.nowMs());
          this.#coalescer.complete([cell]);
          this.schedule();
        },
        (e: unknown) => {
          this.#inFlightTasks--;
          this.#log('error', 'risk recalculation failed for a portfolio', { portfolioId: input.portfolioId, error: String(e) });
          this.#coalescer.complete([cell]);
          this.schedule();
        },
      );
    });
  }

  #computed(cell: PortfolioCell, out: RecalcOutput, tickTs: number, computedAtMs: number, doneMs: number): void {
    if (this.#closed) return;
    this.#recalculations++;
    this.host.computed(cell, out, tickTs, computedAtMs, doneMs);
  }
}

/** The holdings as an array, rebuilt only when the actor's holdings changed (states are immutable). */
export function holdingsOf(cell: PortfolioCell): readonly Holding[] {
  if (cell.holdingsFrom !== cell.state.holdings) {
    cell.holdingsFrom = cell.state.holdings;
    cell.holdingsArray = [...cell.state.holdings.values()];
  }
  return cell.holdingsArray;
}
