/**
 * The real-time risk kernel: Greeks, market value, gross exposure, delta-gamma VaR/ES and (on
 * request) the SPAN grid for a batch of portfolios packed as structure-of-arrays. The risk pool
 * (src/workers) runs it inside worker threads on batches of tens of portfolios; it is pure (but
 * for a batch's optional loss state, PackedBatch.state, which it updates) and allocates per batch,
 * not per portfolio or per European leg. With a loss state, a portfolio whose spots moved on only
 * some underlyings is revalued on those only (the risk pool's leg store keeps the state).
 *
 * Batch shape (a three-level hierarchy, all ranges contiguous):
 *   portfolio p → groups [groupStart[p], groupStart[p+1])   one group per distinct underlying it holds
 *   group k      → legs  [legStart[k], legStart[k+1])     its positions on that underlying
 * (types in realtime-batch.ts). Grouping legs by underlying up front (the leg store does it) is what
 * lets the VaR pass touch only the underlyings a portfolio holds, and lets the SPAN grid
 * (realtime-span.ts) revalue one underlying's group at a time.
 *
 * Units follow portfolio-risk.ts: position Greek = unit Greek × qty × multiplier (`units`), so delta
 * is in shares, vega/theta/rho in currency per 1.00 vol / per year / per 1.00 rate. An underlying
 * leg has delta = units and nothing else. dollarDelta = delta·S, dollarGamma = gamma·S².
 *
 * VaR: one-day delta-gamma over the scenario set,
 *   loss_s = −Σ_u (dollarDelta_u r_su + ½ dollarGamma_u r_su²)
 * with the tail conventions of tail-risk.ts (VaR = (floor(n(1−c))+1)-th largest loss, ES Acerbi–
 * Tasche). It is var-dgv.ts without its vega term, because the scenario set carries price returns
 * only, no vol changes: delta-gamma, not dgv (REALTIME_VAR_METHOD, the name the risk frame gives).
 * VaR therefore ignores vol risk (SPAN's grid does shift vol).
 *
 * The loss pass runs in JS, or in WebAssembly SIMD when the caller passes a DgvKernel built on the
 * same scenario set (realtime-dgv-wasm.ts; bit-identical losses, about twice as fast).
 *
 * Options are priced with the SoA BSM kernel (bsm-batch.ts); an American leg is repriced with the
 * engine's American pricer (option-pricer.ts), exact but ~100× slower — the real-time load is
 * European, and an American call without dividends prices as European anyway inside that pricer.
 */
import { allocBsmBatchOutputs, bsmBatch, type BsmBatchOutputs } from '../pricing/bsm-batch.js';
import { optionGreeks } from '../pricing/option-pricer.js';
import type { OptionInputs } from '../pricing/types.js';
import {
  DEFAULT_REALTIME_RISK_CONFIG, LEG_AMERICAN, LEG_CALL, LEG_OPTION, type PackedBatch, type RealtimeRiskConfig,
} from './realtime-batch.js';
import type { DgvKernel } from './realtime-dgv-wasm.js';
import { SpanScratch, spanRequirements } from './realtime-span.js';
import { esFromTail, tailSize, varFromTail } from './tail-risk.js';

export { DEFAULT_REALTIME_RISK_CONFIG, LEG_AMERICAN, LEG_CALL, LEG_OPTION, type PackedBatch, type RealtimeRiskConfig };

/**
 * What this kernel's VaR is, as the risk frame names it (`var.method`): delta-gamma over price
 * scenarios. It becomes `dgv` only if the scenario set gains vol changes and the loss pass a vega term.
 */
export const REALTIME_VAR_METHOD = 'delta-gamma';
export type RealtimeVarMethod = typeof REALTIME_VAR_METHOD;

/** Scenario returns shared by every batch (fixed for the day). */
export interface ScenarioSet {
  readonly nScenarios: number;
  /**
   * Simple one-day returns, UNDERLYING-MAJOR: `returns[u · nScenarios + s]`. Chosen so that a
   * portfolio's VaR pass reads one contiguous column per underlying it holds.
   */
  readonly returns: Float64Array;
  /** Column names; the registry the leg store maps tickers through. */
  readonly underlyings: readonly string[];
  /**
   * Returns used for an underlying the set does not know (group index −1), length nScenarios.
   * Default: the cross-sectional mean of all columns, i.e. an equally weighted market proxy. That
   * keeps the name's market risk but drops its idiosyncratic risk, so VaR of such a position is
   * understated; the builders fill this explicitly so the choice is visible.
   */
  readonly fallbackReturns?: Float64Array;
}

