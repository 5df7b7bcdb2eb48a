/**
 * Shared memory of the sweep (sweep-book.ts on the event loop, sweep-loop.ts in each worker): the
 * market (spots, their tick ts and the sequence number of the tick that set them), the book table
 * (which record holds each book's legs, its newest figures' sequence, who watches it) and, per
 * worker, its counters and the ring of watched books it has new figures for.
 *
 * Why workers sweep instead of taking tasks: with tasks, every tick made the event loop walk the
 * underlying's holders, pack a batch and unpack its results, tens of thousands of times a second;
 * the event loop was the bottleneck of tick-to-risk. Now a tick is three stores and a notify, each
 * worker finds the books of its shard whose underlyings moved, and the event loop hears only of
 * books someone watches.
 *
 * Market (Int32 words, then Float64 arrays, one SharedArrayBuffer of fixed size):
 *   i32 SEQ        bumped by every tick and every book change; workers Atomics.wait on it
 *   i32 STOP       1: workers return
 *   i32 NOTIFY     bumped by a worker that queued watched books; the event loop Atomics.waitAsync's on it
 *   i32 N_BOOKS    book slots in use (high-water mark)
 *   i32 WATCH_ALL  > 0: every book is watched (a wildcard risk subscription)
 *   f64 NOW_MS     the engine clock at the last tick or refresh: the valuation instant
 *   f64 spot[cap], tickTs[cap]; i32 spotSeq[cap]   (spotSeq: SEQ after the tick that set the spot)
 *
 * Book table, per slot: Int32 fields BOOK_I32.* at slot·BOOK_I32_STRIDE, Float64 fields BOOK_F64.*
 * at slot·BOOK_F64_STRIDE. A book's figures are published under a sequence lock: SEQ is odd while a
 * worker writes them and even (2 × results so far) when they are whole; result m lives in result
 * region m & 1 of record RESULT_REC (leg-store-layout.ts).
 *
 * Worker slots (WORKER_I32_STRIDE Int32 each, after the book table's own buffer): BUSY (1 while a
 * pass reads records), SWEEPS (passes done), RECALCS, FAILURES, ring HEAD (event loop), TAIL
 * (worker), OVERFLOW, then RING_SIZE entries of book slots. One producer and one consumer per ring.
 */
import { RECORD_HEADER_BYTES } from './leg-store-layout.js';

export const MARKET = Object.freeze({ SEQ: 0, STOP: 1, NOTIFY: 2, N_BOOKS: 3, WATCH_ALL: 4 });
const MARKET_I32_WORDS = 8;
/** Float64 index of NOW_MS. */
export const MARKET_NOW_F64 = MARKET_I32_WORDS / 2;
const MARKET_HEADER_BYTES = 64;

export interface MarketLayout {
  readonly capacity: number;
  readonly byteLength: number;
  /** Float64 index of spot[0] and tickTs[0]; Int32 index of spotSeq[0]. */
  readonly spotF64: number;
  readonly tickTsF64: number;
  readonly spotSeqI32: number;
}

export function marketLayout(capacity: number): MarketLayout {
  const spotF64 = MARKET_HEADER_BYTES / 8;
  const tickTsF64 = spotF64 + capacity;
  const seqByte = (tickTsF64 + capacity) * 8;
  return { capacity, byteLength: seqByte + 4 * capacity, spotF64, tickTsF64, spotSeqI32: seqByte / 4 };
}

export const BOOK_I32 = Object.freeze({
  /** Byte offset of the record holding the legs (0: no book in this slot). */
  REC: 0,
  /** Bumped by the event loop when the book changes (new legs, new limits): it must be valued again. */
  GEN: 1,
  /** The GEN the newest figures are for (worker-owned). */
  VALUED_GEN: 2,
  /** Watchers (risk subscribers): a watched book's new figures wake the event loop. */
  WATCH: 3,
  /** Sequence lock of the figures: 2 × results, odd while being written. */
  SEQ: 4,
  /** Record the newest figures were written into. */
  RESULT_REC: 5,
  /** Market SEQ read before the spots of the newest figures (worker-owned). */
  VALUED_SEQ: 6,
  /** Valuations of this book that failed (the kernel refused its inputs). */
  FAILURES: 7,
});
export const BOOK_I32_STRIDE = 8;

export const BOOK_F64 = Object.freeze({
  /** Newest tick ts among the spots the figures were valued at. */
  TICK_TS: 0,
  /** Valuation instant of the figures (engine clock ms). */
  VALUED_MS: 1,
  /** Continuous risk-free rate. */
  RATE: 2,
  /** Engine clock when the book last changed: a change is valued no earlier than this. */
  CHANGED_MS: 3,
  /** Valuation instant of the last margin, and the margin itself. */
  MARGIN_MS: 4,
  MARGIN: 5,
});
export const BOOK_F64_STRIDE = 8;

export const WORKER = Object.freeze({ BUSY: 0, SWEEPS: 1, RECALCS: 2, FAILURES: 3, HEAD: 4, TAIL: 5, OVERFLOW: 6 });
const WORKER_HEADER = 8;
export const RING_SIZE = 4096;
export const WORKER_I32_STRIDE = WORKER_HEADER + RING_SIZE;
/** Int32 index of worker w's ring entry 0. */
export function ringAt(w: number): number {
  return w * WORKER_I32_STRIDE + WORKER_HEADER;
}

/**
 * Int32 offset, from a record's first Int32, of its groupSpotId array: the record starts with its
 * header and the groupColumn array (leg-store-layout.ts; a test holds the two together). The sweep
 * reads it for every book of its shard on every pass, so it is computed here rather than by
 * looking up a RecordLayout.
 */
export function groupSpotIdI32(nGroups: number): number {
  return RECORD_HEADER_BYTES / 4 + nGroups;
}

/** What every sweep worker receives at start, besides the leg store of risk-protocol.ts. */
export interface SweepShared {
  readonly market: SharedArrayBuffer;
  readonly marketCapacity: number;
  /** Book table: slot s's Int32 fields at s·BOOK_I32_STRIDE, its Float64 fields at s·BOOK_F64_STRIDE. */
  readonly bookI32: SharedArrayBuffer;
  readonly bookF64: SharedArrayBuffer;
  readonly bookCapacity: number;
  readonly workers: SharedArrayBuffer;
  readonly nShards: number;
  /** Margin is recomputed with a book's figures when its last is older than this. */
  readonly marginRefreshMs: number;
  /** Books valued per kernel call. */
  readonly maxBatch: number;
}

/** Typed views over the sweep's shared buffers, as both sides use them. */
export interface SweepViews {
  readonly m32: Int32Array;
  readonly m64: Float64Array;
  readonly spots: Float64Array;
  readonly tickTs: Float64Array;
  readonly spotSeq: Int32Array;
  readonly b32: Int32Array;
  readonly b64: Float64Array;
  readonly w32: Int32Array;
}

export function sweepViews(shared: SweepShared): SweepViews {
  const L = marketLayout(shared.marketCapacity), market = shared.market;
  return {
    m32: new Int32Array(market), m64: new Float64Array(market),
    spots: new Float64Array(market, L.spotF64 * 8, L.capacity),
    tickTs: new Float64Array(market, L.tickTsF64 * 8, L.capacity),
    spotSeq: new Int32Array(market, L.spotSeqI32 * 4, L.capacity),
    b32: new Int32Array(shared.bookI32), b64: new Float64Array(shared.bookF64), w32: new Int32Array(shared.workers),
  };
}
