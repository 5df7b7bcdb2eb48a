/**
 * Delta-gamma-vega VaR: the historical scenarios priced by a second-order Taylor expansion instead
 * of full revaluation, for the real-time stream.
 *
 *   dPnL_s = Σ_u  dollarDelta_u · r_{s,u} + ½ dollarGamma_u · r_{s,u}² + vega_u · dVol_{s,u}
 *
 * with r the simple return of underlying u in scenario s, dollarDelta_u = Σ delta·S and
 * dollarGamma_u = Σ gamma·S² (the first and second derivatives of value with respect to the relative
 * move r), vega_u per 1.00 of vol. dVol is an absolute vol change per scenario when the caller has vol
 * history; with prices only it is zero and the vega term drops out. Cross-gamma between underlyings
 * is zero (each option has one underlying); vanna and volga are ignored.
 *
 * Speed: the per-underlying aggregates are computed once per portfolio state (they are the Greeks the
 * stream already publishes); a request is then one pass over the scenario × underlying matrix plus
 * a partial selection of the tail, a few microseconds for 500 scenarios.
 */
import { optionGreeks } from '../pricing/option-pricer.js';
import type { Position } from '../portfolio/types.js';
import { type RiskBook, legInputs } from './risk-book.js';
import { tailRisk } from './tail-risk.js';

/** Per-underlying sensitivities, indexed like `tickers`. */
export interface DgvAggregates {
  readonly tickers: readonly string[];
  /** Σ position delta × spot, currency per 1.00 relative move. */
  readonly dollarDelta: Float64Array;
  /** Σ position gamma × spot², currency per (1.00 relative move)². */
  readonly dollarGamma: Float64Array;
  /** Σ position vega, currency per 1.00 of vol. */
  readonly vega: Float64Array;
}

/**
 * Each option position's own sensitivities (units × the pricer's Greeks), the inputs of the
 * per-underlying sums: on the real-time path these are the Greeks the stream already publishes.
 */
export interface DgvPositionGreeks {
  readonly count: number;
  /** Index of the position's underlying in the aggregates' `tickers`. */
  readonly underlying: Int32Array;
  /** units × delta × spot. */
  readonly dollarDelta: Float64Array;
  /** units × gamma × spot². */
  readonly dollarGamma: Float64Array;
  /** units × vega. */
  readonly vega: Float64Array;
}

/** The option positions' sensitivities at today's spots, from the pricer (one price per option). */
export function dgvPositionGreeks(book: RiskBook): DgvPositionGreeks {
  const o = book.options;
  const dollarDelta = new Float64Array(o.count), dollarGamma = new Float64Array(o.count), vega = new Float64Array(o.count);
  for (let j = 0; j < o.count; j++) {
    const s = book.spots[o.underlying[j] as number] as number;
    const units = o.units[j] as number;
    const g = optionGreeks(legInputs(book, j, s, o.vol[j] as number), (o.positions[j] as Position).style);
    dollarDelta[j] = units * g.delta * s;
    dollarGamma[j] = units * g.gamma * s * s;
    vega[j] = units * g.vega;
  }
  return { count: o.count, underlying: o.underlying, dollarDelta, dollarGamma, vega };
}

/** Zeroed aggregates for `tickers`, to be filled by dgvAggregatesInto. */
export function allocDgvAggregates(tickers: readonly string[]): DgvAggregates {
  const nU = tickers.length;
  return { tickers, dollarDelta: new Float64Array(nU), dollarGamma: new Float64Array(nU), vega: new Float64Array(nU) };
}

/**
 * Sums the positions' sensitivities per underlying into `agg` (no allocation), starting from the
 * dollar delta of the shares held directly (`stockDollarDelta`, shares × spot per underlying).
 */
export function dgvAggregatesInto(agg: DgvAggregates, stockDollarDelta: Float64Array, pos: DgvPositionGreeks): DgvAggregates {
  const dd = agg.dollarDelta, dg = agg.dollarGamma, vg = agg.vega;
  dd.set(stockDollarDelta);
  dg.fill(0);
  vg.fill(0);
  const und = pos.underlying, pd = pos.dollarDelta, pg = pos.dollarGamma, pv = pos.vega;
  for (let j = 0; j < pos.count; j++) {
    const u = und[j] as number;
    dd[u] = (dd[u] as number) + (pd[j] as number);
    dg[u] = (dg[u] as number) + (pg[j] as number);
    vg[u] = (vg[u] as number) + (pv[j] as number);
  }
  return agg;
}

/** Dollar delta of the shares held directly, per underlying (shares × spot). */
export function stockDollarDelta(book: RiskBook): Float64Array {
  const out = new Float64Array(book.tickers.length);
  for (let u = 0; u < out.length; u++) out[u] = (book.shares[u] as number) * (book.spots[u] as number);
  return out;
}

/** Aggregates of a book at today's spots, from the pricer's Greeks. */
export function dgvAggregates(book: RiskBook): DgvAggregates {
  return dgvAggregatesInto(allocDgvAggregates(book.tickers), stockDollarDelta(book), dgvPositionGreeks(book));
}

