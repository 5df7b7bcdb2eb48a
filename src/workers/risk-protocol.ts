/**
 * The risk pool's wire format, declared once and used by both sides: the pool (main thread) packs
 * RecalcInput[] into one ArrayBuffer and transfers it; the worker views it as a PackedBatch, writes
 * the results into the output region of the same buffer and transfers it back; the pool unpacks
 * RecalcOutput[] from it. One buffer each way, no structured clone of objects, and the buffer is
 * reused for later batches.
 *
 * Underlying names never cross: each slot carries its column index in the scenario set that every
 * worker received at start (workerData), and the pool keeps the names of the batch it packed.
 *
 * Buffer layout (byte offsets from layoutOf; Float64 sections first so every section is aligned):
 *   header f64[4]   version, nPortfolios, nSlots, nLegs
 *   f64             rate[nP], slotSpot[nS], strike/tYears/vol/dividendYield/units[nL] each, out[...]
 *   i32             slotStart[nP+1], slotUnderlying[nS], legStart[nS+1]
 *   u8              withMargin[nP], legFlags[nL]
 *
 * Time to expiry: an option expires at 21:00 UTC on its expiry date (the 16:00 New York close in
 * daylight time; an hour late in winter, documented rather than time-zoned), t = (expiry − nowMs) /
 * (365 days), Actual/365, floored at 0.
 */
import type { Holding } from '../engine/actors/types.js';
import { isoToEpochDay } from '../engine/market/dates.js';
import type { RecalcInput, RecalcOutput } from '../engine/runtime/risk-calculator.js';
import {
  LEG_AMERICAN, LEG_CALL, LEG_OPTION, OUT, type PackedBatch, PORTFOLIO_STRIDE, type RealtimeRiskConfig,
  SLOT_STRIDE, outputLength,
} from '../engine/risk/realtime-risk.js';
import type { GreekTotals, UnderlyingRisk } from '../engine/actors/types.js';

/** The task a worker receives; `buffer` is in the transfer list. */
export interface RiskTask {
  readonly buffer: ArrayBuffer;
}

/** What every worker receives once, at start. */
export interface RiskWorkerData {
  /** Underlying-major returns (ScenarioSet.returns), in a SharedArrayBuffer so threads share one copy. */
  readonly returns: SharedArrayBuffer;
  readonly fallbackReturns: SharedArrayBuffer;
  readonly nScenarios: number;
  readonly underlyings: readonly string[];
  readonly config: RealtimeRiskConfig;
  /** Use the WebAssembly SIMD loss kernel (same figures, faster); JS loop when false or unavailable. */
  readonly simd: boolean;
}

export const PROTOCOL_VERSION = 1;
const HEADER_F64 = 4;
const MS_PER_YEAR = 365 * 86_400_000;
/** 21:00 UTC, see the file comment. */
export const EXPIRY_TIME_OF_DAY_MS = 21 * 3_600_000;

export interface BatchLayout {
  readonly nPortfolios: number;
  readonly nSlots: number;
  readonly nLegs: number;
  readonly byteLength: number;
  readonly rate: number; readonly slotSpot: number; readonly strike: number; readonly tYears: number;
  readonly vol: number; readonly dividendYield: number; readonly units: number; readonly out: number;
  readonly slotStart: number; readonly slotUnderlying: number; readonly legStart: number;
  readonly withMargin: number; readonly legFlags: number;
}

export function layoutOf(nP: number, nS: number, nL: number): BatchLayout {
  let at = HEADER_F64 * 8;
  const f64 = (n: number): number => { const o = at; at += n * 8; return o; };
  const rate = f64(nP), slotSpot = f64(nS), strike = f64(nL), tYears = f64(nL), vol = f64(nL), dividendYield = f64(nL),
    units = f64(nL), out = f64(outputLength(nP, nS));
  const i32 = (n: number): number => { const o = at; at += n * 4; return o; };
  const slotStart = i32(nP + 1), slotUnderlying = i32(nS), legStart = i32(nS + 1);
  const withMargin = at; at += nP;
  const legFlags = at; at += nL;
  return {
    nPortfolios: nP, nSlots: nS, nLegs: nL, byteLength: at,
    rate, slotSpot, strike, tYears, vol, dividendYield, units, out, slotStart, slotUnderlying, legStart, withMargin, legFlags,
  };
}