// The kernel's output: one Float64Array, every field written (so `out` may be a reused buffer).
// A block of PORTFOLIO_STRIDE figures per portfolio, then a block of GROUP_STRIDE per underlying
// group, in the batch's order (group k of the batch, not of its portfolio):
//
//   0                   PORTFOLIO_STRIDE         nP·PORTFOLIO_STRIDE     nP·PORTFOLIO_STRIDE + GROUP_STRIDE
//   |                   |                        |                       |
//   v                   v                        v                       v
//   +-------------------+-------------------+----+-----------------------+-----------------------+----
//   | portfolio 0       | portfolio 1       | .. | group 0               | group 1               | ..
//   +-------------------+-------------------+----+-----------------------+-----------------------+----
//
//   a portfolio block (offsets PORTFOLIO_OUT)
//   +----+-----+---+----+------+-----+-----+----+-----+---+---------+
//   | mv |gross|var| es |margin|delta|gamma|vega|theta|rho|tailFloor|
//   +----+-----+---+----+------+-----+-----+----+-----+---+---------+
//     0     1    2   3     4      5     6    7     8    9      10
//
//   a group block (offsets GROUP_OUT)
//   +-----+-----+----+-----+---+-----------+-----------+----+-----+
//   |delta|gamma|vega|theta|rho|dollarDelta|dollarGamma| mv |gross|
//   +-----+-----+----+-----+---+-----------+-----------+----+-----+
//      0     1    2     3    4       5           6        7     8
//
// Greeks in the units of GreekTotals (theta is thetaPerYear); margin NaN unless the batch asked for it.
// A portfolio's totals (Greeks, mv, gross) are the sums of its group blocks in group order, in every
// pass: so a pass that revalues only some groups (PackedBatch.state) gives the same totals, bit for
// bit, as one that revalues all of them from the same figures.
// The risk pool copies these blocks into its records (workers/risk-pool/leg-store-layout.ts).

/** Offsets in a portfolio's block. */
export const PORTFOLIO_OUT = Object.freeze({
  marketValue: 0, grossExposure: 1, var: 2, es: 3, margin: 4,
  delta: 5, gamma: 6, vega: 7, thetaPerYear: 8, rho: 9,
  /** The smallest loss of the tail VaR and ES read (the k-th largest): the next run's `tailHint`. */
  tailFloor: 10,
});
export const PORTFOLIO_STRIDE = 11;
/** Offsets in an underlying group's block. */
export const GROUP_OUT = Object.freeze({ delta: 0, gamma: 1, vega: 2, thetaPerYear: 3, rho: 4, dollarDelta: 5, dollarGamma: 6, marketValue: 7, grossExposure: 8 });
export const GROUP_STRIDE = 9;

/**
 * Float64 offsets, from a portfolio's RiskState index (realtime-batch.ts), of its parts, for nG
 * groups and nScen scenarios:
 *
 *   spot[nG] | block[nG × GROUP_STRIDE] | sum[nScen]
 *
 * spot: the spot each group was valued at; block: its GROUP_OUT figures; sum: the portfolio's
 * scenario losses (Σ of the group loss vectors), the tail's input. A group's loss vector,
 * 0 − r(dollarDelta + ½ dollarGamma r) over its column, is recomputed from its block when needed
 * rather than stored (see replaceGroupLosses).
 */
export interface RiskStateLayout {
  readonly spots: number; readonly blocks: number; readonly sum: number; readonly length: number;
}
export function riskStateLayout(nG: number, nScen: number): RiskStateLayout {
  const blocks = nG, sum = blocks + nG * GROUP_STRIDE;
  return { spots: 0, blocks, sum, length: sum + nScen };
}

export function outputLength(nPortfolios: number, nGroups: number): number {
  return nPortfolios * PORTFOLIO_STRIDE + nGroups * GROUP_STRIDE;
}

/** Thrown for a batch the kernel cannot value (a caller bug or unvalidated input). */
export const realtimeRiskErrors = {
  badInput: (p: number, detail: string) =>
    new RangeError(`risk batch portfolio #${p}: ${detail}`, { cause: { portfolioIndex: p } }),
  outTooShort: (need: number, have: number) =>
    new RangeError(`computeRiskBatch: out has ${have} entries, the batch needs ${need}`),
  badScenarioSet: (detail: string) => new RangeError(`scenario set: ${detail}`),
} as const;

