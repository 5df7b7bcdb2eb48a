/**
 * The event loop's side of the leg store (layout in leg-store-layout.ts): one record per
 * portfolio holding its legs, written when its holdings change and read by every worker, and two
 * result regions the workers write.
 *
 * Lifetimes, which rest on the engine's guarantee of at most one recalculation in flight per
 * portfolio (RiskCalculator.recalculate):
 * - A task writes the record's `writeRegion`; the region flips only when a result is delivered, so a
 *   delivered output stays readable until the portfolio's next result is delivered (a failed task
 *   delivers nothing and flips nothing).
 * - When a portfolio's holdings change, it gets a new record; the old one may still back its last
 *   delivered output, so it is freed when the next result of that portfolio is delivered.
 *
 * Memory: a growable SharedArrayBuffer (grown ×2, never moved, so workers keep their reference)
 * with power-of-two size classes and a free list per class. Records are a few kB; hand-written
 * because no allocator package manages ranges of a SharedArrayBuffer shared with worker threads.
 */
import type { GreekTotals, Holding, UnderlyingRisk } from '../../engine/actors/types.js';
import { expiryInstantMs } from '../../engine/market/time-to-expiry.js';
import { legFlagsOf, packingOrder } from '../../engine/risk/realtime-batch.js';
import { greeksAt, underlyingRiskAt } from '../../engine/risk/realtime-output.js';
import { PORTFOLIO_OUT, GROUP_STRIDE } from '../../engine/risk/realtime-risk.js';
import type { RecalcInput, RecalcOutput } from '../../engine/runtime/risk-calculator.js';
import {
  STORE_ANSWERED, STORE_DISPATCHED, STORE_HEADER_BYTES, RECORD_N_GROUPS, RECORD_N_LEGS, RECORD_N_SCENARIOS, RECORD_STATE, recordLayout, REGION_GROUPS, regionSpots, TASK_REGION_1, TASK_WITH_MARGIN, taskLayout, viewTask,
  writeTaskHeader,
} from './leg-store-layout.js';

const MIN_BLOCK = 256;

export const legStoreErrors = {
  full: (need: number, max: number) => new RangeError(`leg store: ${need} bytes needed, the store is capped at ${max} bytes`),
  mixedMarkets: (portfolioId: string, underlying: string) =>
    new Error(`leg store: portfolio ${portfolioId} prices ${underlying} differently from the rest of its batch (one batch, one market)`),
  twiceInFlight: (portfolioId: string) =>
    new Error(`leg store: portfolio ${portfolioId} is already being recalculated (at most one recalculation per portfolio in flight)`),
} as const;

interface StoreRecord {
  readonly portfolioId: string;
  readonly holdings: readonly Holding[];
  readonly offset: number;
  readonly blockBytes: number;
  readonly groupNames: readonly string[];
  /** Float64 index of result region 0; region 1 follows after outLen. */
  readonly outF64: number;
  readonly outLen: number;
  /**
   * The output object of each region, reused: allocating one per result (tens of thousands a
   * second) kept a thousand of them alive in every young-generation collection.
   */
  readonly outputs: readonly [RecordOutput, RecordOutput];
  writeRegion: 0 | 1;
  inFlight: boolean;
}

/** A record written for the sweep: where it is and the underlying of each of its groups. */
export interface SweepRecord {
  readonly offset: number;
  readonly blockBytes: number;
  readonly groupNames: readonly string[];
}

/** What prepare() hands back: the task buffer to transfer and the records it names, in order. */
export interface PreparedTask {
  readonly buffer: ArrayBuffer;
  readonly records: readonly StoreRecord[];
}

export interface LegStoreOptions {
  readonly initialBytes?: number;
  readonly maxBytes?: number;
  /**
   * Scenarios of the runners' scenario set: each record then keeps a loss state of that size
   * ((nScenarios + 10 × groups + 4) × 8 bytes), with which a recalculation after a tick revalues only the
   * underlyings whose spot moved (leg-store-task.ts). 0 (the default): no state, every pass full.
   */
  readonly nScenarios?: number;
}