/** Views over a packed buffer (either side of the boundary). */
export function viewBatch(buffer: ArrayBuffer): { batch: PackedBatch; out: Float64Array } {
  const h = new Float64Array(buffer, 0, HEADER_F64);
  if (h[0] !== PROTOCOL_VERSION) throw new Error(`risk task buffer has protocol version ${h[0]}, expected ${PROTOCOL_VERSION}`);
  const L = layoutOf(h[1] as number, h[2] as number, h[3] as number);
  const { nPortfolios: nP, nSlots: nS, nLegs: nL } = L;
  const f = (o: number, n: number): Float64Array => new Float64Array(buffer, o, n);
  const i = (o: number, n: number): Int32Array => new Int32Array(buffer, o, n);
  return {
    batch: {
      nPortfolios: nP, nSlots: nS, nLegs: nL,
      slotStart: i(L.slotStart, nP + 1), rate: f(L.rate, nP), withMargin: new Uint8Array(buffer, L.withMargin, nP),
      slotUnderlying: i(L.slotUnderlying, nS), slotSpot: f(L.slotSpot, nS), legStart: i(L.legStart, nS + 1),
      legFlags: new Uint8Array(buffer, L.legFlags, nL), strike: f(L.strike, nL), tYears: f(L.tYears, nL),
      vol: f(L.vol, nL), dividendYield: f(L.dividendYield, nL), units: f(L.units, nL),
    },
    out: f(L.out, outputLength(nP, nS)),
  };
}

/** What the packer keeps on the main thread to unpack the answer. */
export interface PackedMeta {
  readonly buffer: ArrayBuffer;
  /** Underlying name of every slot, in slot order. */
  readonly slotNames: readonly string[];
}

function underlyingOfHolding(h: Holding): string {
  return h.instrument.kind === 'underlying' ? h.instrument.symbol : h.instrument.underlying;
}

/** See BatchPacker.legsOf. */
interface PortfolioLegs {
  readonly slotNames: readonly string[];
  /** Scenario-set column of each slot (−1: not in the set). */
  readonly slotColumn: Int32Array;
  readonly legCount: Int32Array;
  readonly units: Float64Array;
  readonly dividendYield: Float64Array;
  readonly strike: Float64Array;
  readonly vol: Float64Array;
  /** Epoch ms of expiry; NaN for an underlying leg. */
  readonly expiryMs: Float64Array;
  readonly flags: Uint8Array;
}

/**
 * Packs RecalcInput[] into task buffers. Holds the scenario registry (name → column), a cache of
 * expiry instants and a small free list of buffers handed back by `release`.
 */
export class BatchPacker {
  private readonly registry: ReadonlyMap<string, number>;
  private readonly expiryMs = new Map<string, number>();
  private readonly free: ArrayBuffer[] = [];

  constructor(underlyings: readonly string[], private readonly maxFreeBuffers = 8) {
    this.registry = new Map(underlyings.map((u, i) => [u, i]));
  }

  /** Epoch ms of 21:00 UTC on an ISO expiry date (NaN for a bad date, which the worker rejects via t). */
  expiryInstant(iso: string): number {
    let ms = this.expiryMs.get(iso);
    if (ms === undefined) {
      if (this.expiryMs.size > 10_000) this.expiryMs.clear(); // bound it; expiries are few in practice
      ms = isoToEpochDay(iso) * 86_400_000 + EXPIRY_TIME_OF_DAY_MS;
      this.expiryMs.set(iso, ms);
    }
    return ms;
  }

  /**
   * A portfolio's legs in packed order (grouped by underlying, holding order within each), with
   * every field that does not change between recalculations. Cached per holdings array: the engine
   * hands the same array until the portfolio's holdings change, so a recalculation packs by copying
   * typed arrays and computing only the time to expiry.
   */
  private readonly legCache = new WeakMap<readonly Holding[], PortfolioLegs>();

