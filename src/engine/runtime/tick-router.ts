/**
 * Tick routing: which portfolios a tick concerns, and how it reaches them. Owns the last price and
 * tick ts of every symbol, the underlying index, the quiet bands of resting orders and the hand-off
 * from the tick guard (market/tick-guard.ts). It decides nothing about risk or orders: it tells its
 * sink which cells went stale and which actors must see the tick itself.
 */
import { isQuiet, quietBand, type QuietBand } from '../actors/order-matching.js';
import { UnderlyingIndex } from '../actors/underlying-index.js';
import { type BandChange, TickGuard, type TickGuardOptions } from '../market/tick-guard.js';
import { underlyingOf } from '../portfolio/types.js';
import { failure, type Result } from '../result.js';
import type { Clock } from './clock.js';
import type { HeldTicksView, TickStatus } from './engine-api.js';
import type { PortfolioCell } from './portfolio-cell.js';

/** Where routed ticks go. Called on the tick path: implementations must not allocate per call. */
export interface TickSink {
  /** A tick was applied (the market stream), before any portfolio hears of it. */
  applied(symbol: string, price: number, ts: number): void;
  /**
   * The cell's figures are stale: one of its underlyings moved. Absent: the sink needs no word per
   * holder (the risk sweep finds the books a tick moved itself), and the router skips the walk.
   */
  readonly stale?: (cell: PortfolioCell) => void;
  /** The tick left the quiet band of the cell's resting orders: its actor must see it. */
  crossed(cell: PortfolioCell, symbol: string, price: number, ts: number): void;
  /** Every cell concerned was told. */
  routed(): void;
}

export type TickLogFn = (symbol: string, price: number, ts: number, lastPrice: number | undefined, maxJump: number, heldNotLogged: number) => void;

/** A portfolio with open orders on an underlying, and the band of prices none of them reacts to. */
interface BandHolder {
  readonly cell: PortfolioCell;
  readonly band: QuietBand;
}
const NO_BAND_HOLDERS: readonly BandHolder[] = Object.freeze([]);

/** At most one log line per symbol this often about its held ticks (a bad feed cannot flood the log). */
const HELD_TICK_LOG_EVERY_MS = 10_000;

// The tick path returns one of these rather than allocating a result per tick.
const TICK_ACCEPTED: Result<TickStatus> = Object.freeze({ ok: true, value: 'accepted' });
const TICK_HELD: Result<TickStatus> = Object.freeze({ ok: true, value: 'held' });

export class TickRouter {
  /** Last applied price per symbol: the engine's live price map (RecalcInput.spots reads it). */
  readonly lastPrice = new Map<string, number>();
  readonly #lastTickTs = new Map<string, number>();
  // Keyed by the cell itself, not its id: a tick walks these for every portfolio that holds its
  // underlying, and an object key saves a lookup by name each time.
  readonly #index = new UnderlyingIndex<PortfolioCell>();
  /**
   * Underlying → the portfolios with open orders on it and their quiet bands, as arrays replaced
   * (never edited) when an order changes, so a walk stays valid while the actors it reaches change
   * them; a tick reads this once instead of looking up the band in each holder's own map.
   */
  readonly #bandHolders = new Map<string, readonly BandHolder[]>();
  readonly #guard: TickGuard;
  #ticks = 0;

  constructor(
    private readonly clock: Clock,
    private readonly sink: TickSink,
    private readonly logHeld: TickLogFn,
    guard?: Partial<TickGuardOptions>,
  ) {
    this.#guard = new TickGuard(clock, guard);
  }

  /** Ticks applied so far. */
  get ticks(): number {
    return this.#ticks;
  }

