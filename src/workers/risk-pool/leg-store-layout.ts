/**
 * Byte layouts shared by the two sides of the risk pool: the leg store (one growable SharedArrayBuffer
 * holding every portfolio's legs and its last figures) and the task buffer (the few bytes a task
 * carries: which records to value, at which spots and time).
 *
 * Why a leg store shared by both sides: packing every leg of every portfolio into a fresh buffer for
 * each task was the largest single cost of the gateway's event loop, and its garbage most of the
 * collector's work. With the legs written once, when a portfolio's holdings change, a
 * recalculation costs the event loop a record offset and a flag.
 *
 * Record, at a byte offset of the store that is a multiple of 8 (offsets relative to it):
 *   i32  nGroups, nLegs, nScenarios, 0   (Int32 indices RECORD_N_GROUPS, RECORD_N_LEGS, RECORD_N_SCENARIOS)
 *   i32  groupColumn[nS]   scenario-set column of each underlying group (−1: not in the set)
 *   i32  groupSpotId[nS]   index of its spot in the task's spot vector
 *   i32  legCount[nS]      legs per group, legs stored group by group
 *   i32  legFlags[nL]      LEG_* bits
 *   (padding to 8)
 *   f64  units[nL], dividendYield[nL], strike[nL], vol[nL], expiryMs[nL]   (expiryMs NaN: not an option)
 *   f64  out[2][outLen]   two result regions, written alternately (see leg-store.ts)
 *   and, when nScenarios > 0 (LegStoreOptions.nScenarios), the record's loss state:
 *   f64  stateHeader[4]   RECORD_STATE: valuedAtMs (NaN: no state), rate, updates, 0
 *   f64  riskState[…]     spots, group blocks, the sum of the groups' loss vectors (riskStateLayout
 *                         of engine/risk/realtime-risk.ts): (nScenarios + 10 nS) × 8 bytes
 * where nS counts the record's underlying groups and a result region is laid out below.
 *
 * Why the loss state lives in the record and not in a worker: the next recalculation of a
 * portfolio may run on another worker (or a sweep loop's runner); with the state beside the legs,
 * any runner can update it from the task alone (leg-store-task.ts decides full or incremental).
 * It is written by the task that values the record, with at most one task per record in flight
 * (the store's rule), and it is self-contained: it does not depend on which result region was
 * delivered, so an abandoned task leaves a consistent state behind.
 *
 * Task buffer (transferred to the worker and back, then reused):
 *   f64  version, nPortfolios, nSpots, 0   (indices TASK_HEADER.*)
 *   f64  spots[nSpots], rate[nP], nowMs[nP]
 *   i32  record[nP]       byte offset of each portfolio's record in the store
 *   u8   flags[nP]        TASK_WITH_MARGIN | TASK_REGION_1 | TASK_FULL_RECOMPUTE
 *
 * Store header: the first 16 bytes are two Int32 counters the two sides bump with Atomics around a
 * task, so that plain writes to records before a dispatch happen-before the worker's reads, and the
 * worker's writes to the result regions happen-before the event loop's reads.
 */
import { GROUP_STRIDE, PORTFOLIO_STRIDE, riskStateLayout } from '../../engine/risk/realtime-risk.js';

// A result region: the kernel's blocks for this portfolio (offsets PORTFOLIO_OUT and GROUP_OUT of
// engine/risk/realtime-risk.ts), then the spot each group was valued at.
//
//   0                 REGION_GROUPS              regionSpots(nS)           regionLength(nS)
//   |                 |                          |                         |
//   v                 v                          v                         v
//   +-----------------+-------------+----+-------+--------+----+----------+
//   | portfolio block | group 0     | .. | group | spot 0 | .. | spot     |
//   | PORTFOLIO_STRIDE| GROUP_STRIDE|    | nS-1  |        |    | nS-1     |
//   +-----------------+-------------+----+-------+--------+----+----------+
//
// The worker writes it (leg-store-task.ts, scatter); the event loop reads it (leg-store.ts, RecordOutput).

/** Float64 offset in a result region of group 0's block. */
export const REGION_GROUPS = PORTFOLIO_STRIDE;
/** Float64 offset in a result region of the spots, for a record of nS groups. */
export function regionSpots(nS: number): number {
  return PORTFOLIO_STRIDE + nS * GROUP_STRIDE;
}
/** Float64 entries of one result region, for a record of nS groups. */
export function regionLength(nS: number): number {
  return regionSpots(nS) + nS;
}

