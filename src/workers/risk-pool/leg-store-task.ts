/**
 * The worker's side of a store task (leg-store-layout.ts): gather the named records of the shared
 * store into one PackedBatch, value it with the engine kernel (computeRiskBatch), and scatter each
 * portfolio's figures into the result region of its record that the task names.
 *
 * It runs in a worker thread in production and in the calling thread in tests; its scratch arrays
 * grow to the largest batch seen and are reused, because a task is run to completion before the
 * next one starts (the task function is synchronous).
 *
 * Recompute only what a tick moved. A record with a loss state (LegStoreOptions.nScenarios) keeps
 * each underlying group's figures and the sum of the groups' 500-scenario loss vectors, valued at
 * one instant (valuedAtMs) and rate. A recalculation then revalues only the groups whose spot
 * differs from the one stored, at the state's instant, moves the sum by each one's new loss vector
 * minus its old one (recomputed from its stored dollar Greeks) and selects the tail from the sum
 * (with the usual hint); the totals are re-summed from the group blocks in group order. So an
 * incremental result equals a full pass at the same spots and instant: group figures and totals
 * bit for bit, VaR and ES to the rounding of the sum's updates (tested to 1e-12 relative).
 * The runner decides from the record's state and the task alone (any runner, any worker); it
 * values the record in full when:
 * - the record has no state yet (a new record: holdings changed; LegStore.write marks it so),
 * - the task asks for margin (the SPAN grid revalues every group anyway) or TASK_FULL_RECOMPUTE,
 * - the rate differs from the state's,
 * - the state has taken FULL_RECOMPUTE_EVERY incremental updates (bounds the sum's rounding drift),
 * - the task's nowMs is more than REVALUE_MS from the state's instant (either way).
 * Why value moved groups at the state's instant rather than the task's nowMs: a group revalued at
 * another instant than its neighbours would give figures no full pass gives (the exactness
 * contract above), and the time value lost in REVALUE_MS is negligible (theta × 1 s / 1 year:
 * 3e-8 of a year's theta). The figures a result carries are thus valued at an instant at most
 * REVALUE_MS older than the task's nowMs.
 */
import { yearsToExpiry } from '../../engine/market/time-to-expiry.js';
import type { DgvKernel } from '../../engine/risk/realtime-dgv-wasm.js';
import {
  computeRiskBatch, PORTFOLIO_OUT, outputLength, RiskBatchScratch, PORTFOLIO_STRIDE, type PackedBatch, type RealtimeRiskConfig, type ScenarioSet, GROUP_STRIDE,
} from '../../engine/risk/realtime-risk.js';
import {
  STORE_ANSWERED, STORE_DISPATCHED, STORE_HEADER_BYTES, RECORD_HEADER_BYTES, RECORD_N_GROUPS, RECORD_N_LEGS, RECORD_N_SCENARIOS, RECORD_STATE, RECORD_STATE_HEADER_F64,
  type RecordLayout, recordLayout, REGION_GROUPS, regionSpots, TASK_FULL_RECOMPUTE, TASK_REGION_1, TASK_WITH_MARGIN, type TaskView,
} from './leg-store-layout.js';

/** Incremental updates a record's loss state takes before its next full recomputation (see the file comment). */
export const FULL_RECOMPUTE_EVERY = 32;
/** Largest distance, ms, between a task's nowMs and its record's state instant for an incremental update. */
export const REVALUE_MS = 1000;

/** What a task did with each portfolio's state (Scratch.mode), for the state header written after the kernel. */
const NO_STATE = 0, FULL = 1, MOVED = 2, UNMOVED = 3;

class Scratch {
  groupStart = new Int32Array(0); rate = new Float64Array(0); withMargin = new Uint8Array(0); tailHint = new Float64Array(0);
  groupUnderlying = new Int32Array(0); groupSpot = new Float64Array(0); legStart = new Int32Array(0);
  legFlags = new Uint8Array(0); strike = new Float64Array(0); tYears = new Float64Array(0);
  vol = new Float64Array(0); dividendYield = new Float64Array(0); units = new Float64Array(0);
  out = new Float64Array(0);
  stateAt = new Int32Array(0); incremental = new Uint8Array(0); mode = new Uint8Array(0); moved = new Uint8Array(0);