export class LegStore {
  readonly sab: SharedArrayBuffer;
  private f64: Float64Array;
  private i32: Int32Array;
  private top = STORE_HEADER_BYTES;
  private readonly freeBlocks = new Map<number, number[]>();
  private readonly records = new Map<string, StoreRecord>();
  /** Records replaced while their last output may still be read: freed on the next delivery. */
  private readonly retired = new Map<string, StoreRecord[]>();
  /** Spot vector index by underlying name; grows, never shrinks. */
  private readonly spotIds = new Map<string, number>();
  private readonly spotNames: string[] = [];
  private readonly scenarioColumn: ReadonlyMap<string, number>;
  private readonly expiryMs = new Map<string, number>();
  private readonly freeTasks: ArrayBuffer[] = [];
  private readonly nScenarios: number;

  constructor(scenarioUnderlyings: readonly string[], opts: LegStoreOptions = {}) {
    const max = opts.maxBytes ?? 1 << 30;
    this.nScenarios = opts.nScenarios ?? 0;
    if (!(Number.isInteger(this.nScenarios) && this.nScenarios >= 0)) throw new RangeError(`leg store: nScenarios ${this.nScenarios} is not an integer >= 0`);
    this.sab = new SharedArrayBuffer(Math.min(max, opts.initialBytes ?? 1 << 20), { maxByteLength: max });
    this.f64 = new Float64Array(this.sab);
    this.i32 = new Int32Array(this.sab);
    this.scenarioColumn = new Map(scenarioUnderlyings.map((u, i) => [u, i]));
    for (const u of scenarioUnderlyings) this.spotIdOf(u);
  }

  /** Bytes of the store in use by live and retired records (not counting free blocks). */
  get bytesInUse(): number {
    let n = 0;
    for (const r of this.records.values()) n += r.blockBytes;
    for (const rs of this.retired.values()) for (const r of rs) n += r.blockBytes;
    return n;
  }

  /**
   * The task buffer for a batch: writes a new record for every portfolio whose holdings array
   * changed, snapshots the spots, marks the records in flight. `reuse` is a buffer handed back by a
   * finished task.
   */
  prepare(inputs: readonly RecalcInput[]): PreparedTask {
    const nP = inputs.length;
    const records = new Array<StoreRecord>(nP);
    for (let p = 0; p < nP; p++) {
      const x = inputs[p] as RecalcInput;
      let rec = this.records.get(x.portfolioId);
      if (rec !== undefined && rec.inFlight) {
        for (let q = 0; q < p; q++) (records[q] as StoreRecord).inFlight = false;
        throw legStoreErrors.twiceInFlight(x.portfolioId);
      }
      if (rec === undefined || rec.holdings !== x.holdings) {
        if (rec !== undefined) this.retire(rec);
        rec = this.write(x.portfolioId, x.holdings);
        this.records.set(x.portfolioId, rec);
      }
      rec.inFlight = true;
      records[p] = rec;
    }
    const nSpots = this.spotNames.length;
    const L = taskLayout(nP, nSpots);
    const buffer = this.takeTaskBuffer(L.byteLength);
    writeTaskHeader(buffer, nP, nSpots);
    const t = viewTask(buffer);
    // One spot vector per task: the inputs of a batch share the engine's live price map (looked up
    // once per name); inputs with another map must agree with it on every underlying they hold.
    let lastSpots: ReadonlyMap<string, number> | undefined;
    for (let p = 0; p < nP; p++) {
      const x = inputs[p] as RecalcInput;
      const rec = records[p] as StoreRecord;
      if (x.spots !== lastSpots) {
        if (lastSpots === undefined) {
          for (let i = 0; i < nSpots; i++) t.spots[i] = x.spots.get(this.spotNames[i] as string) ?? NaN;
        } else {
          for (const name of rec.groupNames) {
            const v = x.spots.get(name) ?? NaN, have = t.spots[this.spotIds.get(name) as number] as number;
            if (!(v === have || (Number.isNaN(v) && Number.isNaN(have)))) {
              for (const r of records) r.inFlight = false;
              throw legStoreErrors.mixedMarkets(x.portfolioId, name);
            }
          }
        }
        lastSpots = x.spots;
      }
      t.rate[p] = x.rate;
      t.nowMs[p] = x.nowMs;
      t.record[p] = rec.offset;
      t.flags[p] = (x.withMargin ? TASK_WITH_MARGIN : 0) | (rec.writeRegion === 1 ? TASK_REGION_1 : 0);
    }
    // Makes the record writes above visible to the worker that loads this counter first.
    Atomics.add(this.i32, STORE_DISPATCHED, 1);
    return { buffer, records };
  }

