/**
 * The event loop's side of the sweep (layout in sweep-layout.ts, the workers' side in
 * sweep-loop.ts): it writes books' legs into the leg store and ticks into the market, reads
 * figures back under each book's sequence lock, and hears from the workers, through
 * Atomics.waitAsync, only about the books someone watches.
 *
 * Record lifetimes: a book whose holdings change gets a new record; the old one may still be read
 * by a worker in the middle of a pass, or back the book's newest figures. It is freed once every
 * worker that was in a pass when it was replaced has finished that pass, and the book's figures
 * come from the new record.
 */
import type { Holding } from '../../engine/actors/types.js';
import { underlyingOf } from '../../engine/portfolio/types.js';
import { greeksAt, underlyingRiskAt } from '../../engine/risk/realtime-output.js';
import { GROUP_STRIDE, PORTFOLIO_OUT } from '../../engine/risk/realtime-risk.js';
import type { RecalcOutput } from '../../engine/runtime/risk-calculator.js';
import type { RiskSweep, SweepFigures } from '../../engine/runtime/risk-sweep.js';
import type { UnderlyingRisk } from '../../engine/actors/types.js';
import { RECORD_N_GROUPS, RECORD_N_LEGS, RECORD_N_SCENARIOS, REGION_GROUPS, regionSpots } from './leg-store-layout.js';
import { layoutOf } from './leg-store-task.js';
import type { LegStore, SweepRecord } from './leg-store.js';
import {
  BOOK_F64, BOOK_F64_STRIDE, BOOK_I32, BOOK_I32_STRIDE, MARKET, MARKET_NOW_F64, marketLayout, RING_SIZE, ringAt, type SweepShared, type SweepViews, sweepViews, WORKER, WORKER_I32_STRIDE,
} from './sweep-layout.js';

export const sweepErrors = {
  full: (capacity: number) => Object.assign(new RangeError(`risk sweep: all ${capacity} book slots are in use (RISK_SWEEP_FULL)`), { code: 'RISK_SWEEP_FULL' }),
  tooManySpots: (capacity: number, symbol: string) =>
    Object.assign(new RangeError(`risk sweep: ${symbol} would be underlying number ${capacity + 1}, past the market's capacity (RISK_SWEEP_FULL)`), { code: 'RISK_SWEEP_FULL' }),
} as const;

/** Reads of a book whose figures were rewritten meanwhile are tried again this many times. */
const READ_TRIES = 4;

interface Retired {
  readonly rec: SweepRecord;
  /** Per worker: its SWEEPS count when the record was replaced, or −1 if it was not in a pass. */
  readonly busyAt: Int32Array;
}

interface Slot {
  readonly index: number;
  readonly portfolioId: string;
  holdings: readonly Holding[] | undefined;
  rec: SweepRecord | undefined;
  retired: Retired[];
}

export interface SweepBookOptions {
  readonly nShards: number;
  readonly marginRefreshMs: number;
  readonly maxBatch: number;
  /** Book slots (default 65,536) and distinct underlyings (default 16,384) the shared memory holds. */
  readonly bookCapacity?: number;
  readonly marketCapacity?: number;
}

export class SweepBook implements Pick<RiskSweep, Exclude<keyof RiskSweep, 'close' | 'recalculations' | 'failed'>> {
  readonly shared: SweepShared;
  readonly #v: SweepViews;
  readonly #slots: Slot[] = [];
  readonly #withRetired = new Set<Slot>();
  /** The last price and tick ts of symbols no book holds yet (the router keeps as many). */
  readonly #unheld = new Map<string, { price: number; ts: number }>();
  #onWatched: ((slot: number) => void) | undefined;
  #notifySeen = 0;
  #stopped = false;

  constructor(private readonly store: LegStore, opts: SweepBookOptions) {
    const bookCapacity = opts.bookCapacity ?? 65_536, marketCapacity = opts.marketCapacity ?? 16_384;
    const market = new SharedArrayBuffer(marketLayout(marketCapacity).byteLength);
    this.shared = {
      market, marketCapacity,
      bookI32: new SharedArrayBuffer(bookCapacity * BOOK_I32_STRIDE * 4),
      bookF64: new SharedArrayBuffer(bookCapacity * BOOK_F64_STRIDE * 8),
      bookCapacity,
      workers: new SharedArrayBuffer(opts.nShards * WORKER_I32_STRIDE * 4),
      nShards: opts.nShards, marginRefreshMs: opts.marginRefreshMs, maxBatch: opts.maxBatch,
    };
    this.#v = sweepViews(this.shared);
  }

