/**
 * SPAN requirements of the portfolios of a packed batch that ask for margin, with span-grid.ts's
 * semantics: per underlying, full revaluation of its legs in CME's 16 scenarios (spot × (1 + move ·
 * scanRange), vol × (1 + volMove · volShift), same t), loss = −(value − base) × weight, scanning
 * risk = max(0, worst loss), requirement = Σ over underlyings, no inter-commodity credit.
 *
 * European legs of one underlying are laid out 17 times (base and 16 scenarios) in reused scratch
 * arrays and priced by one bsmBatch call per underlying; the requirement equals spanMargin's
 * (optionPrice per leg) to rounding, ~1e-13 relative. Pricing leg by leg through optionPrice
 * allocated an input object and a boxed result per leg and scenario, hundreds of thousands a
 * second, whose collection ran on V8's helper threads at normal priority, outside the workers'
 * SCHED_IDLE. A group with an American leg still goes through optionPrice (exact, slower, rare).
 * One call per underlying, not one over the whole batch: that needs megabytes of scratch arrays
 * and is slower.
 */
import { SPAN_SCENARIOS } from '../margin/span-grid.js';
import { allocBsmBatchOutputs, bsmBatch, type BsmBatchInputs, type BsmBatchOutputs } from '../pricing/bsm-batch.js';
import { optionPrice } from '../pricing/option-pricer.js';
import { LEG_AMERICAN, LEG_CALL, LEG_OPTION, type PackedBatch, type RealtimeRiskConfig } from './realtime-batch.js';

const GRID = SPAN_SCENARIOS.length + 1; // the base valuation, then each scenario

/** Scratch arrays of the grid, grown to the largest group seen and reused. */
export class SpanScratch {
  spot = new Float64Array(0); strike = new Float64Array(0); tYears = new Float64Array(0); vol = new Float64Array(0);
  isCall = new Uint8Array(0); rate = new Float64Array(0); dividendYield = new Float64Array(0);
  out: BsmBatchOutputs = allocBsmBatchOutputs(0);
  values = new Float64Array(GRID);

  fit(n: number): void {
    if (this.spot.length >= n) return;
    const m = Math.max(n, 2 * this.spot.length);
    this.spot = new Float64Array(m); this.strike = new Float64Array(m); this.tYears = new Float64Array(m); this.vol = new Float64Array(m);
    this.isCall = new Uint8Array(m); this.rate = new Float64Array(m); this.dividendYield = new Float64Array(m);
    this.out = allocBsmBatchOutputs(m);
  }
}

/** Writes the requirement of every portfolio with withMargin = 1 into `requirement[p]` (others untouched). */
export function spanRequirements(
  packed: PackedBatch, legRate: Float64Array, config: RealtimeRiskConfig, requirement: Float64Array, scratch: SpanScratch = new SpanScratch(),
): void {
  for (let p = 0; p < packed.nPortfolios; p++) {
    if (packed.withMargin[p] === 1) requirement[p] = spanRequirement(packed, p, legRate, config, scratch);
  }
}

function spanRequirement(packed: PackedBatch, p: number, legRate: Float64Array, config: RealtimeRiskConfig, scratch: SpanScratch): number {
  let requirement = 0;
  for (let kk = packed.groupStart[p] as number, k1 = packed.groupStart[p + 1] as number; kk < k1; kk++) {
    const u = packed.groupUnderlying[kk] as number;
    const scanRange = u >= 0 && config.scanRangeByUnderlying ? (config.scanRangeByUnderlying[u] as number) : config.scanRange;
    const volShift = u >= 0 && config.volShiftByUnderlying ? (config.volShiftByUnderlying[u] as number) : config.volShift;
    const spot = packed.groupSpot[kk] as number;
    const j0 = packed.legStart[kk] as number, j1 = packed.legStart[kk + 1] as number;
    const values = hasAmerican(packed, j0, j1)
      ? groupValuesOneByOne(packed, j0, j1, spot, scanRange, volShift, legRate, scratch.values)
      : groupValuesBatched(packed, j0, j1, spot, scanRange, volShift, legRate, scratch);
    const base = values[0] as number;
    let worst = 0;
    for (let g = 1; g < GRID; g++) {
      const loss = -((values[g] as number) - base) * (SPAN_SCENARIOS[g - 1] as { weight: number }).weight;
      if (loss > worst) worst = loss;
    }
    requirement += worst;
  }
  return requirement;
}

