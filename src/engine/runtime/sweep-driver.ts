/**
 * The engine's side of the sweep (risk-sweep.ts): each portfolio is a book in memory shared with
 * the risk pool's workers. A tick is handed over as one write (no walk over its holders, no batch);
 * a portfolio's figures come back only when someone reads them (pull, e.g. a REST query, a
 * pre-trade check, the snapshot writer) or, for the portfolios someone subscribes to, as soon as a
 * worker publishes them (the sweep's waitAsync wake-up). Nothing runs on the event loop per
 * recalculation of a portfolio nobody watches.
 */
import type { LogFn } from '../log.js';
import type { Clock } from './clock.js';
import type { PortfolioCell } from './portfolio-cell.js';
import { holdingsOf } from './recalc-pump.js';
import type { RecalcOutput } from './risk-calculator.js';
import type { RiskDriver } from './risk-driver.js';
import type { RiskSweep } from './risk-sweep.js';

export interface SweepHost {
  /** New figures of a cell, kept raw (risk-snapshots.ts). */
  take(cell: PortfolioCell, out: RecalcOutput, tickTs: number, computedAtMs: number, doneMs: number): void;
  /** A watched cell has new figures: tell the engine's listeners. */
  publish(cell: PortfolioCell): void;
}

export interface SweepDriverOptions {
  readonly sweep: RiskSweep;
  readonly clock: Clock;
  readonly rate: number;
  readonly log: LogFn;
}

/** How often the valuation clock moves without ticks, and refused valuations are looked for. */
const HOUSEKEEPING_MS = 1000;
/** At most this many portfolios are named per log line about refused valuations. */
const FAILURES_NAMED = 10;

export class SweepDriver implements RiskDriver {
  readonly #sweep: RiskSweep;
  readonly #clock: Clock;
  readonly #rate: number;
  readonly #log: LogFn;
  readonly #cells: (PortfolioCell | undefined)[] = [];
  /** Slots of portfolios that left (forget), kept for their return. */
  readonly #freed = new Map<string, number>();
  readonly #slotOf = new Map<string, number>();
  /** Risk subscribers by portfolio id, kept for portfolios that have no book yet too. */
  readonly #watchers = new Map<string, number>();
  readonly #failuresSeen = new Map<number, number>();
  #failedSeen = 0;
  readonly #timer: ReturnType<typeof setInterval>;

  constructor(opts: SweepDriverOptions, private readonly host: SweepHost) {
    this.#sweep = opts.sweep;
    this.#clock = opts.clock;
    this.#rate = opts.rate;
    this.#log = opts.log;
    this.#sweep.setNow(this.#clock.nowMs());
    this.#sweep.start(this.#onWatched);
    this.#timer = setInterval(() => {
      this.#sweep.setNow(this.#clock.nowMs());
      this.#reportFailures();
    }, HOUSEKEEPING_MS);
    this.#timer.unref();
  }

  get recalculations(): number {
    return this.#sweep.recalculations;
  }

  get coalesced(): number {
    return 0;
  }

  applied(symbol: string, price: number, ts: number): void {
    this.#sweep.setSpot(symbol, price, ts, this.#clock.nowMs());
  }

  stale(): void {}

  routed(): void {}

  changed(cell: PortfolioCell): void {
    const id = cell.state.portfolioId;
    let slot = this.#slotOf.get(id);
    try {
      if (slot === undefined) {
        slot = this.#freed.get(id) ?? this.#sweep.addBook(id);
        this.#freed.delete(id);
        this.#slotOf.set(id, slot);
        const w = this.#watchers.get(id);
        if (w !== undefined) this.#sweep.watch(slot, w);
      }
      // A portfolio that comes back (its partition returned) keeps its slot, with its new cell.
      this.#cells[slot] = cell;
      this.#sweep.setBook(slot, holdingsOf(cell), this.#rate, this.#clock.nowMs());
    } catch (err) {
      this.#log('error', 'portfolio not given to the risk sweep; it gets no figures', { portfolioId: id, error: String(err) });
    }
  }

  forget(cell: PortfolioCell): void {
    const id = cell.state.portfolioId;
    const slot = this.#slotOf.get(id);
    if (slot === undefined) return;
    // The slot stays this portfolio's (the sweep has no removal), emptied: an empty book costs the
    // workers nothing, and the portfolio gets it back if its partition returns here.
    const w = this.#watchers.get(id);
    if (w !== undefined) this.#sweep.watch(slot, -w);
    this.#slotOf.delete(id);
    this.#cells[slot] = undefined;
    this.#freed.set(id, slot);
    try {
      this.#sweep.setBook(slot, [], this.#rate, this.#clock.nowMs());
    } catch (err) {
      this.#log('error', 'could not empty a departed portfolio\'s risk book', { portfolioId: id, error: String(err) });
    }
  }

  pull(cell: PortfolioCell): void {
    const slot = this.#slotOf.get(cell.state.portfolioId);
    if (slot !== undefined && this.#sweep.results(slot) > cell.sweepTaken) this.#take(cell, slot);
  }

  watch(portfolioId: string, delta: 1 | -1): void {
    if (portfolioId === '*') {
      this.#sweep.watchAll(delta);
      return;
    }
    const n = (this.#watchers.get(portfolioId) ?? 0) + delta;
    if (n <= 0) this.#watchers.delete(portfolioId);
    else this.#watchers.set(portfolioId, n);
    const slot = this.#slotOf.get(portfolioId);
    if (slot !== undefined) this.#sweep.watch(slot, delta);
  }

  close(): void {
    clearInterval(this.#timer);
    void this.#sweep.close();
  }

  /**
   * A watched cell has new figures: bring them in and tell the listeners, unless they were told of
   * these already. A read (REST, a pre-trade check) may have brought them in first; they are still
   * news to the subscribers, so publishing keeps its own count.
   */
  readonly #onWatched = (slot: number): void => {
    const cell = this.#cells[slot];
    if (cell === undefined) return;
    this.#take(cell, slot);
    if (cell.sweepTaken <= cell.sweepPublished) return;
    cell.sweepPublished = cell.sweepTaken;
    this.host.publish(cell);
  };

  #take(cell: PortfolioCell, slot: number): boolean {
    const f = this.#sweep.read(slot);
    if (f === undefined || f.results <= cell.sweepTaken) return false;
    cell.sweepTaken = f.results;
    if (f.marginMs > cell.lastMarginMs) {
      cell.lastMargin = f.margin;
      cell.lastMarginMs = f.marginMs;
    }
    this.host.take(cell, f.output, f.tickTs, f.valuedMs, this.#clock.nowMs());
    return true;
  }

  /** Names the portfolios whose valuations the workers refused since the last look (bad inputs). */
  #reportFailures(): void {
    const failed = this.#sweep.failed;
    if (failed === this.#failedSeen) return;
    this.#failedSeen = failed;
    const named: string[] = [];
    for (let slot = 0; slot < this.#cells.length; slot++) {
      const n = this.#sweep.failures(slot);
      if (n === (this.#failuresSeen.get(slot) ?? 0)) continue;
      this.#failuresSeen.set(slot, n);
      const cell = this.#cells[slot];
      if (cell !== undefined && named.length < FAILURES_NAMED) named.push(cell.state.portfolioId);
    }
    this.#log('error', 'risk recalculation failed for a portfolio; it keeps its last figures until its inputs are valid', { portfolioIds: named, failedTotal: failed });
  }
}