  /** A task failed: nothing was delivered, its portfolios are free for the next recalculation. */
  abandon(task: PreparedTask): void {
    for (const r of task.records) r.inFlight = false;
  }

  /**
   * The outputs of a finished task, in order. Each reads its Greeks from the record's region on
   * first access, valid until the portfolio's next result is delivered (see the file comment).
   */
  deliver(task: PreparedTask, answered: ArrayBuffer): RecalcOutput[] {
    Atomics.load(this.i32, STORE_ANSWERED);
    const t = viewTask(answered);
    const out = new Array<RecalcOutput>(task.records.length);
    for (let p = 0; p < task.records.length; p++) {
      const rec = task.records[p] as StoreRecord;
      out[p] = rec.outputs[rec.writeRegion].load(((t.flags[p] as number) & TASK_WITH_MARGIN) !== 0);
      rec.writeRegion = rec.writeRegion === 1 ? 0 : 1;
      rec.inFlight = false;
      const old = this.retired.get(rec.portfolioId);
      if (old !== undefined) {
        this.retired.delete(rec.portfolioId);
        for (const r of old) this.free(r);
      }
    }
    if (answered.byteLength > 0 && this.freeTasks.length < 16) this.freeTasks.push(answered);
    return out;
  }

  /**
   * A record of the sweep (sweep-book.ts), which tracks its lifetime itself: written now, freed by
   * freeRecord once no worker and no reader can still use it.
   */
  writeRecord(portfolioId: string, holdings: readonly Holding[]): SweepRecord {
    const r = this.write(portfolioId, holdings);
    return { offset: r.offset, blockBytes: r.blockBytes, groupNames: r.groupNames };
  }

  freeRecord(rec: SweepRecord): void {
    this.free(rec);
  }

  /** The index of an underlying's spot (sweep-layout.ts market), assigned on first use. */
  spotId(name: string): number {
    return this.spotIdOf(name);
  }

  /** The index of an underlying's spot if some record (or the scenario set) has named it. */
  knownSpotId(name: string): number | undefined {
    return this.spotIds.get(name);
  }

  /** The store's Float64 view (rebuilt when it grows). */
  get view(): Float64Array {
    return this.f64;
  }

  /** The store's Int32 view (rebuilt when it grows). */
  get view32(): Int32Array {
    return this.i32;
  }

  private retire(rec: StoreRecord): void {
    const list = this.retired.get(rec.portfolioId);
    if (list) list.push(rec);
    else this.retired.set(rec.portfolioId, [rec]);
  }

  private spotIdOf(name: string): number {
    let id = this.spotIds.get(name);
    if (id === undefined) {
      id = this.spotNames.push(name) - 1;
      this.spotIds.set(name, id);
    }
    return id;
  }

