/**
 * Byte layouts shared by the two sides of the risk pool: the book (one growable SharedArrayBuffer
 * holding every portfolio's legs and its last figures) and the task buffer (the few bytes a task
 * carries: which records to value, at which spots and time).
 *
 * Why a shared book: packing every leg of every portfolio into a fresh buffer for each task was the
 * largest single cost of the gateway's event loop, and its garbage most of the collector's work.
 * With the legs written once, when a portfolio's holdings change, a recalculation costs the event
 * loop a record offset and a flag.
 *
 * Record, at a byte offset of the book that is a multiple of 8 (offsets relative to it):
 *   i32  nSlots, nLegs
 *   i32  slotColumn[nS]   scenario-set column of each underlying slot (−1: not in the set)
 *   i32  slotSpotId[nS]   index of its spot in the task's spot vector
 *   i32  legCount[nS]     legs per slot, legs stored slot by slot
 *   i32  legFlags[nL]     LEG_* bits
 *   (padding to 8)
 *   f64  units[nL], dividendYield[nL], strike[nL], vol[nL], expiryMs[nL]   (expiryMs NaN: not an option)
 *   f64  out[2][outLen]   two result regions, written alternately (see shared-book.ts)
 * where outLen = PORTFOLIO_STRIDE + nS · SLOT_STRIDE + nS (figures, per-slot figures, spots used).
 *
 * Task buffer (transferred to the worker and back, then reused):
 *   f64  version, nPortfolios, nSpots, 0
 *   f64  spots[nSpots], rate[nP], nowMs[nP]
 *   i32  record[nP]       byte offset of each portfolio's record in the book
 *   u8   flags[nP]        TASK_WITH_MARGIN | TASK_REGION_1
 *
 * Book header: the first 16 bytes are two Int32 counters the two sides bump with Atomics around a
 * task, so that plain writes to records before a dispatch happen-before the worker's reads, and the
 * worker's writes to the result regions happen-before the event loop's reads.
 */
import { PORTFOLIO_STRIDE, SLOT_STRIDE } from '../../engine/risk/realtime-risk.js';

export const TASK_PROTOCOL_VERSION = 2;
export const TASK_WITH_MARGIN = 1;
export const TASK_REGION_1 = 2;
/** Int32 index in the book of the counter bumped before a dispatch / after a task's writes. */
export const BOOK_DISPATCHED = 0;
export const BOOK_ANSWERED = 1;
export const BOOK_HEADER_BYTES = 16;
const TASK_HEADER_F64 = 4;

export interface RecordLayout {
  readonly nSlots: number;
  readonly nLegs: number;
  readonly byteLength: number;
  /** Byte offsets relative to the record. */
  readonly slotColumn: number; readonly slotSpotId: number; readonly legCount: number; readonly legFlags: number;
  readonly units: number; readonly dividendYield: number; readonly strike: number; readonly vol: number;
  readonly expiryMs: number; readonly out: number;
  /** Float64 entries of one result region. */
  readonly outLen: number;
}

export function recordLayout(nS: number, nL: number): RecordLayout {
  let at = 8;
  const i32 = (n: number): number => { const o = at; at += 4 * n; return o; };
  const slotColumn = i32(nS), slotSpotId = i32(nS), legCount = i32(nS), legFlags = i32(nL);
  at = Math.ceil(at / 8) * 8;
  const f64 = (n: number): number => { const o = at; at += 8 * n; return o; };
  const units = f64(nL), dividendYield = f64(nL), strike = f64(nL), vol = f64(nL), expiryMs = f64(nL);
  const outLen = PORTFOLIO_STRIDE + nS * SLOT_STRIDE + nS;
  const out = f64(2 * outLen);
  return { nSlots: nS, nLegs: nL, byteLength: at, slotColumn, slotSpotId, legCount, legFlags, units, dividendYield, strike, vol, expiryMs, out, outLen };
}

export interface TaskLayout {
  readonly nPortfolios: number;
  readonly nSpots: number;
  readonly byteLength: number;
  readonly spots: number; readonly rate: number; readonly nowMs: number; readonly record: number; readonly flags: number;
}

export function taskLayout(nP: number, nSpots: number): TaskLayout {
  let at = TASK_HEADER_F64 * 8;
  const f64 = (n: number): number => { const o = at; at += 8 * n; return o; };
  const spots = f64(nSpots), rate = f64(nP), nowMs = f64(nP);
  const record = at; at += 4 * nP;
  const flags = at; at += nP;
  return { nPortfolios: nP, nSpots, byteLength: at, spots, rate, nowMs, record, flags };
}

export interface TaskView {
  readonly nPortfolios: number;
  readonly spots: Float64Array;
  readonly rate: Float64Array;
  readonly nowMs: Float64Array;
  readonly record: Int32Array;
  readonly flags: Uint8Array;
}

export function writeTaskHeader(buffer: ArrayBuffer, nP: number, nSpots: number): void {
  const h = new Float64Array(buffer, 0, TASK_HEADER_F64);
  h[0] = TASK_PROTOCOL_VERSION; h[1] = nP; h[2] = nSpots; h[3] = 0;
}

/** Views over a task buffer (either side). Throws for a buffer of another version or too short. */
export function viewTask(buffer: ArrayBuffer): TaskView {
  if (buffer.byteLength < TASK_HEADER_F64 * 8) throw new RangeError(`risk task buffer of ${buffer.byteLength} bytes is shorter than its header`);
  const h = new Float64Array(buffer, 0, TASK_HEADER_F64);
  if (h[0] !== TASK_PROTOCOL_VERSION) throw new RangeError(`risk task buffer has protocol version ${h[0]}, expected ${TASK_PROTOCOL_VERSION}`);
  const L = taskLayout(h[1] as number, h[2] as number);
  if (L.byteLength > buffer.byteLength) throw new RangeError(`risk task buffer of ${buffer.byteLength} bytes is shorter than its layout (${L.byteLength})`);
  const nP = L.nPortfolios;
  return {
    nPortfolios: nP,
    spots: new Float64Array(buffer, L.spots, L.nSpots),
    rate: new Float64Array(buffer, L.rate, nP),
    nowMs: new Float64Array(buffer, L.nowMs, nP),
    record: new Int32Array(buffer, L.record, nP),
    flags: new Uint8Array(buffer, L.flags, nP),
  };
}
