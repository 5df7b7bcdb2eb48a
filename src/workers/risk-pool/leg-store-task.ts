/**
 * The worker's side of a store task (leg-store-layout.ts): gather the named records of the shared
 * store into one PackedBatch, value it with the engine kernel (computeRiskBatch), and scatter each
 * portfolio's figures into the result region of its record that the task names.
 *
 * It runs in a worker thread in production and in the calling thread in tests; its scratch arrays
 * grow to the largest batch seen and are reused, because a task is run to completion before the
 * next one starts (the task function is synchronous).
 */
import { yearsToExpiry } from '../../engine/market/time-to-expiry.js';
import type { DgvKernel } from '../../engine/risk/realtime-dgv-wasm.js';
import {
  computeRiskBatch, PORTFOLIO_OUT, outputLength, RiskBatchScratch, PORTFOLIO_STRIDE, type PackedBatch, type RealtimeRiskConfig, type ScenarioSet, GROUP_STRIDE,
} from '../../engine/risk/realtime-risk.js';
import {
  STORE_ANSWERED, STORE_DISPATCHED, STORE_HEADER_BYTES, RECORD_HEADER_BYTES, RECORD_N_GROUPS, RECORD_N_LEGS, type RecordLayout, recordLayout, REGION_GROUPS, regionSpots, TASK_REGION_1, TASK_WITH_MARGIN, type TaskView,
} from './leg-store-layout.js';

class Scratch {
  groupStart = new Int32Array(0); rate = new Float64Array(0); withMargin = new Uint8Array(0); tailHint = new Float64Array(0);
  groupUnderlying = new Int32Array(0); groupSpot = new Float64Array(0); legStart = new Int32Array(0);
  legFlags = new Uint8Array(0); strike = new Float64Array(0); tYears = new Float64Array(0);
  vol = new Float64Array(0); dividendYield = new Float64Array(0); units = new Float64Array(0);
  out = new Float64Array(0);

  fit(nP: number, nS: number, nL: number): void {
    const grow = (have: number, need: number): number => (need > have ? Math.max(need, have * 2) : 0);
    let n: number;
    if ((n = grow(this.rate.length, nP))) {
      this.groupStart = new Int32Array(n + 1); this.rate = new Float64Array(n); this.withMargin = new Uint8Array(n); this.tailHint = new Float64Array(n);
    }
    if ((n = grow(this.groupSpot.length, nS))) {
      this.groupUnderlying = new Int32Array(n); this.groupSpot = new Float64Array(n); this.legStart = new Int32Array(n + 1);
    }
    if ((n = grow(this.units.length, nL))) {
      this.legFlags = new Uint8Array(n); this.strike = new Float64Array(n); this.tYears = new Float64Array(n);
      this.vol = new Float64Array(n); this.dividendYield = new Float64Array(n); this.units = new Float64Array(n);
    }
    const o = outputLength(nP, nS);
    if (o > this.out.length) this.out = new Float64Array(Math.max(o, this.out.length * 2));
  }
}

/** Thrown for a task that names a record the store cannot hold (a caller bug, never silent). */
function badRecord(p: number, detail: string): RangeError {
  return new RangeError(`risk task portfolio #${p}: ${detail}`, { cause: { portfolioIndex: p } });
}

/** Record layouts by shape, so that a task (or a sweep, sweep-loop.ts) does not build one object per portfolio. */
const layouts = new Map<number, RecordLayout>();
export function layoutOf(nS: number, nL: number): RecordLayout {
  if (nL >= 0x200000) return recordLayout(nS, nL);
  const key = nS * 0x200000 + nL;
  let L = layouts.get(key);
  if (L === undefined) {
    if (layouts.size > 4096) layouts.clear();
    L = recordLayout(nS, nL);
    layouts.set(key, L);
  }
  return L;
}

export class LegStoreTaskRunner {
  private f64: Float64Array;
  private i32: Int32Array;
  private readonly scratch = new Scratch();
  private readonly kernelScratch = new RiskBatchScratch();

  constructor(
    private readonly store: SharedArrayBuffer,
    private readonly scenarios: ScenarioSet,
    private readonly config?: RealtimeRiskConfig,
    private readonly dgv?: DgvKernel,
  ) {
    this.f64 = new Float64Array(store, 0, store.byteLength >> 3);
    this.i32 = new Int32Array(store, 0, store.byteLength >> 2);
  }

  /** Values every portfolio of the task into its record's result region. */
  run(task: TaskView): void {
    const batch = this.gather(task);
    const b = this.scratch;
    computeRiskBatch(batch, this.scenarios, b.out, this.config, this.dgv, this.kernelScratch);
    this.scatter(task, batch);
  }

