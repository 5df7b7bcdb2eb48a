/**
 * The market-data guard: every tick is checked here before it can move money (fill or trigger an
 * order, revalue a book). Pure: numbers kept per symbol and the engine's Clock, no I/O.
 *
 * Rules (docs/PROTOCOL.md, "Market data checks"):
 * - A price that is not a finite number > 0 is refused (`price-invalid`).
 * - A `ts` that is not finite, or is more than `maxSkewMs` before or after the engine clock, is
 *   refused (`clock-skew`): a price that old (or from a clock that wrong) is not the market now.
 * - The first accepted tick of a symbol has no reference and is accepted.
 * - A tick whose relative move from the symbol's last accepted price L, |p − L| / L, exceeds the
 *   symbol's band (`maxJump`) is held: it becomes the symbol's held candidate and does nothing else.
 * - The next valid tick p of a symbol with a held candidate H:
 *     within the band of L      → accepted as usual; H is dropped as an outlier (counted `dropped`);
 *     else within the band of H → the move is confirmed: p is accepted (H itself is not applied: p
 *                                 is newer and agrees with it), counted `confirmed`;
 *     else                      → p replaces H as the held candidate (H counted `dropped`).
 *   L is tried first, so a tick that agrees with both keeps the old reference's reading: the only
 *   price applied is p either way, and only the counters differ.
 *   A confirming tick may come from the same feed or another: the guard stops a single bad print
 *   (a fat finger, a shifted decimal), not a feed that keeps sending a wrong price.
 * - A risk manager may change a symbol's band; a held candidate that the new band covers is
 *   released (applied as it was received, counted `released`).
 *
 * A refused tick changes nothing here; a held one changes only the candidate and the counters.
 */
import type { Clock } from '../runtime/clock.js';

export interface TickGuardOptions {
  /** Largest relative move from the last accepted price that is accepted at once (0.25 = 25%). */
  readonly maxJump: number;
  /** Largest distance, either way, between a tick's ts and the engine clock, ms. */
  readonly maxSkewMs: number;
}

/**
 * The defaults of TICK_MAX_JUMP and TICK_MAX_SKEW_MS (src/config.ts). 5 s of skew: NTP-synchronised
 * hosts agree within milliseconds and a healthy feed delivers within tens, so a tick 5 s off comes
 * from a wrong clock or a replayed backlog; the margin still covers a GC pause or a feed's reconnect burst.
 */
export const TICK_GUARD_DEFAULTS: TickGuardOptions = Object.freeze({ maxJump: 0.25, maxSkewMs: 5000 });

/**
 * What to do with a tick. The three `accepted`-like verdicts are applied as a normal tick;
 * `held` is applied not at all; the two refusals are errors for the sender.
 */
export type TickVerdict = 'accepted' | 'accepted-dropping-held' | 'confirmed' | 'held' | 'price-invalid' | 'clock-skew';

/** The guard's record of one symbol, mutated in place (the tick path allocates nothing). */
interface SymbolGuard {
  /** Last accepted price; NaN before the first. */
  lastPrice: number;
  lastTs: number;
  /** The held candidate's price; NaN when there is none. */
  heldPrice: number;
  heldTs: number;
  /** Engine clock when the candidate was held. */
  heldAtMs: number;
  /** The symbol's own band; NaN = the default. */
  maxJump: number;
  held: number;
  dropped: number;
  confirmed: number;
  released: number;
  /** Held-tick log lines: when the last was written, and held ticks not logged since. */
  loggedAtMs: number;
  unlogged: number;
}

export interface HeldTickCounts {
  /** Ticks held (each one, whatever became of it). */
  readonly held: number;
  /** Held ticks dropped as outliers (a tick within the old band came, or another far tick replaced it). */
  readonly dropped: number;
  /** Held moves confirmed by a second tick within their band. */
  readonly confirmed: number;
  /** Held ticks released by a risk manager's band change. */
  readonly released: number;
}

export interface SymbolGuardView {
  readonly symbol: string;
  readonly lastPrice: number | null;
  readonly lastTs: number | null;
  readonly maxJump: number;
  /** Whether `maxJump` is the symbol's own band (set by a risk manager) rather than the default. */
  readonly bandSet: boolean;
  readonly heldTick: { readonly price: number; readonly ts: number; readonly heldAtMs: number } | null;
  readonly counts: HeldTickCounts;
}

export interface BandChange {
  readonly symbol: string;
  /** The band before and after (after `null` = back to the default). */
  readonly before: number;
  readonly after: number;
  /** The held candidate the new band covers, to be applied now. */
  readonly released?: { readonly price: number; readonly ts: number };
}

/** Is `price` within `maxJump` (relative) of `ref`? NaN anywhere is "no". */
const within = (price: number, ref: number, maxJump: number): boolean => Math.abs(price - ref) <= maxJump * ref;

export class TickGuard {
  private readonly symbols = new Map<string, SymbolGuard>();
  private readonly defaultMaxJump: number;
  /** How far a tick's ts may be from the clock, either way (the engine names it in its refusal). */
  readonly maxSkewMs: number;
  private heldTotal = 0;
  private droppedTotal = 0;
  private confirmedTotal = 0;
  private releasedTotal = 0;
  private refusedTotal = 0;

  constructor(private readonly clock: Clock, opts: Partial<TickGuardOptions> = {}) {
    const o = { ...TICK_GUARD_DEFAULTS, ...opts };
    if (!(o.maxJump > 0)) throw new RangeError(`maxJump must be > 0, got ${o.maxJump}`);
    if (!(o.maxSkewMs > 0)) throw new RangeError(`maxSkewMs must be > 0 (Infinity: no check), got ${o.maxSkewMs}`);
    this.defaultMaxJump = o.maxJump;
    this.maxSkewMs = o.maxSkewMs;
  }