/** Value of legs [j0, j1) at a spot and a vol multiplier, summed in leg (= holding) order like spanMargin. */
function groupValue(packed: PackedBatch, j0: number, j1: number, spot: number, volScale: number, legRate: Float64Array): number {
  let v = 0;
  for (let j = j0; j < j1; j++) {
    const f = packed.legFlags[j] as number;
    const n = packed.units[j] as number;
    if (!(f & LEG_OPTION)) { v += n * spot; continue; }
    const unit = optionPrice({
      type: f & LEG_CALL ? 'call' : 'put', spot, strike: packed.strike[j] as number, tYears: packed.tYears[j] as number,
      rate: legRate[j] as number, dividendYield: packed.dividendYield[j] as number, vol: (packed.vol[j] as number) * volScale,
    }, f & LEG_AMERICAN ? 'american' : 'european');
    v += n * unit;
  }
  return v;
}

function hasAmerican(packed: PackedBatch, j0: number, j1: number): boolean {
  for (let j = j0; j < j1; j++) if (((packed.legFlags[j] as number) & (LEG_OPTION | LEG_AMERICAN)) === (LEG_OPTION | LEG_AMERICAN)) return true;
  return false;
}

/** Spot and vol multiplier of grid point g (0: base): the expressions of span-grid.ts, so the shocked inputs are bit-identical. */
function shockedSpot(spot: number, g: number, scanRange: number): number {
  return g === 0 ? spot : spot * (1 + (SPAN_SCENARIOS[g - 1] as { priceMove: number }).priceMove * scanRange);
}
function volScale(g: number, volShift: number): number {
  return g === 0 ? 1 : 1 + (SPAN_SCENARIOS[g - 1] as { volMove: number }).volMove * volShift;
}

/** Group value at every grid point, European legs priced by one bsmBatch call; into scratch.values. */
function groupValuesBatched(
  packed: PackedBatch, j0: number, j1: number, spot: number, scanRange: number, volShift: number, legRate: Float64Array, sc: SpanScratch,
): Float64Array {
  const m = j1 - j0;
  sc.fit(m * GRID);
  for (let g = 0; g < GRID; g++) {
    const s = shockedSpot(spot, g, scanRange), vs = volScale(g, volShift);
    for (let j = j0, i = g * m; j < j1; j++, i++) {
      sc.spot[i] = s;
      sc.strike[i] = packed.strike[j] as number;
      sc.tYears[i] = packed.tYears[j] as number;
      sc.vol[i] = (packed.vol[j] as number) * vs;
      sc.isCall[i] = (packed.legFlags[j] as number) & LEG_CALL ? 1 : 0;
      sc.rate[i] = legRate[j] as number;
      sc.dividendYield[i] = packed.dividendYield[j] as number;
    }
  }
  const inputs: BsmBatchInputs = { spot: sc.spot, strike: sc.strike, tYears: sc.tYears, vol: sc.vol, isCall: sc.isCall, rate: sc.rate, dividendYield: sc.dividendYield };
  bsmBatch(inputs, sc.out, m * GRID);
  const price = sc.out.price;
  for (let g = 0; g < GRID; g++) {
    // Summed in leg (= holding) order like spanMargin.
    let v = 0;
    for (let j = j0, i = g * m; j < j1; j++, i++) {
      const n = packed.units[j] as number;
      v += (packed.legFlags[j] as number) & LEG_OPTION ? n * (price[i] as number) : n * (sc.spot[i] as number);
    }
    sc.values[g] = v;
  }
  return sc.values;
}

/** Group value at every grid point through optionPrice leg by leg (groups with an American leg). */
function groupValuesOneByOne(
  packed: PackedBatch, j0: number, j1: number, spot: number, scanRange: number, volShift: number, legRate: Float64Array, values: Float64Array,
): Float64Array {
  for (let g = 0; g < GRID; g++) values[g] = groupValue(packed, j0, j1, shockedSpot(spot, g, scanRange), volScale(g, volShift), legRate);
  return values;
}