  addBook(portfolioId: string): number {
    const slot = this.#slots.length;
    if (slot >= this.shared.bookCapacity) throw sweepErrors.full(this.shared.bookCapacity);
    this.#slots.push({ index: slot, portfolioId, holdings: undefined, rec: undefined, retired: [] });
    this.#v.b64[slot * BOOK_F64_STRIDE + BOOK_F64.MARGIN_MS] = -Infinity;
    this.#v.b64[slot * BOOK_F64_STRIDE + BOOK_F64.MARGIN] = NaN;
    Atomics.store(this.#v.m32, MARKET.N_BOOKS, slot + 1);
    return slot;
  }

  setBook(slot: number, holdings: readonly Holding[], rate: number, nowMs: number): void {
    const s = this.#slots[slot] as Slot;
    const i = slot * BOOK_I32_STRIDE, f = slot * BOOK_F64_STRIDE;
    if (s.holdings !== holdings) {
      // Written (and its spots registered) before any worker can see it: the store below publishes it.
      for (const name of this.#namesOf(holdings)) {
        // Its first holder: a spot the feed sent before lands in the market now.
        if (this.store.knownSpotId(name) !== undefined) continue;
        const id = this.#spotIdOf(name);
        const p = this.#unheld.get(name);
        if (p !== undefined) {
          this.#unheld.delete(name);
          this.#writeSpot(id, p.price, p.ts);
        }
      }
      const rec = this.store.writeRecord(s.portfolioId, holdings);
      if (s.rec !== undefined) this.#retire(s, s.rec);
      s.rec = rec;
      s.holdings = holdings;
      Atomics.store(this.#v.b32, i + BOOK_I32.REC, rec.offset);
    }
    this.#v.b64[f + BOOK_F64.RATE] = rate;
    this.#v.b64[f + BOOK_F64.CHANGED_MS] = nowMs;
    Atomics.add(this.#v.b32, i + BOOK_I32.GEN, 1);
    this.#wakeWorkers();
    if (this.#withRetired.size > 0) this.reclaim();
  }

  setSpot(symbol: string, price: number, ts: number, nowMs: number): void {
    this.#v.m64[MARKET_NOW_F64] = nowMs;
    const id = this.store.knownSpotId(symbol);
    if (id === undefined) {
      // No book holds it: kept aside, so that the market's slots go to underlyings that are held
      // (a feed of unknown symbols cannot fill them), and written in when a book first holds it.
      const p = this.#unheld.get(symbol);
      if (p === undefined) this.#unheld.set(symbol, { price, ts });
      else { p.price = price; if (!(p.ts >= ts)) p.ts = ts; }
      return;
    }
    this.#writeSpot(id, price, ts);
  }

  #writeSpot(id: number, price: number, ts: number): void {
    this.#v.spots[id] = price;
    if (!((this.#v.tickTs[id] as number) >= ts)) this.#v.tickTs[id] = ts;
    Atomics.store(this.#v.spotSeq, id, (Atomics.load(this.#v.m32, MARKET.SEQ) + 1) | 0);
    this.#wakeWorkers();
  }

  setNow(nowMs: number): void {
    this.#v.m64[MARKET_NOW_F64] = nowMs;
  }

  watch(slot: number, delta: number): void {
    Atomics.add(this.#v.b32, slot * BOOK_I32_STRIDE + BOOK_I32.WATCH, delta);
  }

  watchAll(delta: number): void {
    Atomics.add(this.#v.m32, MARKET.WATCH_ALL, delta);
  }

  results(slot: number): number {
    return Atomics.load(this.#v.b32, slot * BOOK_I32_STRIDE + BOOK_I32.SEQ) >> 1;
  }

  failures(slot: number): number {
    return Atomics.load(this.#v.b32, slot * BOOK_I32_STRIDE + BOOK_I32.FAILURES);
  }

  read(slot: number): SweepFigures | undefined {
    const b32 = this.#v.b32, b64 = this.#v.b64, i = slot * BOOK_I32_STRIDE, f = slot * BOOK_F64_STRIDE;
    const s = this.#slots[slot] as Slot;
    for (let attempt = 0; attempt < READ_TRIES; attempt++) {
      const seq = Atomics.load(b32, i + BOOK_I32.SEQ);
      if (seq === 0) return undefined;
      if ((seq & 1) === 1) continue; // being written: the previous figures are still whole…
      const recOffset = b32[i + BOOK_I32.RESULT_REC] as number;
      const rec = s.rec?.offset === recOffset ? s.rec : s.retired.find((r) => r.rec.offset === recOffset)?.rec;
      if (rec === undefined) return undefined; // not reachable: a record backing figures is never freed
      const output = this.#outputAt(s.portfolioId, rec, seq >> 1);
      const figures: SweepFigures = {
        output, results: seq >> 1,
        tickTs: b64[f + BOOK_F64.TICK_TS] as number, valuedMs: b64[f + BOOK_F64.VALUED_MS] as number,
        margin: b64[f + BOOK_F64.MARGIN] as number, marginMs: b64[f + BOOK_F64.MARGIN_MS] as number,
      };
      if (Atomics.load(b32, i + BOOK_I32.SEQ) === seq) return figures;
    }
    return undefined;
  }

  start(onWatched: (slot: number) => void): void {
    this.#onWatched = onWatched;
    this.#notifySeen = Atomics.load(this.#v.m32, MARKET.NOTIFY);
    this.#arm();
  }

  /** Stops the workers (they return from their sweep) and delivery. */
  stop(): void {
    this.#stopped = true;
    Atomics.store(this.#v.m32, MARKET.STOP, 1);
    Atomics.notify(this.#v.m32, MARKET.SEQ);
    Atomics.add(this.#v.m32, MARKET.NOTIFY, 1);
    Atomics.notify(this.#v.m32, MARKET.NOTIFY); // releases the event loop's pending waitAsync
  }

  /** Books valued so far by every worker, and valuations refused. */
  counters(): { recalculations: number; failed: number } {
    let recalculations = 0, failed = 0;
    for (let w = 0; w < this.shared.nShards; w++) {
      recalculations += Atomics.load(this.#v.w32, w * WORKER_I32_STRIDE + WORKER.RECALCS);
      failed += Atomics.load(this.#v.w32, w * WORKER_I32_STRIDE + WORKER.FAILURES);
    }
    return { recalculations, failed };
  }

  /**
   * A worker died (risk-pool.ts starts another on its shard): it is in no pass any more, so records
   * it may have been reading can be freed.
   */
  workerGone(shard: number): void {
    const w = shard * WORKER_I32_STRIDE;
    Atomics.store(this.#v.w32, w + WORKER.BUSY, 0);
    Atomics.add(this.#v.w32, w + WORKER.SWEEPS, 1);
    this.#wakeWorkers(); // the new worker starts with a pass anyway; this wakes no one else for long
  }

  /** Frees the retired records no worker and no figures can use any more. */
  reclaim(): void {
    for (const s of this.#withRetired) {
      const resultRec = this.#v.b32[s.index * BOOK_I32_STRIDE + BOOK_I32.RESULT_REC];
      s.retired = s.retired.filter((r) => {
        if (r.rec.offset === resultRec || !this.#passedSince(r.busyAt)) return true;
        this.store.freeRecord(r.rec);
        return false;
      });
      if (s.retired.length === 0) this.#withRetired.delete(s);
    }
  }

  #retire(s: Slot, rec: SweepRecord): void {
    const n = this.shared.nShards, busyAt = new Int32Array(n);
    for (let w = 0; w < n; w++) {
      busyAt[w] = Atomics.load(this.#v.w32, w * WORKER_I32_STRIDE + WORKER.BUSY) === 1 ? Atomics.load(this.#v.w32, w * WORKER_I32_STRIDE + WORKER.SWEEPS) : -1;
    }
    s.retired.push({ rec, busyAt });
    this.#withRetired.add(s);
  }

  #passedSince(busyAt: Int32Array): boolean {
    for (let w = 0; w < busyAt.length; w++) {
      const at = busyAt[w] as number;
      if (at !== -1 && Atomics.load(this.#v.w32, w * WORKER_I32_STRIDE + WORKER.SWEEPS) === at) return false;
    }
    return true;
  }

  #namesOf(holdings: readonly Holding[]): Set<string> {
    const names = new Set<string>();
    for (const h of holdings) names.add(underlyingOf(h.instrument));
    return names;
  }

  #spotIdOf(symbol: string): number {
    const id = this.store.spotId(symbol);
    if (id >= this.shared.marketCapacity) throw sweepErrors.tooManySpots(this.shared.marketCapacity, symbol);
    return id;
  }

  #wakeWorkers(): void {
    Atomics.add(this.#v.m32, MARKET.SEQ, 1);
    Atomics.notify(this.#v.m32, MARKET.SEQ);
  }

  #outputAt(portfolioId: string, rec: SweepRecord, result: number): RecalcOutput {
    const f = this.store.view, s32 = this.store.view32;
    const r32 = rec.offset >> 2;
    const nS = s32[r32 + RECORD_N_GROUPS] as number;
    const L = layoutOf(nS, s32[r32 + RECORD_N_LEGS] as number, s32[r32 + RECORD_N_SCENARIOS] as number);
    const region = ((rec.offset + L.out) >> 3) + (result & 1) * L.outLen;
    const spots = region + regionSpots(nS);
    const byUnderlying: Record<string, UnderlyingRisk> = {};
    for (let k = 0; k < nS; k++) {
      byUnderlying[rec.groupNames[k] as string] = underlyingRiskAt(f, region + REGION_GROUPS + k * GROUP_STRIDE, f[spots + k] as number);
    }
    return {
      portfolioId, greeks: greeksAt(f, region), byUnderlying,
      marketValue: f[region + PORTFOLIO_OUT.marketValue] as number, grossExposure: f[region + PORTFOLIO_OUT.grossExposure] as number,
      var: f[region + PORTFOLIO_OUT.var] as number, es: f[region + PORTFOLIO_OUT.es] as number,
    };
  }

  /** Waits for the workers' next notice without blocking the event loop. */
  #arm(): void {
    if (this.#stopped) return;
    const r = Atomics.waitAsync(this.#v.m32, MARKET.NOTIFY, this.#notifySeen);
    if (r.async) void r.value.then(this.#drain);
    else queueMicrotask(this.#drain);
  }

  readonly #drain = (): void => {
    if (this.#stopped) return;
    this.#notifySeen = Atomics.load(this.#v.m32, MARKET.NOTIFY);
    const w32 = this.#v.w32, on = this.#onWatched as (slot: number) => void;
    let overflow = false;
    for (let w = 0; w < this.shared.nShards; w++) {
      const base = w * WORKER_I32_STRIDE, ring = ringAt(w);
      let head = w32[base + WORKER.HEAD] as number;
      const tail = Atomics.load(w32, base + WORKER.TAIL);
      while (head !== tail) {
        this.#offer(on, w32[ring + (head & (RING_SIZE - 1))] as number);
        head = (head + 1) | 0;
      }
      Atomics.store(w32, base + WORKER.HEAD, head);
      if (Atomics.load(w32, base + WORKER.OVERFLOW) === 1) {
        Atomics.store(w32, base + WORKER.OVERFLOW, 0);
        overflow = true;
      }
    }
    // A ring was full: some watched books were not queued; offer every watched one (the listener
    // ignores those with nothing new).
    if (overflow) {
      const all = Atomics.load(this.#v.m32, MARKET.WATCH_ALL) > 0;
      for (let slot = 0; slot < this.#slots.length; slot++) if (all || Atomics.load(this.#v.b32, slot * BOOK_I32_STRIDE + BOOK_I32.WATCH) > 0) this.#offer(on, slot);
    }
    this.#arm();
  };

  /** A listener that throws loses its own delivery, never the ones after it (nor the next wake-up). */
  #offer(on: (slot: number) => void, slot: number): void {
    try {
      on(slot);
    } catch (err) {
      this.listenerErrors++;
      this.lastListenerError = err;
    }
  }

  /** Deliveries whose listener threw (the engine's listener logs its own failures and never throws). */
  listenerErrors = 0;
  lastListenerError: unknown = undefined;
}

/** The engine's port (risk-sweep.ts) over a shared book; `close` stops whatever runs its workers. */
export function sweepPort(book: SweepBook, close: () => Promise<void>): RiskSweep {
  return {
    addBook: (id) => book.addBook(id),
    setBook: (slot, holdings, rate, nowMs) => book.setBook(slot, holdings, rate, nowMs),
    setSpot: (symbol, price, ts, nowMs) => book.setSpot(symbol, price, ts, nowMs),
    setNow: (nowMs) => book.setNow(nowMs),
    watch: (slot, delta) => book.watch(slot, delta),
    watchAll: (delta) => book.watchAll(delta),
    results: (slot) => book.results(slot),
    read: (slot) => book.read(slot),
    failures: (slot) => book.failures(slot),
    start: (onWatched) => book.start(onWatched),
    get recalculations() { return book.counters().recalculations; },
    get failed() { return book.counters().failed; },
    close,
  };
}
