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

/**
 * Packs RecalcInput[] into task buffers. Holds the scenario registry (name → column), a cache of
 * expiry instants and a small free list of buffers handed back by `release`.
 */
export class BatchPacker {
  private readonly registry: ReadonlyMap<string, number>;
  private readonly expiryMs = new Map<string, number>();
  private readonly free: ArrayBuffer[] = [];
  private slotOfLeg = new Int32Array(256);

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

  pack(inputs: readonly RecalcInput[]): PackedMeta {
    const nP = inputs.length;
    let nL = 0;
    for (const x of inputs) nL += x.holdings.length;
    if (this.slotOfLeg.length < nL) this.slotOfLeg = new Int32Array(nL * 2);
    const slotOfLeg = this.slotOfLeg;
    // Pass 1: one slot per distinct underlying per portfolio (linear search: ≤ ~20 names, interned).
    const slotNames: string[] = [];
    let j = 0;
    for (const x of inputs) {
      const first = slotNames.length;
      for (const h of x.holdings) {
        const u = underlyingOfHolding(h);
        let k = first;
        while (k < slotNames.length && slotNames[k] !== u) k++;
        if (k === slotNames.length) slotNames.push(u);
        slotOfLeg[j++] = k;
      }
    }
    const nS = slotNames.length;
    const L = layoutOf(nP, nS, nL);
    const buffer = this.take(L.byteLength);
    const h = new Float64Array(buffer, 0, HEADER_F64);
    h[0] = PROTOCOL_VERSION; h[1] = nP; h[2] = nS; h[3] = nL;
    const { batch: b } = viewBatch(buffer);
    const slotStart = b.slotStart as Int32Array, legStart = b.legStart as Int32Array;

    // Leg ranges per slot: count, prefix-sum, then place legs in holding order within each slot.
    const cursor = new Int32Array(nS + 1);
    for (let i = 0; i < nL; i++) { const c = (slotOfLeg[i] as number) + 1; cursor[c] = (cursor[c] as number) + 1; }
    for (let k = 0; k < nS; k++) cursor[k + 1] = (cursor[k + 1] as number) + (cursor[k] as number);
    legStart.set(cursor);
    j = 0;
    let k0 = 0;
    for (let p = 0; p < nP; p++) {
      const x = inputs[p] as RecalcInput;
      slotStart[p] = k0;
      b.rate[p] = x.rate;
      b.withMargin[p] = x.withMargin ? 1 : 0;
      const k1 = k0 + countDistinct(slotOfLeg, j, x.holdings.length, k0);
      for (let k = k0; k < k1; k++) {
        const name = slotNames[k] as string;
        b.slotUnderlying[k] = this.registry.get(name) ?? -1;
        b.slotSpot[k] = x.spots.get(name) ?? NaN;
      }
      for (const hd of x.holdings) {
        const slot = slotOfLeg[j++] as number;
        const at = cursor[slot] as number;
        cursor[slot] = at + 1;
        b.units[at] = hd.qty * hd.multiplier;
        b.dividendYield[at] = hd.dividendYield;
        const ins = hd.instrument;
        if (ins.kind === 'option') {
          b.legFlags[at] = LEG_OPTION | (ins.type === 'call' ? LEG_CALL : 0) | (hd.style === 'american' ? LEG_AMERICAN : 0);
          b.strike[at] = ins.strike;
          const t = (this.expiryInstant(ins.expiry) - x.nowMs) / MS_PER_YEAR;
          b.tYears[at] = t > 0 ? t : 0;
          b.vol[at] = hd.vol ?? NaN; // no vol: the worker rejects the batch naming this portfolio
        } else {
          // Harmless pricer inputs (expired, zero vol): the kernel ignores an underlying leg's Greeks.
          b.legFlags[at] = 0;
          b.strike[at] = 1; b.tYears[at] = 0; b.vol[at] = 0;
        }
      }
      k0 = k1;
    }
    slotStart[nP] = k0;
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

/** Slots of one portfolio: its legs' slot indices are k0, k0+1, … in first-seen order. */
function countDistinct(slotOfLeg: Int32Array, from: number, n: number, k0: number): number {
  let max = k0 - 1;
  for (let i = from; i < from + n; i++) if ((slotOfLeg[i] as number) > max) max = slotOfLeg[i] as number;
  return max - k0 + 1;
}

/** RecalcOutput[] from an answered buffer (the same inputs, in order, that were packed). */
export function unpackOutputs(inputs: readonly RecalcInput[], meta: PackedMeta): RecalcOutput[] {
  const { batch: b, out } = viewBatch(meta.buffer);
  const nP = b.nPortfolios;
  const slotBase = nP * PORTFOLIO_STRIDE;
  const res = new Array<RecalcOutput>(nP);
  for (let p = 0; p < nP; p++) {
    const o = p * PORTFOLIO_STRIDE;
    const byUnderlying: Record<string, UnderlyingRisk> = {};
    for (let k = b.slotStart[p] as number, k1 = b.slotStart[p + 1] as number; k < k1; k++) {
      const s = slotBase + k * SLOT_STRIDE;
      byUnderlying[meta.slotNames[k] as string] = {
        delta: out[s] as number, gamma: out[s + 1] as number, vega: out[s + 2] as number, theta: out[s + 3] as number,
        rho: out[s + 4] as number, spot: b.slotSpot[k] as number, dollarDelta: out[s + 5] as number, dollarGamma: out[s + 6] as number,
      };
    }
    const greeks: GreekTotals = {
      delta: out[o + OUT.delta] as number, gamma: out[o + OUT.gamma] as number, vega: out[o + OUT.vega] as number,
      theta: out[o + OUT.theta] as number, rho: out[o + OUT.rho] as number,
    };
    const base = {
      portfolioId: (inputs[p] as RecalcInput).portfolioId,
      greeks, byUnderlying,
      marketValue: out[o + OUT.marketValue] as number,
      grossExposure: out[o + OUT.grossExposure] as number,
      var: out[o + OUT.var] as number,
      es: out[o + OUT.es] as number,
    };
    res[p] = b.withMargin[p] === 1 ? { ...base, marginRequirement: out[o + OUT.margin] as number } : base;
  }
  return res;
}