  /** Epoch ms of an option's expiry instant (market/time-to-expiry.ts), cached by date; NaN for a bad date (t is then 0). */
  expiryInstant(iso: string): number {
    let ms = this.expiryMs.get(iso);
    if (ms === undefined) {
      if (this.expiryMs.size > 10_000) this.expiryMs.clear(); // bound it; expiries are few in practice
      ms = expiryInstantMs(iso);
      this.expiryMs.set(iso, ms);
    }
    return ms;
  }

  /** Writes a portfolio's legs, grouped by underlying (first-seen order), holding order within. */
  private write(portfolioId: string, holdings: readonly Holding[]): StoreRecord {
    const nL = holdings.length;
    const groupNames: string[] = [];
    const legCount = new Int32Array(nL), legAt = new Int32Array(nL);
    packingOrder(holdings, groupNames, legCount, new Int32Array(nL), legAt);
    const nS = groupNames.length;
    const L = recordLayout(nS, nL, this.nScenarios);
    const { offset, blockBytes } = this.alloc(L.byteLength);
    const i32 = this.i32, f64 = this.f64;
    i32[(offset >> 2) + RECORD_N_GROUPS] = nS;
    i32[(offset >> 2) + RECORD_N_LEGS] = nL;
    i32[(offset >> 2) + RECORD_N_SCENARIOS] = this.nScenarios;
    i32[(offset >> 2) + RECORD_N_SCENARIOS + 1] = 0;
    if (L.state >= 0) {
      // A block from the free list holds a retired record's bytes, loss state included: "no state"
      // makes the record's first pass a full one (leg-store-task.ts).
      const h = (offset + L.state) >> 3;
      f64[h + RECORD_STATE.valuedAtMs] = NaN;
      f64[h + RECORD_STATE.rate] = NaN;
      f64[h + RECORD_STATE.updates] = 0;
      f64[h + RECORD_STATE.unused] = 0;
    }
    for (let k = 0; k < nS; k++) {
      const name = groupNames[k] as string;
      i32[((offset + L.groupColumn) >> 2) + k] = this.scenarioColumn.get(name) ?? -1;
      i32[((offset + L.groupSpotId) >> 2) + k] = this.spotIdOf(name);
      i32[((offset + L.legCount) >> 2) + k] = legCount[k] as number;
    }
    for (let i = 0; i < nL; i++) {
      const h = holdings[i] as Holding;
      const j = legAt[i] as number;
      const ins = h.instrument;
      let strike = 1, vol = 0, expiry = NaN; // an underlying leg: harmless pricer inputs
      if (ins.kind === 'option') {
        strike = ins.strike;
        vol = h.vol ?? NaN; // no vol: the worker rejects the batch naming this portfolio
        expiry = this.expiryInstant(ins.expiry);
      }
      i32[((offset + L.legFlags) >> 2) + j] = legFlagsOf(ins, h.style);
      f64[((offset + L.units) >> 3) + j] = h.qty * h.multiplier;
      f64[((offset + L.dividendYield) >> 3) + j] = h.dividendYield;
      f64[((offset + L.strike) >> 3) + j] = strike;
      f64[((offset + L.vol) >> 3) + j] = vol;
      f64[((offset + L.expiryMs) >> 3) + j] = expiry;
    }
    const outF64 = (offset + L.out) >> 3;
    return {
      portfolioId, holdings, offset, blockBytes, groupNames, outF64, outLen: L.outLen, writeRegion: 0, inFlight: false,
      outputs: [new RecordOutput(this, portfolioId, outF64, groupNames), new RecordOutput(this, portfolioId, outF64 + L.outLen, groupNames)],
    };
  }