  /** Checks a tick (the guard) and, if it passes, applies it. */
  tick(symbol: string, price: number, ts: number): Result<TickStatus> {
    switch (this.#guard.check(symbol, price, ts)) {
      case 'price-invalid':
        return failure('TICK_PRICE_INVALID', `price must be a finite number > 0, got ${price}`);
      case 'clock-skew':
        return failure('TICK_CLOCK_SKEW', `ts ${ts} is not within ${this.#guard.maxSkewMs} ms of the engine clock (${this.clock.nowMs()})`);
      case 'held': {
        const skipped = this.#guard.takeLogSlot(symbol, HELD_TICK_LOG_EVERY_MS);
        if (skipped >= 0) this.logHeld(symbol, price, ts, this.lastPrice.get(symbol), this.#guard.bandOf(symbol), skipped);
        return TICK_HELD;
      }
      default:
        this.#apply(symbol, price, ts);
        return TICK_ACCEPTED;
    }
  }

  /** Sets a symbol's band (undefined: the default); a held tick the new band covers is applied. */
  setBand(symbol: string, maxJump: number | undefined): BandChange {
    const change = this.#guard.setBand(symbol, maxJump);
    if (change.released) this.#apply(symbol, change.released.price, change.released.ts);
    return change;
  }

  heldTicks(): HeldTicksView {
    const { heldNow: _heldNow, ...counts } = this.#guard.counts();
    return { counts, symbols: this.#guard.view() };
  }

  guardCounts(): ReturnType<TickGuard['counts']> {
    return this.#guard.counts();
  }

  /** Whether every underlying of the cell has a price (checked until it is so, then kept). */
  isPriced(cell: PortfolioCell): boolean {
    if (cell.priced) return true;
    for (const u of cell.underlyings) if (!this.lastPrice.has(u)) return false;
    return (cell.priced = true);
  }

  /** Brings the index and the quiet bands in step with the cell's holdings and open orders. */
  reindex(cell: PortfolioCell): void {
    const now = new Set<string>();
    const bands = new Map<string, QuietBand>();
    for (const h of cell.state.holdings.values()) now.add(underlyingOf(h.instrument));
    for (const o of cell.state.openOrders.values()) {
      const u = underlyingOf(o.parsed);
      now.add(u);
      if (!bands.has(u)) bands.set(u, quietBand(cell.state.openOrders.values(), u));
    }
    for (const u of cell.orderBands.keys()) {
      if (bands.has(u)) continue;
      const rest = (this.#bandHolders.get(u) ?? NO_BAND_HOLDERS).filter((e) => e.cell !== cell);
      if (rest.length === 0) this.#bandHolders.delete(u);
      else this.#bandHolders.set(u, rest);
    }
    for (const [u, band] of bands) {
      const rest = (this.#bandHolders.get(u) ?? NO_BAND_HOLDERS).filter((e) => e.cell !== cell);
      this.#bandHolders.set(u, [...rest, { cell, band }]);
    }
    cell.orderBands = bands;
    for (const u of cell.underlyings) if (!now.has(u)) this.#index.remove(u, cell);
    for (const u of now) {
      if (cell.underlyings.has(u)) continue;
      this.#index.add(u, cell);
      cell.priced = false;
      const ts = this.#lastTickTs.get(u);
      if (ts !== undefined && ts > cell.latestTickTs) cell.latestTickTs = ts;
    }
    cell.underlyings = now;
  }

  /** Takes a cell out of the index and the quiet bands (its portfolio left this engine). */
  unindex(cell: PortfolioCell): void {
    for (const u of cell.orderBands.keys()) {
      const rest = (this.#bandHolders.get(u) ?? NO_BAND_HOLDERS).filter((e) => e.cell !== cell);
      if (rest.length === 0) this.#bandHolders.delete(u);
      else this.#bandHolders.set(u, rest);
    }
    cell.orderBands = new Map();
    for (const u of cell.underlyings) this.#index.remove(u, cell);
    cell.underlyings = new Set();
  }

  /** What a tick the guard let through does: the last price, then every cell that holds it. */
  #apply(symbol: string, price: number, ts: number): void {
    this.#ticks++;
    this.lastPrice.set(symbol, price);
    const prevTs = this.#lastTickTs.get(symbol);
    if (prevTs === undefined || ts > prevTs) this.#lastTickTs.set(symbol, ts);
    const sink = this.sink;
    sink.applied(symbol, price, ts);
    const stale = sink.stale;
    if (stale !== undefined) {
      const holders = this.#index.holdersOf(symbol);
      for (let i = 0; i < holders.length; i++) {
        const cell = holders[i] as PortfolioCell;
        if (ts > cell.latestTickTs) cell.latestTickTs = ts;
        stale(cell);
      }
    }
    // Only portfolios with resting orders on this underlying need the tick itself (triggers and
    // crossings), and only when it leaves the band where none of their orders reacts; for the
    // rest a tick only makes their risk stale (above).
    const withOrders = this.#bandHolders.get(symbol);
    if (withOrders !== undefined) {
      for (let i = 0; i < withOrders.length; i++) {
        const e = withOrders[i] as BandHolder;
        if (!isQuiet(e.band, price)) sink.crossed(e.cell, symbol, price, ts);
      }
    }
    sink.routed();
  }
}