/** Cross-sectional mean return per scenario: the default fallback column. */
export function meanReturns(scenarios: ScenarioSet): Float64Array {
  const nS = scenarios.nScenarios, nU = scenarios.underlyings.length;
  const out = new Float64Array(nS);
  if (nU === 0) return out;
  for (let u = 0; u < nU; u++) {
    const base = u * nS;
    for (let s = 0; s < nS; s++) out[s] = (out[s] as number) + (scenarios.returns[base + s] as number);
  }
  for (let s = 0; s < nS; s++) out[s] = (out[s] as number) / nU;
  return out;
}

/** Checks the set's shape once (at pool start), so the hot loop can trust it. */
export function checkScenarioSet(scenarios: ScenarioSet): void {
  const { nScenarios: nS, returns, underlyings } = scenarios;
  if (!(Number.isInteger(nS) && nS >= 1)) throw realtimeRiskErrors.badScenarioSet(`nScenarios ${nS} is not an integer >= 1`);
  if (returns.length !== nS * underlyings.length) {
    throw realtimeRiskErrors.badScenarioSet(`returns has ${returns.length} entries, expected ${nS} × ${underlyings.length}`);
  }
  if (scenarios.fallbackReturns && scenarios.fallbackReturns.length !== nS) {
    throw realtimeRiskErrors.badScenarioSet(`fallbackReturns has ${scenarios.fallbackReturns.length} entries, expected ${nS}`);
  }
}

/**
 * Working arrays of computeRiskBatch, grown to the largest batch seen and reused: a worker values
 * thousands of batches a second, and allocating them per batch kept the worker isolates'
 * scavenger (whose helper threads run at normal priority, beside the event loop) busy.
 */
export class RiskBatchScratch {
  legSpot = new Float64Array(0);
  legRate = new Float64Array(0);
  isCall = new Uint8Array(0);
  greeks: BsmBatchOutputs = allocBsmBatchOutputs(0);
  margin = new Float64Array(0);
  losses = new Float64Array(0);
  top = new Float64Array(0);
  /** Losses at or above a portfolio's tail hint (largestWithHint). */
  candidates = new Float64Array(0);
  cols: Float64Array[] = [];
  colBase = new Int32Array(0);
  private meanFor: ScenarioSet | undefined;
  private mean: Float64Array = new Float64Array(0);
  dDelta = new Float64Array(0);
  halfGamma = new Float64Array(0);
  readonly span = new SpanScratch();

  /** meanReturns(scenarios), kept for the next batch on the same set (it was computed per batch). */
  meanReturnsOf(scenarios: ScenarioSet): Float64Array {
    if (this.meanFor !== scenarios) {
      this.mean = meanReturns(scenarios);
      this.meanFor = scenarios;
    }
    return this.mean;
  }

  fit(nLegs: number, nP: number, widest: number, nScen: number, k: number): void {
    if (this.legSpot.length < nLegs) {
      const n = Math.max(nLegs, 2 * this.legSpot.length);
      this.legSpot = new Float64Array(n); this.legRate = new Float64Array(n); this.isCall = new Uint8Array(n);
      this.greeks = allocBsmBatchOutputs(n);
    }
    if (this.margin.length < nP) this.margin = new Float64Array(Math.max(nP, 2 * this.margin.length));
    if (this.losses.length !== nScen) {
      this.losses = new Float64Array(nScen);
      this.candidates = new Float64Array(nScen);
    }
    // largestInto fills `top` whole: its length must be exactly k.
    if (this.top.length !== k) this.top = new Float64Array(k);
    if (this.colBase.length < widest) {
      const n = Math.max(widest, 2 * this.colBase.length);
      this.cols = new Array<Float64Array>(n).fill(new Float64Array(0));
      this.colBase = new Int32Array(n); this.dDelta = new Float64Array(n); this.halfGamma = new Float64Array(n);
    }
  }
}

/**
 * Values every portfolio of `packed` into `out` (layout: PORTFOLIO_OUT / GROUP_OUT). Throws a RangeError naming
 * the portfolio's index in the batch for a non-finite or non-positive spot, a negative or non-finite
 * vol, a non-positive strike or non-finite units.
 */