  /** Checks one tick and records what it did; the caller applies it or not by the verdict. */
  check(symbol: string, price: number, ts: number): TickVerdict {
    if (!(price > 0 && price < Infinity)) { this.refusedTotal++; return 'price-invalid'; }
    // Written so that NaN fails it.
    if (!(Math.abs(ts - this.clock.nowMs()) <= this.maxSkewMs)) { this.refusedTotal++; return 'clock-skew'; }
    let g = this.symbols.get(symbol);
    if (g === undefined) {
      g = newSymbolGuard();
      this.symbols.set(symbol, g);
    }
    const band = !Number.isNaN(g.maxJump) ? g.maxJump : this.defaultMaxJump;
    const last = g.lastPrice;
    if (Number.isNaN(last) || within(price, last, band)) {
      const hadHeld = !Number.isNaN(g.heldPrice);
      if (hadHeld) { g.dropped++; this.droppedTotal++; g.heldPrice = NaN; }
      g.lastPrice = price;
      g.lastTs = ts;
      return hadHeld ? 'accepted-dropping-held' : 'accepted';
    }
    if (!Number.isNaN(g.heldPrice)) {
      if (within(price, g.heldPrice, band)) {
        g.confirmed++;
        this.confirmedTotal++;
        g.heldPrice = NaN;
        g.lastPrice = price;
        g.lastTs = ts;
        return 'confirmed';
      }
      g.dropped++;
      this.droppedTotal++;
    }
    g.heldPrice = price;
    g.heldTs = ts;
    g.heldAtMs = this.clock.nowMs();
    g.held++;
    this.heldTotal++;
    return 'held';
  }

  /**
   * Whether a held tick of `symbol` should be logged now: at most one line per `everyMs` per
   * symbol, so a bad feed cannot flood the log. Returns the held ticks not logged since the last
   * line (0 or more) when one is due, else -1.
   */
  takeLogSlot(symbol: string, everyMs: number): number {
    const g = this.symbols.get(symbol);
    if (g === undefined) return -1;
    const now = this.clock.nowMs();
    if (now - g.loggedAtMs < everyMs) { g.unlogged++; return -1; }
    const skipped = g.unlogged;
    g.loggedAtMs = now;
    g.unlogged = 0;
    return skipped;
  }

  /** The band of `symbol` (its own, or the default). */
  bandOf(symbol: string): number {
    const own = this.symbols.get(symbol)?.maxJump;
    return own !== undefined && !Number.isNaN(own) ? own : this.defaultMaxJump;
  }

  /**
   * Sets the band of one symbol (`undefined`: back to the default). A held candidate within the new
   * band of the last accepted price is released: it becomes the last accepted price, and the
   * caller applies it as a tick.
   */
  setBand(symbol: string, maxJump: number | undefined): BandChange {
    if (maxJump !== undefined && !(maxJump > 0 && maxJump < Infinity)) throw new RangeError(`maxJump must be a finite number > 0, got ${maxJump}`);
    let g = this.symbols.get(symbol);
    if (g === undefined) {
      g = newSymbolGuard();
      this.symbols.set(symbol, g);
    }
    const before = this.bandOf(symbol);
    g.maxJump = maxJump ?? NaN;
    const after = this.bandOf(symbol);
    if (!Number.isNaN(g.heldPrice) && within(g.heldPrice, g.lastPrice, after)) {
      const released = { price: g.heldPrice, ts: g.heldTs };
      g.heldPrice = NaN;
      g.lastPrice = released.price;
      g.lastTs = released.ts;
      g.released++;
      this.releasedTotal++;
      return { symbol, before, after, released };
    }
    return { symbol, before, after };
  }

  /** Totals over every symbol, and ticks refused (bad price or ts). */
  counts(): HeldTickCounts & { readonly heldNow: number; readonly refused: number } {
    let heldNow = 0;
    for (const g of this.symbols.values()) if (!Number.isNaN(g.heldPrice)) heldNow++;
    return { held: this.heldTotal, dropped: this.droppedTotal, confirmed: this.confirmedTotal, released: this.releasedTotal, heldNow, refused: this.refusedTotal };
  }

  /** Every symbol that has held a tick or has its own band, by symbol. */
  view(): SymbolGuardView[] {
    const out: SymbolGuardView[] = [];
    for (const [symbol, g] of this.symbols) {
      const bandSet = !Number.isNaN(g.maxJump);
      if (g.held === 0 && !bandSet) continue;
      out.push({
        symbol,
        lastPrice: !Number.isNaN(g.lastPrice) ? g.lastPrice : null,
        lastTs: !Number.isNaN(g.lastPrice) ? g.lastTs : null,
        maxJump: bandSet ? g.maxJump : this.defaultMaxJump,
        bandSet,
        heldTick: !Number.isNaN(g.heldPrice) ? { price: g.heldPrice, ts: g.heldTs, heldAtMs: g.heldAtMs } : null,
        counts: { held: g.held, dropped: g.dropped, confirmed: g.confirmed, released: g.released },
      });
    }
    return out.sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
  }
}

function newSymbolGuard(): SymbolGuard {
  return {
    lastPrice: NaN, lastTs: 0, heldPrice: NaN, heldTs: 0, heldAtMs: 0, maxJump: NaN,
    held: 0, dropped: 0, confirmed: 0, released: 0, loggedAtMs: -Infinity, unlogged: 0,
  };
}