  fit(nP: number, nS: number, nL: number): void {
    const grow = (have: number, need: number): number => (need > have ? Math.max(need, have * 2) : 0);
    let n: number;
    if ((n = grow(this.rate.length, nP))) {
      this.groupStart = new Int32Array(n + 1); this.rate = new Float64Array(n); this.withMargin = new Uint8Array(n); this.tailHint = new Float64Array(n);
      this.stateAt = new Int32Array(n); this.incremental = new Uint8Array(n); this.mode = new Uint8Array(n);
    }
    if ((n = grow(this.groupSpot.length, nS))) {
      this.groupUnderlying = new Int32Array(n); this.groupSpot = new Float64Array(n); this.legStart = new Int32Array(n + 1); this.moved = new Uint8Array(n);
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
export function layoutOf(nS: number, nL: number, nScen: number): RecordLayout {
  if (nL >= 0x200000 || nS >= 0x10000 || nScen >= 0x10000) return recordLayout(nS, nL, nScen);
  const key = (nS * 0x200000 + nL) * 0x10000 + nScen; // < 2^53
  let L = layouts.get(key);
  if (L === undefined) {
    if (layouts.size > 4096) layouts.clear();
    L = recordLayout(nS, nL, nScen);
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
    const nScen = this.scenarios.nScenarios;
    let nS = 0, nL = 0;
    for (let p = 0; p < nP; p++) {
      const at = task.record[p] as number;
      if (!(at >= STORE_HEADER_BYTES && at % 8 === 0 && at + RECORD_HEADER_BYTES <= this.store.byteLength)) throw badRecord(p, `record offset ${at} is outside the store`);
      const s = i32[(at >> 2) + RECORD_N_GROUPS] as number, l = i32[(at >> 2) + RECORD_N_LEGS] as number, c = i32[(at >> 2) + RECORD_N_SCENARIOS] as number;
      if (!(s >= 0 && l >= 0 && (c === 0 || c === nScen) && at + layoutOf(s, l, c).byteLength <= this.store.byteLength)) {
        throw badRecord(p, c === 0 || c === nScen ? `record at ${at} (${s} groups, ${l} legs) overruns the store` : `record at ${at} keeps losses over ${c} scenarios, the scenario set has ${nScen}`);
      }
      nS += s; nL += l;
    }
    b.fit(nP, nS, nL);
    const spots = task.spots;
    let k0 = 0, l0 = 0;
    for (let p = 0; p < nP; p++) {
      const at = task.record[p] as number;
      const s = i32[(at >> 2) + RECORD_N_GROUPS] as number, l = i32[(at >> 2) + RECORD_N_LEGS] as number;
      const L = layoutOf(s, l, i32[(at >> 2) + RECORD_N_SCENARIOS] as number);
      const nowMs = task.nowMs[p] as number, rate = task.rate[p] as number, flags = task.flags[p] as number;
      b.groupStart[p] = k0;
      b.rate[p] = rate;
      b.withMargin[p] = flags & TASK_WITH_MARGIN;
      // The region this task does not write holds the portfolio's previous figures (or, in a new
      // record, whatever the block held before: the kernel gives the same figures for any hint).
      const previous = ((at + L.out) >> 3) + ((flags & TASK_REGION_1) !== 0 ? 0 : L.outLen);
      b.tailHint[p] = f64[previous + PORTFOLIO_OUT.tailFloor] as number;
      // Full or incremental (the file comment); NaN (no state, no clock) compares false: full.
      let state = -1, incremental = 0, valuationMs = nowMs;
      if (L.state >= 0) {
        const h = (at + L.state) >> 3;
        state = h + RECORD_STATE_HEADER_F64;
        const valuedAtMs = f64[h + RECORD_STATE.valuedAtMs] as number;
        if ((flags & (TASK_WITH_MARGIN | TASK_FULL_RECOMPUTE)) === 0 && Math.abs(nowMs - valuedAtMs) <= REVALUE_MS
          && f64[h + RECORD_STATE.rate] === rate && (f64[h + RECORD_STATE.updates] as number) < FULL_RECOMPUTE_EVERY) {
          incremental = 1;
          valuationMs = valuedAtMs;
        }
      }
      b.stateAt[p] = state;
      b.incremental[p] = incremental;
      const c32 = (at + L.groupColumn) >> 2, id32 = (at + L.groupSpotId) >> 2, n32 = (at + L.legCount) >> 2;
      const f32 = (at + L.legFlags) >> 2;
      const u = (at + L.units) >> 3, d = (at + L.dividendYield) >> 3, st = (at + L.strike) >> 3, v = (at + L.vol) >> 3, e = (at + L.expiryMs) >> 3;
      let anyMoved = 0;
      for (let k = 0, rl = 0; k < s; k++) {
        b.groupUnderlying[k0 + k] = i32[c32 + k] as number;
        const id = i32[id32 + k] as number;
        const spot = id >= 0 && id < spots.length ? (spots[id] as number) : NaN; // NaN: the kernel names the portfolio
        b.groupSpot[k0 + k] = spot;
        // The state's spots come first in its layout (riskStateLayout); a NaN spot counts as moved.
        const moved = incremental === 0 || spot !== f64[state + k] ? 1 : 0;
        b.moved[k0 + k] = moved;
        anyMoved |= moved;
        b.legStart[k0 + k] = l0;
        const n = i32[n32 + k] as number;
        // An unmoved group of an incremental update keeps its stored figures: its legs stay out.
        if (moved === 1) {
          // Element loops, not set(subarray(...)): a subarray is a new view object per call.
          for (let j = 0; j < n; j++) {
            const r = rl + j, to = l0 + j;
            b.legFlags[to] = i32[f32 + r] as number;
            b.units[to] = f64[u + r] as number;
            b.dividendYield[to] = f64[d + r] as number;
            b.strike[to] = f64[st + r] as number;
            b.vol[to] = f64[v + r] as number;
            b.tYears[to] = yearsToExpiry(valuationMs, f64[e + r] as number); // NaN (an underlying leg) lands on 0
          }
          l0 += n;
        }
        rl += n;
      }
      b.mode[p] = state < 0 ? NO_STATE : incremental === 0 ? FULL : anyMoved === 1 ? MOVED : UNMOVED;
      k0 += s;
    }
    b.groupStart[nP] = k0;
    b.legStart[nS] = l0;
    return {
      nPortfolios: nP, nGroups: nS, nLegs: l0, groupStart: b.groupStart, rate: b.rate, withMargin: b.withMargin,
      groupUnderlying: b.groupUnderlying, groupSpot: b.groupSpot, legStart: b.legStart, legFlags: b.legFlags,
      strike: b.strike, tYears: b.tYears, vol: b.vol, dividendYield: b.dividendYield, units: b.units, tailHint: b.tailHint,
      state: { mem: f64, at: b.stateAt, incremental: b.incremental, moved: b.moved },
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
      const L = layoutOf(s, l, i32[(at >> 2) + RECORD_N_SCENARIOS] as number);
      const region = ((at + L.out) >> 3) + (((task.flags[p] as number) & TASK_REGION_1) !== 0 ? L.outLen : 0);
      const k = b.groupStart[p] as number;
      const out = b.out;
      for (let i = 0, from = p * PORTFOLIO_STRIDE; i < PORTFOLIO_STRIDE; i++) f64[region + i] = out[from + i] as number;
      for (let i = 0, from = groupBase + k * GROUP_STRIDE, to = region + REGION_GROUPS; i < s * GROUP_STRIDE; i++) f64[to + i] = out[from + i] as number;
      for (let i = 0, to = region + regionSpots(s); i < s; i++) f64[to + i] = b.groupSpot[k + i] as number;
      // The state header last: the kernel wrote the rest of the state (spots, blocks, sum).
      const mode = b.mode[p] as number;
      if (mode === NO_STATE || mode === UNMOVED) continue;
      const h = (b.stateAt[p] as number) - RECORD_STATE_HEADER_F64;
      if (mode === MOVED) f64[h + RECORD_STATE.updates] = (f64[h + RECORD_STATE.updates] as number) + 1;
      else {
        f64[h + RECORD_STATE.valuedAtMs] = task.nowMs[p] as number;
        f64[h + RECORD_STATE.rate] = task.rate[p] as number;
        f64[h + RECORD_STATE.updates] = 0;
      }
    }
    // Publishes the result writes to the event loop, which loads this counter before reading them.
    Atomics.add(i32, STORE_ANSWERED, 1);
  }
}