export function computeRiskBatch(
  packed: PackedBatch,
  scenarios: ScenarioSet,
  out: Float64Array,
  config: RealtimeRiskConfig = DEFAULT_REALTIME_RISK_CONFIG,
  dgv?: DgvKernel,
  scratch: RiskBatchScratch = new RiskBatchScratch(),
): void {
  const { nPortfolios: nP, nGroups, nLegs, groupStart, legStart, groupSpot, groupUnderlying, legFlags, units } = packed;
  const need = outputLength(nP, nGroups);
  if (out.length < need) throw realtimeRiskErrors.outTooShort(need, out.length);
  let widest = 0;
  for (let p = 0; p < nP; p++) widest = Math.max(widest, (groupStart[p + 1] as number) - (groupStart[p] as number));
  const nScen = scenarios.nScenarios;
  const k = tailSize(nScen, config.varConfidence, config.esConfidence);
  scratch.fit(nLegs, nP, widest, nScen, k);

  // Per-leg spot and rate for the SoA pricer: the batch stores them once per group / portfolio.
  const { legSpot, legRate, isCall } = scratch;
  for (let p = 0; p < nP; p++) {
    const r = packed.rate[p] as number;
    for (let k = groupStart[p] as number, kEnd = groupStart[p + 1] as number; k < kEnd; k++) {
      const s = groupSpot[k] as number;
      if (!(s > 0 && s < Infinity)) throw realtimeRiskErrors.badInput(p, `spot ${s} of underlying group ${k - (groupStart[p] as number)} is not a positive number`);
      for (let j = legStart[k] as number, jEnd = legStart[k + 1] as number; j < jEnd; j++) {
        const f = legFlags[j] as number;
        if (!Number.isFinite(units[j] as number)) throw realtimeRiskErrors.badInput(p, `leg ${j} has units ${units[j]}`);
        if (f & LEG_OPTION) {
          const v = packed.vol[j] as number, k0 = packed.strike[j] as number;
          if (!(v >= 0 && v < Infinity)) throw realtimeRiskErrors.badInput(p, `option leg ${j} has vol ${v} (expected a finite vol >= 0)`);
          if (!(k0 > 0 && k0 < Infinity)) throw realtimeRiskErrors.badInput(p, `option leg ${j} has strike ${k0}`);
        }
        legSpot[j] = s;
        legRate[j] = r;
        isCall[j] = f & LEG_CALL;
      }
    }
  }
  const g = scratch.greeks;
  bsmBatch(
    { spot: legSpot, strike: packed.strike, tYears: packed.tYears, vol: packed.vol, isCall, rate: legRate, dividendYield: packed.dividendYield },
    g, nLegs,
  );
  for (let j = 0; j < nLegs; j++) {
    if ((legFlags[j] as number) & LEG_AMERICAN) {
      const a = optionGreeks(legInputs(packed, j, legSpot[j] as number, packed.vol[j] as number, legRate[j] as number), 'american');
      g.price[j] = a.price; g.delta[j] = a.delta; g.gamma[j] = a.gamma;
      g.vega[j] = a.vega; g.thetaPerYear[j] = a.thetaPerYear; g.rho[j] = a.rho;
    }
  }

  const margin = scratch.margin;
  spanRequirements(packed, legRate, config, margin, scratch.span);

  const returns = scenarios.returns;
  // The column of the underlyings outside the set; the SIMD kernel holds its own copy of it.
  const fallbackColumn = scenarios.fallbackReturns ?? (hasUnknown(packed) ? scratch.meanReturnsOf(scenarios) : returns);
  const fallback = dgv ? returns : fallbackColumn;
  const losses = dgv ? dgv.losses : scratch.losses;
  const top = scratch.top;
  const groupBase = nP * PORTFOLIO_STRIDE;
  // Per-portfolio scratch for the dgv pass, sized for the widest portfolio of the batch.
  const { cols, colBase, dDelta, halfGamma } = scratch;
  const state = packed.state;
  const mem = state === undefined ? losses : state.mem;

  for (let p = 0; p < nP; p++) {
    let nActive = 0;
    const k0 = groupStart[p] as number, k1 = groupStart[p + 1] as number;
    const at = state === undefined ? -1 : (state.at[p] as number);
    const incremental = at >= 0 && state?.incremental[p] === 1;
    const S = at >= 0 ? riskStateLayout(k1 - k0, nScen) : undefined;
    for (let kk = k0; kk < k1; kk++) {
      const o = groupBase + kk * GROUP_STRIDE;
      const gi = kk - k0;
      if (incremental && state?.moved[kk] !== 1) {
        // Unmoved: its figures from the state (valued at this spot, instant and rate); its losses are in the sum.
        for (let i = 0, from = at + (S as RiskStateLayout).blocks + gi * GROUP_STRIDE; i < GROUP_STRIDE; i++) out[o + i] = mem[from + i] as number;
        continue;
      }
      const s = groupSpot[kk] as number;
      let d = 0, ga = 0, ve = 0, th = 0, rh = 0, mv = 0, gross = 0;
      for (let j = legStart[kk] as number, jEnd = legStart[kk + 1] as number; j < jEnd; j++) {
        const n = units[j] as number;
        if ((legFlags[j] as number) & LEG_OPTION) {
          const dj = n * (g.delta[j] as number);
          d += dj;
          ga += n * (g.gamma[j] as number);
          ve += n * (g.vega[j] as number);
          th += n * (g.thetaPerYear[j] as number);
          rh += n * (g.rho[j] as number);
          mv += n * (g.price[j] as number);
          gross += Math.abs(dj * s);
        } else {
          d += n;
          mv += n * s;
          gross += Math.abs(n * s);
        }
      }
      const dd = d * s, dg = ga * s * s;
      out[o + GROUP_OUT.delta] = d; out[o + GROUP_OUT.gamma] = ga; out[o + GROUP_OUT.vega] = ve;
      out[o + GROUP_OUT.thetaPerYear] = th; out[o + GROUP_OUT.rho] = rh;
      out[o + GROUP_OUT.dollarDelta] = dd; out[o + GROUP_OUT.dollarGamma] = dg;
      out[o + GROUP_OUT.marketValue] = mv; out[o + GROUP_OUT.grossExposure] = gross;
      const u = groupUnderlying[kk] as number;
      if (S !== undefined) {
        const block = at + S.blocks + gi * GROUP_STRIDE;
        if (incremental) {
          // The group's old loss vector is a function of its stored dollar Greeks and its column:
          // recomputed here with the arithmetic that made it, it is the vector the sum holds.
          const col = u >= 0 ? returns : fallbackColumn, base = u >= 0 ? u * nScen : 0;
          replaceGroupLosses(mem, at + S.sum, col, base, dd, 0.5 * dg, mem[block + GROUP_OUT.dollarDelta] as number, 0.5 * (mem[block + GROUP_OUT.dollarGamma] as number), nScen);
        }
        mem[at + S.spots + gi] = s;
        for (let i = 0; i < GROUP_STRIDE; i++) mem[block + i] = out[o + i] as number;
        if (incremental) continue;
        // …and on to the fused pass below, whose losses become the state's sum.
      }
      // Queue the underlying for the dgv pass; one with no sensitivity costs nothing.
      if (dd === 0 && dg === 0) continue;
      if (dgv) colBase[nActive] = dgv.columnOffset(u);
      else {
        cols[nActive] = u >= 0 ? returns : fallback;
        colBase[nActive] = u >= 0 ? u * nScen : 0;
      }
      dDelta[nActive] = dd;
      halfGamma[nActive] = 0.5 * dg;
      nActive++;
    }
    // The tail from the state's sum (incremental), or from the fused pass over the queued
    // underlyings, the same pass with or without state: a full pass's figures do not depend on it.
    let portfolioLosses = losses, lossAt = 0;
    if (incremental) {
      portfolioLosses = mem;
      lossAt = at + (S as RiskStateLayout).sum;
    } else {
      if (dgv) dgvLossesWasm(dgv, nActive, colBase, dDelta, halfGamma);
      else dgvLossesInto(losses, nScen, nActive, cols, colBase, dDelta, halfGamma);
      // Element loop, not mem.set(losses, …): set between a wasm memory and a shared buffer was measured slower.
      if (S !== undefined) for (let i = 0, to = at + S.sum; i < nScen; i++) mem[to + i] = losses[i] as number;
    }
    largestWithHint(portfolioLosses, nScen, top, k, packed.tailHint === undefined ? NaN : (packed.tailHint[p] as number), scratch.candidates, lossAt);

    // Totals from the group blocks in group order, whichever groups this pass valued (see the layout).
    let mv = 0, gross = 0, tD = 0, tG = 0, tV = 0, tT = 0, tR = 0;
    for (let o = groupBase + k0 * GROUP_STRIDE, oEnd = groupBase + k1 * GROUP_STRIDE; o < oEnd; o += GROUP_STRIDE) {
      tD += out[o + GROUP_OUT.delta] as number; tG += out[o + GROUP_OUT.gamma] as number; tV += out[o + GROUP_OUT.vega] as number;
      tT += out[o + GROUP_OUT.thetaPerYear] as number; tR += out[o + GROUP_OUT.rho] as number;
      mv += out[o + GROUP_OUT.marketValue] as number; gross += out[o + GROUP_OUT.grossExposure] as number;
    }
    const o = p * PORTFOLIO_STRIDE;
    out[o + PORTFOLIO_OUT.marketValue] = mv;
    out[o + PORTFOLIO_OUT.grossExposure] = gross;
    out[o + PORTFOLIO_OUT.var] = varFromTail(top, nScen, config.varConfidence);
    out[o + PORTFOLIO_OUT.es] = esFromTail(top, nScen, config.esConfidence);
    out[o + PORTFOLIO_OUT.margin] = packed.withMargin[p] === 1 ? (margin[p] as number) : NaN;
    out[o + PORTFOLIO_OUT.delta] = tD; out[o + PORTFOLIO_OUT.gamma] = tG; out[o + PORTFOLIO_OUT.vega] = tV;
    out[o + PORTFOLIO_OUT.thetaPerYear] = tT; out[o + PORTFOLIO_OUT.rho] = tR;
    out[o + PORTFOLIO_OUT.tailFloor] = top[k - 1] as number;
  }
}