  private legsOf(holdings: readonly Holding[]): PortfolioLegs {
    let c = this.legCache.get(holdings);
    if (c !== undefined) return c;
    const slotNames: string[] = [];
    const slotOf = new Int32Array(holdings.length);
    holdings.forEach((h, i) => {
      const u = underlyingOfHolding(h);
      let k = slotNames.indexOf(u);
      if (k < 0) k = slotNames.push(u) - 1;
      slotOf[i] = k;
    });
    const nS = slotNames.length, nL = holdings.length;
    const legCount = new Int32Array(nS);
    for (let i = 0; i < nL; i++) legCount[slotOf[i] as number]! += 1;
    const cursor = new Int32Array(nS);
    for (let k = 1; k < nS; k++) cursor[k] = (cursor[k - 1] as number) + (legCount[k - 1] as number);
    const units = new Float64Array(nL), dividendYield = new Float64Array(nL), strike = new Float64Array(nL),
      vol = new Float64Array(nL), expiryMs = new Float64Array(nL), flags = new Uint8Array(nL);
    holdings.forEach((hd, i) => {
      const at = cursor[slotOf[i] as number] as number;
      cursor[slotOf[i] as number] = at + 1;
      units[at] = hd.qty * hd.multiplier;
      dividendYield[at] = hd.dividendYield;
      const ins = hd.instrument;
      if (ins.kind === 'option') {
        flags[at] = LEG_OPTION | (ins.type === 'call' ? LEG_CALL : 0) | (hd.style === 'american' ? LEG_AMERICAN : 0);
        strike[at] = ins.strike;
        expiryMs[at] = this.expiryInstant(ins.expiry);
        vol[at] = hd.vol ?? NaN; // no vol: the worker rejects the batch naming this portfolio
      } else {
        // Harmless pricer inputs (expired, zero vol): the kernel ignores an underlying leg's Greeks.
        flags[at] = 0;
        strike[at] = 1; vol[at] = 0; expiryMs[at] = NaN;
      }
    });
    const slotColumn = Int32Array.from(slotNames, (u) => this.registry.get(u) ?? -1);
    c = { slotNames, slotColumn, legCount, units, dividendYield, strike, vol, expiryMs, flags };
    this.legCache.set(holdings, c);
    return c;
  }

  pack(inputs: readonly RecalcInput[]): PackedMeta {
    const nP = inputs.length;
    const legs: PortfolioLegs[] = new Array<PortfolioLegs>(nP);
    let nS = 0, nL = 0;
    for (let p = 0; p < nP; p++) {
      const c = this.legsOf((inputs[p] as RecalcInput).holdings);
      legs[p] = c;
      nS += c.slotNames.length;
      nL += c.units.length;
    }
    const L = layoutOf(nP, nS, nL);
    const buffer = this.take(L.byteLength);
    const h = new Float64Array(buffer, 0, HEADER_F64);
    h[0] = PROTOCOL_VERSION; h[1] = nP; h[2] = nS; h[3] = nL;
    const { batch: b } = viewBatch(buffer);
    const slotStart = b.slotStart as Int32Array, legStart = b.legStart as Int32Array;
    const slotNames: string[] = [];
    let k0 = 0, l0 = 0;
    for (let p = 0; p < nP; p++) {
      const x = inputs[p] as RecalcInput;
      const c = legs[p] as PortfolioLegs;
      slotStart[p] = k0;
      b.rate[p] = x.rate;
      b.withMargin[p] = x.withMargin ? 1 : 0;
      const n = c.units.length;
      for (let k = 0; k < c.slotNames.length; k++) {
        const name = c.slotNames[k] as string;
        slotNames.push(name);
        b.slotUnderlying[k0 + k] = c.slotColumn[k] as number;
        b.slotSpot[k0 + k] = x.spots.get(name) ?? NaN;
        legStart[k0 + k] = l0;
        l0 += c.legCount[k] as number;
      }
      const at = l0 - n;
      b.units.set(c.units, at);
      b.dividendYield.set(c.dividendYield, at);
      b.strike.set(c.strike, at);
      b.vol.set(c.vol, at);
      b.legFlags.set(c.flags, at);
      const nowMs = x.nowMs;
      for (let i = 0; i < n; i++) {
        const e = c.expiryMs[i] as number;
        const t = (e - nowMs) / MS_PER_YEAR;
        b.tYears[at + i] = t > 0 ? t : 0; // NaN (an underlying leg) also lands on 0
      }
      k0 += c.slotNames.length;
    }
    slotStart[nP] = k0;
    legStart[nS] = l0;
    return { buffer, slotNames };
  }

  /** Hands a buffer back for reuse once its results are unpacked. */
  release(buffer: ArrayBuffer): void {
    if (buffer.byteLength > 0 && this.free.length < this.maxFreeBuffers) this.free.push(buffer);
  }

  private take(bytes: number): ArrayBuffer {
    for (let i = 0; i < this.free.length; i++) {
      const buf = this.free[i] as ArrayBuffer;
      if (buf.byteLength >= bytes) {
        this.free[i] = this.free[this.free.length - 1] as ArrayBuffer;
        this.free.pop();
        return buf;
      }
    }
    // Headroom so that batches of similar size reuse the buffer.
    return new ArrayBuffer(Math.ceil((bytes * 1.25) / 4096) * 4096);
  }
}

