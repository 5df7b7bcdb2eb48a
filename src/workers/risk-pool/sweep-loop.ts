/**
 * A worker's sweep (layout in sweep-layout.ts): it owns the books of one shard (slot % nShards),
 * and, each time the market moves or a book changes, values those whose underlyings moved since
 * their last figures, in batches through the leg store's task runner (leg-store-task.ts), then
 * publishes each book's figures under its sequence lock and queues the watched ones for the event
 * loop. It sleeps in Atomics.wait when nothing moved; it returns when STOP is set.
 *
 * Coalescing is the sweep itself: ticks that land while a pass runs are all in the next one, and a
 * book is valued once per pass however many of its underlyings moved.
 *
 * Failure isolation: a batch the kernel refuses is valued again book by book, so only the book
 * whose inputs are bad goes without figures (its last whole figures stay readable, and it is tried
 * again when it next moves). A worker that dies leaves its shard to the pool, which starts a new
 * worker on it (risk-pool.ts); a book it left half-written (odd sequence) is valued first.
 */
import { PORTFOLIO_OUT } from '../../engine/risk/realtime-risk.js';
import { RECORD_N_GROUPS, RECORD_N_LEGS, RECORD_N_SCENARIOS, TASK_REGION_1, TASK_WITH_MARGIN, type TaskView } from './leg-store-layout.js';
import { type LegStoreTaskRunner, layoutOf } from './leg-store-task.js';
import {
  BOOK_F64, BOOK_F64_STRIDE, BOOK_I32, BOOK_I32_STRIDE, groupSpotIdI32, MARKET, MARKET_NOW_F64, RING_SIZE, ringAt, type SweepShared, type SweepViews, sweepViews, WORKER, WORKER_I32_STRIDE,
} from './sweep-layout.js';

/** How long a worker sleeps without news before it looks at STOP again. */
const IDLE_WAIT_MS = 500;

/** A task view over arrays of `n` entries, filled in place (the runner reads nPortfolios of them). */
class Batch implements TaskView {
  nPortfolios = 0;
  readonly rate: Float64Array;
  readonly nowMs: Float64Array;
  readonly record: Int32Array;
  readonly flags: Uint8Array;
  readonly slot: Int32Array;
  readonly gen: Int32Array;
  readonly result: Int32Array;
  readonly tickTs: Float64Array;
  constructor(readonly spots: Float64Array, n: number) {
    this.rate = new Float64Array(n); this.nowMs = new Float64Array(n); this.record = new Int32Array(n); this.flags = new Uint8Array(n);
    this.slot = new Int32Array(n); this.gen = new Int32Array(n); this.result = new Int32Array(n); this.tickTs = new Float64Array(n);
  }

  copyFrom(b: Batch, p: number): void {
    this.nPortfolios = 1;
    this.rate[0] = b.rate[p] as number; this.nowMs[0] = b.nowMs[p] as number; this.record[0] = b.record[p] as number; this.flags[0] = b.flags[p] as number;
    this.slot[0] = b.slot[p] as number; this.gen[0] = b.gen[p] as number; this.result[0] = b.result[p] as number; this.tickTs[0] = b.tickTs[p] as number;
  }
}

export class SweepLoop {
  readonly #v: SweepViews;
  /** This worker's slot in the worker table. */
  readonly #w: number;
  readonly #batch: Batch;
  readonly #single: Batch;
  #store32: Int32Array;
  #store64: Float64Array;
  #watchedQueued = false;
  /** Market SEQ read at the start of the current pass. */
  #seq = 0;

  constructor(
    private readonly shared: SweepShared,
    private readonly legStore: SharedArrayBuffer,
    private readonly runner: LegStoreTaskRunner,
    private readonly shard: number,
  ) {
    this.#v = sweepViews(shared);
    this.#w = shard * WORKER_I32_STRIDE;
    this.#batch = new Batch(this.#v.spots, shared.maxBatch);
    this.#single = new Batch(this.#v.spots, 1);
    this.#store32 = new Int32Array(legStore, 0, legStore.byteLength >> 2);
    this.#store64 = new Float64Array(legStore, 0, legStore.byteLength >> 3);
  }

  /** Sweeps until STOP. */
  run(): void {
    const m32 = this.#v.m32;
    while (Atomics.load(m32, MARKET.STOP) === 0) {
      const seq = this.pass();
      if (Atomics.load(m32, MARKET.SEQ) === seq) Atomics.wait(m32, MARKET.SEQ, seq, IDLE_WAIT_MS);
    }
  }