/**
 * The incremental step for one moved group: the sum at mem[sum..sum+nScen) moves by the difference
 * between the group's new loss vector and its old one, each 0 − r(d + h r): the arithmetic of the
 * fused passes for one column (dgvLossesInto's remainder loop, the SIMD kernel's add1 after clear),
 * so the old vector is bit for bit the one a full pass would have stored. Not storing the vectors
 * keeps a record's state to one vector: a full pass writes nScen values, not (groups + 1) × nScen
 * (measured: writing the group vectors of books whose state is out of cache doubled a full pass).
 * The sum then differs from a full pass's by rounding (a few ulps of the group losses); the full
 * recomputation every FULL_RECOMPUTE_EVERY updates (leg-store-task.ts) keeps that from accumulating.
 */
function replaceGroupLosses(
  mem: Float64Array, sum: number, col: Float64Array, base: number, d: number, h: number, dOld: number, hOld: number, nScen: number,
): void {
  for (let s = 0; s < nScen; s++) {
    const r = col[base + s] as number;
    mem[sum + s] = (mem[sum + s] as number) + ((0 - r * (d + h * r)) - (0 - r * (dOld + hOld * r)));
  }
}

/**
 * losses[s] = −Σ_a (dDelta_a r + halfGamma_a r²) over the `n` active underlyings, r = cols[a][colBase[a] + s].
 * Four underlyings per sweep over the scenarios: the loop is bound by loads and stores of
 * `losses`, so sharing one read-modify-write between four columns halves the time of the plain
 * one-column-at-a-time loop.
 */