  /**
   * The task's portfolios as one PackedBatch over this runner's scratch arrays (valid until the
   * next call): legs from the store, spots from the task, time to expiry from each portfolio's nowMs.
   */
  gather(task: TaskView): PackedBatch {
    // Pairs with the event loop's Atomics.add after it wrote the records (see the layout file).
    Atomics.load(this.i32, STORE_DISPATCHED);
    // The store grows on the event loop; fixed-length views are faster than length-tracking ones,
    // so they are rebuilt when it has grown since the last task.
    if (this.store.byteLength !== this.f64.byteLength) {
      this.f64 = new Float64Array(this.store, 0, this.store.byteLength >> 3);
      this.i32 = new Int32Array(this.store, 0, this.store.byteLength >> 2);
    }
    const { f64, i32, scratch: b } = this;
    const nP = task.nPortfolios;
    let nS = 0, nL = 0;
    for (let p = 0; p < nP; p++) {
      const at = task.record[p] as number;
      if (!(at >= STORE_HEADER_BYTES && at % 8 === 0 && at + RECORD_HEADER_BYTES <= this.store.byteLength)) throw badRecord(p, `record offset ${at} is outside the store`);
      const s = i32[(at >> 2) + RECORD_N_GROUPS] as number, l = i32[(at >> 2) + RECORD_N_LEGS] as number;
      if (!(s >= 0 && l >= 0 && at + layoutOf(s, l).byteLength <= this.store.byteLength)) throw badRecord(p, `record at ${at} (${s} groups, ${l} legs) overruns the store`);
      nS += s; nL += l;
    }
    b.fit(nP, nS, nL);
    const spots = task.spots;
    let k0 = 0, l0 = 0;
    for (let p = 0; p < nP; p++) {
      const at = task.record[p] as number;
      const s = i32[(at >> 2) + RECORD_N_GROUPS] as number, l = i32[(at >> 2) + RECORD_N_LEGS] as number;
      const L = layoutOf(s, l);
      const nowMs = task.nowMs[p] as number;
      b.groupStart[p] = k0;
      b.rate[p] = task.rate[p] as number;
      b.withMargin[p] = (task.flags[p] as number) & TASK_WITH_MARGIN;
      // The region this task does not write holds the portfolio's previous figures (or, in a new
      // record, whatever the block held before: the kernel gives the same figures for any hint).
      const previous = ((at + L.out) >> 3) + (((task.flags[p] as number) & TASK_REGION_1) !== 0 ? 0 : L.outLen);
      b.tailHint[p] = f64[previous + PORTFOLIO_OUT.tailFloor] as number;
      const c32 = (at + L.groupColumn) >> 2, id32 = (at + L.groupSpotId) >> 2, n32 = (at + L.legCount) >> 2;
      for (let k = 0; k < s; k++) {
        b.groupUnderlying[k0 + k] = i32[c32 + k] as number;
        const id = i32[id32 + k] as number;
        b.groupSpot[k0 + k] = id >= 0 && id < spots.length ? (spots[id] as number) : NaN; // NaN: the kernel names the portfolio
        b.legStart[k0 + k] = l0;
        l0 += i32[n32 + k] as number;
      }
      const legAt = l0 - l;
      const f32 = (at + L.legFlags) >> 2;
      for (let j = 0; j < l; j++) b.legFlags[legAt + j] = i32[f32 + j] as number;
      const u = (at + L.units) >> 3, d = (at + L.dividendYield) >> 3, st = (at + L.strike) >> 3, v = (at + L.vol) >> 3, e = (at + L.expiryMs) >> 3;
      // Element loops, not set(subarray(...)): a subarray is a new view object per call.
      for (let j = 0; j < l; j++) {
        b.units[legAt + j] = f64[u + j] as number;
        b.dividendYield[legAt + j] = f64[d + j] as number;
        b.strike[legAt + j] = f64[st + j] as number;
        b.vol[legAt + j] = f64[v + j] as number;
        b.tYears[legAt + j] = yearsToExpiry(nowMs, f64[e + j] as number); // NaN (an underlying leg) lands on 0
      }
      k0 += s;
    }
    b.groupStart[nP] = k0;
    b.legStart[nS] = l0;
    return {
      nPortfolios: nP, nGroups: nS, nLegs: nL, groupStart: b.groupStart, rate: b.rate, withMargin: b.withMargin,
      groupUnderlying: b.groupUnderlying, groupSpot: b.groupSpot, legStart: b.legStart, legFlags: b.legFlags,
      strike: b.strike, tYears: b.tYears, vol: b.vol, dividendYield: b.dividendYield, units: b.units, tailHint: b.tailHint,
    };
  }

  /** Copies each portfolio's figures from the scratch output into the region of its record the task names. */
  private scatter(task: TaskView, batch: PackedBatch): void {
    const { f64, i32, scratch: b } = this;
    const nP = batch.nPortfolios;
    const groupBase = nP * PORTFOLIO_STRIDE;
    for (let p = 0; p < nP; p++) {
      const at = task.record[p] as number;
      const s = i32[(at >> 2) + RECORD_N_GROUPS] as number, l = i32[(at >> 2) + RECORD_N_LEGS] as number;
      const L = layoutOf(s, l);
      const region = ((at + L.out) >> 3) + (((task.flags[p] as number) & TASK_REGION_1) !== 0 ? L.outLen : 0);
      const k = b.groupStart[p] as number;
      const out = b.out;
      for (let i = 0, from = p * PORTFOLIO_STRIDE; i < PORTFOLIO_STRIDE; i++) f64[region + i] = out[from + i] as number;
      for (let i = 0, from = groupBase + k * GROUP_STRIDE, to = region + REGION_GROUPS; i < s * GROUP_STRIDE; i++) f64[to + i] = out[from + i] as number;
      for (let i = 0, to = region + regionSpots(s); i < s; i++) f64[to + i] = b.groupSpot[k + i] as number;
    }
    // Publishes the result writes to the event loop, which loads this counter before reading them.
    Atomics.add(i32, STORE_ANSWERED, 1);
  }
}