  /** One pass over the shard; returns the market SEQ it started from. */
  pass(): number {
    const m32 = this.#v.m32, b32 = this.#v.b32, b64 = this.#v.b64, w32 = this.#v.w32, w = this.#w;
    const seq = (this.#seq = Atomics.load(m32, MARKET.SEQ));
    // Before any record offset is read: the event loop frees a replaced record only once every
    // worker that was busy then has finished a pass (sweep-book.ts).
    Atomics.store(w32, w + WORKER.BUSY, 1);
    this.#fitViews();
    let s32 = this.#store32;
    const spots = this.#v.spots, tickTs = this.#v.tickTs, spotSeq = this.#v.spotSeq;
    const now = this.#v.m64[MARKET_NOW_F64] as number;
    const nBooks = Atomics.load(m32, MARKET.N_BOOKS);
    const batch = this.#batch, nShards = this.shared.nShards, refresh = this.shared.marginRefreshMs;
    batch.nPortfolios = 0;
    for (let slot = this.shard; slot < nBooks; slot += nShards) {
      const i = slot * BOOK_I32_STRIDE, f = slot * BOOK_F64_STRIDE;
      const rec = Atomics.load(b32, i + BOOK_I32.REC);
      if (rec === 0) continue;
      // A record written after this pass began may lie where the store grew meanwhile.
      if (rec >= s32.byteLength) s32 = this.#fitViews();
      const gen = Atomics.load(b32, i + BOOK_I32.GEN);
      const valuedSeq = b32[i + BOOK_I32.VALUED_SEQ] as number;
      const r32 = rec >> 2;
      const nS = s32[r32 + RECORD_N_GROUPS] as number;
      const ids = r32 + groupSpotIdI32(nS);
      let moved = gen !== b32[i + BOOK_I32.VALUED_GEN];
      let priced = true, newest = -Infinity;
      for (let k = 0; k < nS; k++) {
        const id = s32[ids + k] as number;
        if ((((spotSeq[id] as number) - valuedSeq) | 0) > 0) moved = true; // wraps with the counter
        if (!((spots[id] as number) > 0)) priced = false;
        const t = tickTs[id] as number;
        if (t > newest) newest = t;
      }
      if (!moved) continue;
      if (!priced) {
        // No figures before every underlying has a price; the missing one's first tick moves it.
        b32[i + BOOK_I32.VALUED_GEN] = gen;
        b32[i + BOOK_I32.VALUED_SEQ] = seq;
        continue;
      }
      const p = batch.nPortfolios++;
      const nowMs = Math.max(now, b64[f + BOOK_F64.CHANGED_MS] as number);
      const result = ((Atomics.load(b32, i + BOOK_I32.SEQ) >> 1) + 1) | 0;
      batch.slot[p] = slot; batch.gen[p] = gen; batch.result[p] = result; batch.tickTs[p] = newest;
      batch.record[p] = rec;
      batch.rate[p] = b64[f + BOOK_F64.RATE] as number;
      batch.nowMs[p] = nowMs;
      batch.flags[p] = (nowMs - (b64[f + BOOK_F64.MARGIN_MS] as number) >= refresh ? TASK_WITH_MARGIN : 0) | ((result & 1) === 1 ? TASK_REGION_1 : 0);
      if (batch.nPortfolios === batch.rate.length) this.#flush();
    }
    this.#flush();
    Atomics.add(w32, w + WORKER.SWEEPS, 1);
    Atomics.store(w32, w + WORKER.BUSY, 0);
    return seq;
  }

  /**
   * Wakes the event loop for the watched books queued so far. Per batch, not per pass: a watched
   * book valued early in a pass is delivered while the rest of the shard is valued, rather than
   * half a pass later on average.
   */
  #notifyWatched(): void {
    if (!this.#watchedQueued) return;
    this.#watchedQueued = false;
    Atomics.add(this.#v.m32, MARKET.NOTIFY, 1);
    Atomics.notify(this.#v.m32, MARKET.NOTIFY);
  }

  /**
   * Views over the leg store as long as it is now (it grows on the event loop, never moves);
   * fixed-length views are faster than length-tracking ones, so they are rebuilt on growth.
   */
  #fitViews(): Int32Array {
    if (this.legStore.byteLength !== this.#store32.byteLength) {
      this.#store32 = new Int32Array(this.legStore, 0, this.legStore.byteLength >> 2);
      this.#store64 = new Float64Array(this.legStore, 0, this.legStore.byteLength >> 3);
    }
    return this.#store32;
  }

  /** Values the batch; a refused batch book by book. */
  #flush(): void {
    const batch = this.#batch, n = batch.nPortfolios;
    if (n === 0) return;
    const b32 = this.#v.b32;
    // Readers must not take a region while the kernel writes it: odd sequence until published.
    for (let p = 0; p < n; p++) Atomics.store(b32, (batch.slot[p] as number) * BOOK_I32_STRIDE + BOOK_I32.SEQ, 2 * (batch.result[p] as number) - 1);
    try {
      this.runner.run(batch);
      for (let p = 0; p < n; p++) this.#publish(batch, p);
    } catch {
      const one = this.#single;
      for (let p = 0; p < n; p++) {
        one.copyFrom(batch, p);
        try {
          this.runner.run(one);
          this.#publish(one, 0);
        } catch {
          this.#failed(one);
        }
      }
    }
    batch.nPortfolios = 0;
    this.#notifyWatched();
  }

  #publish(b: Batch, p: number): void {
    const b32 = this.#v.b32, b64 = this.#v.b64;
    const slot = b.slot[p] as number, i = slot * BOOK_I32_STRIDE, f = slot * BOOK_F64_STRIDE;
    const rec = b.record[p] as number, result = b.result[p] as number, nowMs = b.nowMs[p] as number;
    b64[f + BOOK_F64.TICK_TS] = b.tickTs[p] as number;
    b64[f + BOOK_F64.VALUED_MS] = nowMs;
    if (((b.flags[p] as number) & TASK_WITH_MARGIN) !== 0) {
      const s32 = this.#store32, r32 = rec >> 2;
      const L = layoutOf(s32[r32 + RECORD_N_GROUPS] as number, s32[r32 + RECORD_N_LEGS] as number, s32[r32 + RECORD_N_SCENARIOS] as number);
      b64[f + BOOK_F64.MARGIN] = this.#store64[((rec + L.out) >> 3) + (result & 1) * L.outLen + PORTFOLIO_OUT.margin] as number;
      b64[f + BOOK_F64.MARGIN_MS] = nowMs;
    }
    b32[i + BOOK_I32.RESULT_REC] = rec;
    b32[i + BOOK_I32.VALUED_GEN] = b.gen[p] as number;
    b32[i + BOOK_I32.VALUED_SEQ] = this.#seq;
    Atomics.store(b32, i + BOOK_I32.SEQ, 2 * result);
    Atomics.add(this.#v.w32, this.#w + WORKER.RECALCS, 1);
    if (Atomics.load(b32, i + BOOK_I32.WATCH) > 0 || Atomics.load(this.#v.m32, MARKET.WATCH_ALL) > 0) this.#queue(slot);
  }

  /** The book keeps its last whole figures (sequence back to even) and waits for its next move. */
  #failed(b: Batch): void {
    const b32 = this.#v.b32, i = (b.slot[0] as number) * BOOK_I32_STRIDE;
    b32[i + BOOK_I32.VALUED_GEN] = b.gen[0] as number;
    b32[i + BOOK_I32.VALUED_SEQ] = this.#seq;
    Atomics.store(b32, i + BOOK_I32.SEQ, 2 * ((b.result[0] as number) - 1));
    Atomics.add(b32, i + BOOK_I32.FAILURES, 1);
    Atomics.add(this.#v.w32, this.#w + WORKER.FAILURES, 1);
  }

  /** Tells the event loop (one producer: this worker; one consumer: the event loop). */
  #queue(slot: number): void {
    const w32 = this.#v.w32, w = this.#w;
    const tail = w32[w + WORKER.TAIL] as number, head = Atomics.load(w32, w + WORKER.HEAD);
    if (((tail - head) | 0) < RING_SIZE) {
      w32[ringAt(this.shard) + (tail & (RING_SIZE - 1))] = slot;
      Atomics.store(w32, w + WORKER.TAIL, (tail + 1) | 0);
    } else {
      Atomics.store(w32, w + WORKER.OVERFLOW, 1); // the event loop then looks at every watched book
    }
    this.#watchedQueued = true;
  }
}