function dgvLossesInto(
  losses: Float64Array, nScen: number, n: number, cols: Float64Array[], colBase: Int32Array, dDelta: Float64Array, halfGamma: Float64Array,
): void {
  losses.fill(0, 0, nScen);
  let a = 0;
  for (; a + 4 <= n; a += 4) {
    const c0 = cols[a] as Float64Array, c1 = cols[a + 1] as Float64Array, c2 = cols[a + 2] as Float64Array, c3 = cols[a + 3] as Float64Array;
    const b0 = colBase[a] as number, b1 = colBase[a + 1] as number, b2 = colBase[a + 2] as number, b3 = colBase[a + 3] as number;
    const d0 = dDelta[a] as number, d1 = dDelta[a + 1] as number, d2 = dDelta[a + 2] as number, d3 = dDelta[a + 3] as number;
    const h0 = halfGamma[a] as number, h1 = halfGamma[a + 1] as number, h2 = halfGamma[a + 2] as number, h3 = halfGamma[a + 3] as number;
    for (let s = 0; s < nScen; s++) {
      const r0 = c0[b0 + s] as number, r1 = c1[b1 + s] as number, r2 = c2[b2 + s] as number, r3 = c3[b3 + s] as number;
      losses[s] = (losses[s] as number) - ((r0 * (d0 + h0 * r0) + r1 * (d1 + h1 * r1)) + (r2 * (d2 + h2 * r2) + r3 * (d3 + h3 * r3)));
    }
  }
  for (; a < n; a++) {
    const c = cols[a] as Float64Array, b = colBase[a] as number, d = dDelta[a] as number, h = halfGamma[a] as number;
    for (let s = 0; s < nScen; s++) {
      const r = c[b + s] as number;
      losses[s] = (losses[s] as number) - r * (d + h * r);
    }
  }
}