/**
 * Losses (−dPnL) of the `nScen` scenarios in `returns` (scenario × underlying, row-major, columns in
 * `agg.tickers` order). `volChanges`, when given, has the same layout.
 *
 * Each loss is −(Σ_u delta-gamma term) − (Σ_u vega term), both sums in underlying order from 0: the
 * same operations in the same order as the plain per-scenario loop (test/engine/risk/var-dgv.test.ts
 * proves equality to the bit). Why four scenarios per step: each scenario's sum is a chain of
 * dependent adds; four independent chains keep the FPU busy and share the loads of the aggregates
 * and the loop overhead (about 2.5× faster than one scenario at a time for 6 underlyings).
 */
export function dgvLosses(
  agg: DgvAggregates,
  returns: Float64Array,
  nScen: number,
  volChanges?: Float64Array,
  out: Float64Array = new Float64Array(nScen),
): Float64Array {
  const nU = agg.tickers.length;
  const dd = agg.dollarDelta, hg = agg.dollarGamma, vg = agg.vega;
  if (nU === 1) {
    // The common single-underlying book: no inner loop.
    const d = dd[0] as number, g = 0.5 * (hg[0] as number), v = vg[0] as number;
    for (let s = 0; s < nScen; s++) {
      const r = returns[s] as number;
      out[s] = -(r * (d + g * r)) - (volChanges ? v * (volChanges[s] as number) : 0);
    }
    return out;
  }
  if (volChanges) return dgvVegaLosses(agg, returns, volChanges, nScen, out);
  const n2 = 2 * nU, n3 = 3 * nU;
  let s = 0;
  for (; s + 4 <= nScen; s += 4) {
    let p0 = 0, p1 = 0, p2 = 0, p3 = 0;
    for (let u = 0, k = s * nU; u < nU; u++, k++) {
      const d = dd[u] as number, h = 0.5 * (hg[u] as number);
      const r0 = returns[k] as number, r1 = returns[k + nU] as number, r2 = returns[k + n2] as number, r3 = returns[k + n3] as number;
      p0 += r0 * (d + h * r0); p1 += r1 * (d + h * r1); p2 += r2 * (d + h * r2); p3 += r3 * (d + h * r3);
    }
    out[s] = -p0; out[s + 1] = -p1; out[s + 2] = -p2; out[s + 3] = -p3;
  }
  for (; s < nScen; s++) {
    let p = 0;
    for (let u = 0, k = s * nU; u < nU; u++, k++) {
      const r = returns[k] as number;
      p += r * ((dd[u] as number) + 0.5 * (hg[u] as number) * r);
    }
    out[s] = -p;
  }
  return out;
}

/** dgvLosses with the vega term, four scenarios per step (see there). */
function dgvVegaLosses(agg: DgvAggregates, returns: Float64Array, volChanges: Float64Array, nScen: number, out: Float64Array): Float64Array {
  const nU = agg.tickers.length;
  const dd = agg.dollarDelta, hg = agg.dollarGamma, vg = agg.vega;
  const n2 = 2 * nU, n3 = 3 * nU;
  let s = 0;
  for (; s + 4 <= nScen; s += 4) {
    let p0 = 0, p1 = 0, p2 = 0, p3 = 0, v0 = 0, v1 = 0, v2 = 0, v3 = 0;
    for (let u = 0, k = s * nU; u < nU; u++, k++) {
      const d = dd[u] as number, h = 0.5 * (hg[u] as number), v = vg[u] as number;
      const r0 = returns[k] as number, r1 = returns[k + nU] as number, r2 = returns[k + n2] as number, r3 = returns[k + n3] as number;
      p0 += r0 * (d + h * r0); p1 += r1 * (d + h * r1); p2 += r2 * (d + h * r2); p3 += r3 * (d + h * r3);
      v0 += v * (volChanges[k] as number); v1 += v * (volChanges[k + nU] as number);
      v2 += v * (volChanges[k + n2] as number); v3 += v * (volChanges[k + n3] as number);
    }
    out[s] = -p0 - v0; out[s + 1] = -p1 - v1; out[s + 2] = -p2 - v2; out[s + 3] = -p3 - v3;
  }
  for (; s < nScen; s++) {
    let p = 0, pv = 0;
    for (let u = 0, k = s * nU; u < nU; u++, k++) {
      const r = returns[k] as number;
      p += r * ((dd[u] as number) + 0.5 * (hg[u] as number) * r);
      pv += (vg[u] as number) * (volChanges[k] as number);
    }
    out[s] = -p - pv;
  }
  return out;
}

/** dgv VaR and ES of precomputed aggregates over a scenario matrix; `scratch` avoids an allocation. */
export function dgvTailRisk(
  agg: DgvAggregates,
  returns: Float64Array,
  nScen: number,
  confidence: number,
  esConfidence: number,
  volChanges?: Float64Array,
  scratch?: Float64Array,
): { var: number; es: number } {
  const losses = dgvLosses(agg, returns, nScen, volChanges, scratch);
  return tailRisk(losses, confidence, esConfidence, nScen);
}