/** Int32 indices, from a record's start, of its counts. */
export const RECORD_N_GROUPS = 0;
export const RECORD_N_LEGS = 1;
/** Scenarios of the record's loss state; 0: the record keeps no state (every pass is full). */
export const RECORD_N_SCENARIOS = 2;
/** Bytes of the counts; the record's arrays start here. */
export const RECORD_HEADER_BYTES = 16;
/** Float64 offsets in a record's state header, and its length. */
export const RECORD_STATE = Object.freeze({ valuedAtMs: 0, rate: 1, updates: 2, unused: 3 });
export const RECORD_STATE_HEADER_F64 = 4;

export const TASK_PROTOCOL_VERSION = 2;
/** Float64 indices in a task buffer's header. */
const TASK_HEADER = Object.freeze({ version: 0, nPortfolios: 1, nSpots: 2, unused: 3 });
export const TASK_WITH_MARGIN = 1;
export const TASK_REGION_1 = 2;
/** Value the portfolio from scratch even if its record's loss state would allow an incremental update. */
export const TASK_FULL_RECOMPUTE = 4;
/** Int32 index in the store of the counter bumped before a dispatch / after a task's writes. */
export const STORE_DISPATCHED = 0;
export const STORE_ANSWERED = 1;
export const STORE_HEADER_BYTES = 16;
const TASK_HEADER_F64 = 4;

export interface RecordLayout {
  readonly nGroups: number;
  readonly nLegs: number;
  readonly byteLength: number;
  /** Byte offsets relative to the record. */
  readonly groupColumn: number; readonly groupSpotId: number; readonly legCount: number; readonly legFlags: number;
  readonly units: number; readonly dividendYield: number; readonly strike: number; readonly vol: number;
  readonly expiryMs: number; readonly out: number;
  /** Float64 entries of one result region. */
  readonly outLen: number;
  /** Scenarios of the loss state (0: none), and the byte offset of its header (−1: none); the riskState follows the header. */
  readonly nScenarios: number;
  readonly state: number;
}

export function recordLayout(nS: number, nL: number, nScenarios = 0): RecordLayout {
  let at = RECORD_HEADER_BYTES;
  const i32 = (n: number): number => { const o = at; at += 4 * n; return o; };
  const groupColumn = i32(nS), groupSpotId = i32(nS), legCount = i32(nS), legFlags = i32(nL);
  at = Math.ceil(at / 8) * 8;
  const f64 = (n: number): number => { const o = at; at += 8 * n; return o; };
  const units = f64(nL), dividendYield = f64(nL), strike = f64(nL), vol = f64(nL), expiryMs = f64(nL);
  const outLen = regionLength(nS);
  const out = f64(2 * outLen);
  const state = nScenarios > 0 ? f64(RECORD_STATE_HEADER_F64 + riskStateLayout(nS, nScenarios).length) : -1;
  return { nGroups: nS, nLegs: nL, byteLength: at, groupColumn, groupSpotId, legCount, legFlags, units, dividendYield, strike, vol, expiryMs, out, outLen, nScenarios, state };
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
  h[TASK_HEADER.version] = TASK_PROTOCOL_VERSION; h[TASK_HEADER.nPortfolios] = nP; h[TASK_HEADER.nSpots] = nSpots; h[TASK_HEADER.unused] = 0;
}

/** Views over a task buffer (either side). Throws for a buffer of another version or too short. */
export function viewTask(buffer: ArrayBuffer): TaskView {
  if (buffer.byteLength < TASK_HEADER_F64 * 8) throw new RangeError(`risk task buffer of ${buffer.byteLength} bytes is shorter than its header`);
  const h = new Float64Array(buffer, 0, TASK_HEADER_F64);
  const version = h[TASK_HEADER.version];
  if (version !== TASK_PROTOCOL_VERSION) throw new RangeError(`risk task buffer has protocol version ${version}, expected ${TASK_PROTOCOL_VERSION}`);
  const L = taskLayout(h[TASK_HEADER.nPortfolios] as number, h[TASK_HEADER.nSpots] as number);
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