/**
 * One portfolio's answer. The totals are plain fields; `greeks` and `byUnderlying` are built from a
 * copy of its figures on first read, because most results are never read that way (only
 * portfolios with a subscriber or a query are), and building ten objects for each of tens of
 * thousands of results a second is what the main thread cannot spare.
 */
class BatchOutput implements RecalcOutput {
  #greeks: GreekTotals | undefined;
  #byUnderlying: Record<string, UnderlyingRisk> | undefined;
  readonly var: number;
  /** An own property only when the margin grid ran (RecalcOutput: present when withMargin was asked). */
  declare readonly marginRequirement?: number;

  constructor(
    readonly portfolioId: string,
    readonly marketValue: number,
    readonly grossExposure: number,
    varLoss: number,
    readonly es: number,
    marginRequirement: number | undefined,
    /** PORTFOLIO_STRIDE figures, then SLOT_STRIDE per slot, then one spot per slot. */
    private readonly figures: Float64Array,
    private readonly names: readonly string[],
  ) {
    this.var = varLoss;
    if (marginRequirement !== undefined) (this as { marginRequirement?: number }).marginRequirement = marginRequirement;
  }

  get greeks(): GreekTotals {
    const f = this.figures;
    return (this.#greeks ??= {
      delta: f[OUT.delta] as number, gamma: f[OUT.gamma] as number, vega: f[OUT.vega] as number,
      theta: f[OUT.theta] as number, rho: f[OUT.rho] as number,
    });
  }

  get byUnderlying(): Readonly<Record<string, UnderlyingRisk>> {
    if (this.#byUnderlying) return this.#byUnderlying;
    const f = this.figures;
    const n = this.names.length;
    const spots = PORTFOLIO_STRIDE + n * SLOT_STRIDE;
    const by: Record<string, UnderlyingRisk> = {};
    for (let k = 0; k < n; k++) {
      const s = PORTFOLIO_STRIDE + k * SLOT_STRIDE;
      by[this.names[k] as string] = {
        delta: f[s] as number, gamma: f[s + 1] as number, vega: f[s + 2] as number, theta: f[s + 3] as number,
        rho: f[s + 4] as number, spot: f[spots + k] as number, dollarDelta: f[s + 5] as number, dollarGamma: f[s + 6] as number,
      };
    }
    return (this.#byUnderlying = by);
  }

  /** Plain data for JSON and structured clone (getters are not own properties). */
  toJSON(): RecalcOutput {
    const { portfolioId, greeks, byUnderlying, marketValue, grossExposure, es } = this;
    return { portfolioId, greeks, byUnderlying, marketValue, grossExposure, var: this.var, es, ...(this.marginRequirement !== undefined ? { marginRequirement: this.marginRequirement } : {}) };
  }
}

/** RecalcOutput[] from an answered buffer (the same inputs, in order, that were packed). */
export function unpackOutputs(inputs: readonly RecalcInput[], meta: PackedMeta): RecalcOutput[] {
  const { batch: b, out } = viewBatch(meta.buffer);
  const nP = b.nPortfolios;
  const slotBase = nP * PORTFOLIO_STRIDE;
  const res = new Array<RecalcOutput>(nP);
  for (let p = 0; p < nP; p++) {
    const o = p * PORTFOLIO_STRIDE;
    const k0 = b.slotStart[p] as number, k1 = b.slotStart[p + 1] as number;
    const nS = k1 - k0;
    // Copied out: the buffer goes back to the packer for the next batch.
    const figures = new Float64Array(PORTFOLIO_STRIDE + nS * (SLOT_STRIDE + 1));
    figures.set(out.subarray(o, o + PORTFOLIO_STRIDE), 0);
    figures.set(out.subarray(slotBase + k0 * SLOT_STRIDE, slotBase + k1 * SLOT_STRIDE), PORTFOLIO_STRIDE);
    figures.set(b.slotSpot.subarray(k0, k1), PORTFOLIO_STRIDE + nS * SLOT_STRIDE);
    res[p] = new BatchOutput(
      (inputs[p] as RecalcInput).portfolioId,
      out[o + OUT.marketValue] as number,
      out[o + OUT.grossExposure] as number,
      out[o + OUT.var] as number,
      out[o + OUT.es] as number,
      b.withMargin[p] === 1 ? (out[o + OUT.margin] as number) : undefined,
      figures,
      meta.slotNames.slice(k0, k1),
    );
  }
  return res;
}