  private alloc(bytes: number): { offset: number; blockBytes: number } {
    let blockBytes = MIN_BLOCK;
    while (blockBytes < bytes) blockBytes *= 2;
    const free = this.freeBlocks.get(blockBytes);
    if (free !== undefined && free.length > 0) return { offset: free.pop() as number, blockBytes };
    const offset = this.top;
    const end = offset + blockBytes;
    if (end > this.sab.byteLength) {
      if (end > this.sab.maxByteLength) throw legStoreErrors.full(end, this.sab.maxByteLength);
      this.sab.grow(Math.min(this.sab.maxByteLength, Math.max(end, 2 * this.sab.byteLength)));
      this.f64 = new Float64Array(this.sab, 0, this.sab.byteLength >> 3);
      this.i32 = new Int32Array(this.sab, 0, this.sab.byteLength >> 2);
    }
    this.top = end;
    return { offset, blockBytes };
  }

  private free(rec: Pick<StoreRecord, 'offset' | 'blockBytes'>): void {
    const list = this.freeBlocks.get(rec.blockBytes);
    if (list) list.push(rec.offset);
    else this.freeBlocks.set(rec.blockBytes, [rec.offset]);
  }

  private takeTaskBuffer(bytes: number): ArrayBuffer {
    for (let i = 0; i < this.freeTasks.length; i++) {
      const buf = this.freeTasks[i] as ArrayBuffer;
      if (buf.byteLength >= bytes) {
        this.freeTasks[i] = this.freeTasks[this.freeTasks.length - 1] as ArrayBuffer;
        this.freeTasks.pop();
        return buf;
      }
    }
    return new ArrayBuffer(Math.ceil((bytes * 1.25) / 1024) * 1024);
  }
}

/**
 * One portfolio's answer from one result region. The totals are read when it is delivered;
 * `greeks` and `byUnderlying` are built from the store on first read, because most results are never
 * read that way (only portfolios with a subscriber or a query are). Reused for the region's next
 * result, which is the portfolio's next-but-one (see the file comment).
 */
class RecordOutput implements RecalcOutput {
  #greeks: GreekTotals | undefined;
  #byUnderlying: Record<string, UnderlyingRisk> | undefined;
  marketValue = NaN;
  grossExposure = NaN;
  var = NaN;
  es = NaN;
  /** undefined unless the margin grid ran for this result. */
  marginRequirement: number | undefined = undefined;

  constructor(
    private readonly store: LegStore,
    readonly portfolioId: string,
    private readonly region: number,
    private readonly names: readonly string[],
  ) {}

  /** Takes the region's newest figures (the previous result read from it is superseded). */
  load(withMargin: boolean): this {
    const f = this.store.view, region = this.region;
    this.marketValue = f[region + PORTFOLIO_OUT.marketValue] as number;
    this.grossExposure = f[region + PORTFOLIO_OUT.grossExposure] as number;
    this.var = f[region + PORTFOLIO_OUT.var] as number;
    this.es = f[region + PORTFOLIO_OUT.es] as number;
    this.marginRequirement = withMargin ? (f[region + PORTFOLIO_OUT.margin] as number) : undefined;
    this.#greeks = undefined;
    this.#byUnderlying = undefined;
    return this;
  }

  get greeks(): GreekTotals {
    return (this.#greeks ??= greeksAt(this.store.view, this.region));
  }

  get byUnderlying(): Readonly<Record<string, UnderlyingRisk>> {
    if (this.#byUnderlying) return this.#byUnderlying;
    const f = this.store.view;
    const n = this.names.length;
    const spots = this.region + regionSpots(n);
    const by: Record<string, UnderlyingRisk> = {};
    for (let k = 0; k < n; k++) by[this.names[k] as string] = underlyingRiskAt(f, this.region + REGION_GROUPS + k * GROUP_STRIDE, f[spots + k] as number);
    return (this.#byUnderlying = by);
  }

  /** Plain data for JSON and structured clone (getters are not own properties). */
  toJSON(): RecalcOutput {
    const { portfolioId, greeks, byUnderlying, marketValue, grossExposure, es } = this;
    return { portfolioId, greeks, byUnderlying, marketValue, grossExposure, var: this.var, es, ...(this.marginRequirement !== undefined ? { marginRequirement: this.marginRequirement } : {}) };
  }
}