/** The same sums as dgvLossesInto in WebAssembly SIMD; colBase holds byte offsets. */
function dgvLossesWasm(dgv: DgvKernel, n: number, colBase: Int32Array, dDelta: Float64Array, halfGamma: Float64Array): Float64Array {
  dgv.clear();
  let a = 0;
  for (; a + 4 <= n; a += 4) {
    dgv.add4(colBase[a] as number, colBase[a + 1] as number, colBase[a + 2] as number, colBase[a + 3] as number,
      dDelta[a] as number, dDelta[a + 1] as number, dDelta[a + 2] as number, dDelta[a + 3] as number,
      halfGamma[a] as number, halfGamma[a + 1] as number, halfGamma[a + 2] as number, halfGamma[a + 3] as number);
  }
  for (; a < n; a++) dgv.add1(colBase[a] as number, dDelta[a] as number, halfGamma[a] as number);
  return dgv.losses;
}

function hasUnknown(packed: PackedBatch): boolean {
  for (let k = 0; k < packed.nGroups; k++) if ((packed.groupUnderlying[k] as number) < 0) return true;
  return false;
}

/**
 * The k largest of losses[0..n) into top[0..k), descending. Same result as tail-risk.ts's
 * largestDescending, but into a buffer reused for every portfolio of the batch: with k ≈ 13 of 500,
 * each loss costs one compare and only the few that enter the tail pay an insertion.
 */
function largestInto(losses: Float64Array, n: number, top: Float64Array, k: number, from = 0): void {
  top.fill(-Infinity);
  let floor = -Infinity;
  for (let i = from, end = from + n; i < end; i++) {
    const x = losses[i] as number;
    if (!(x > floor)) continue;
    let j = k - 1;
    while (j > 0 && (top[j - 1] as number) < x) { top[j] = top[j - 1] as number; j--; }
    top[j] = x;
    floor = top[k - 1] as number;
  }
}

/**
 * Slack below the previous tail floor that still catches the new tail: a portfolio's losses move
 * by far less than this between two recalculations a few milliseconds apart.
 */
const TAIL_HINT_SLACK = 1 / 16;

/**
 * largestInto, exactly, with a head start: `hint` is this portfolio's tail floor from its previous
 * recalculation. One pass keeps the losses at or above a bound a little under it; when at least k
 * do, the k largest are all among them (each of the others is below the bound, hence below the
 * k-th largest), so selecting from those few gives the same top k. Otherwise (first run, a jump in
 * the market, a NaN hint) it selects from all n.
 *
 * Why: the plain insertion pass was the largest single cost of a recalculation: with an empty
 * buffer every early loss enters it and pays a shift of up to k entries. With a good hint, almost
 * no loss does. `from`: the losses are losses[from..from+n) (a portfolio's sum in a leg store record).
 */
export function largestWithHint(losses: Float64Array, n: number, top: Float64Array, k: number, hint: number, candidates: Float64Array, from = 0): void {
  const bound = hint - Math.abs(hint) * TAIL_HINT_SLACK;
  let m = 0;
  for (let i = from, end = from + n; i < end; i++) {
    const x = losses[i] as number;
    if (x >= bound) candidates[m++] = x;
  }
  if (m >= k && m < n) largestInto(candidates, m, top, k);
  else largestInto(losses, n, top, k, from);
}

function legInputs(packed: PackedBatch, j: number, spot: number, vol: number, rate: number): OptionInputs {
  return {
    type: ((packed.legFlags[j] as number) & LEG_CALL) !== 0 ? 'call' : 'put',
    spot, strike: packed.strike[j] as number, tYears: packed.tYears[j] as number,
    rate, dividendYield: packed.dividendYield[j] as number, vol,
  };
}
