/**
 * SPAN requirements of the portfolios of a packed batch that ask for margin, with span-grid.ts's
 * semantics: per underlying, full revaluation of its legs in CME's 16 scenarios (spot × (1 + move ·
 * scanRange), vol × (1 + volMove · volShift), same t), loss = −(value − base) × weight, scanning
 * risk = max(0, worst loss), requirement = Σ over underlyings, no inter-commodity credit.
 *
 * Options are priced by optionPrice, the per-unit piece spanMargin's positionValue uses, so the
 * requirement equals spanMargin's to rounding. Tried and measured slower: laying every leg out 17
 * times in one structure-of-arrays for a single bsmBatch call (55 → 85 µs per 20-option portfolio):
 * bsmBatch also computes five Greeks, and a 64-portfolio batch needed ~2 MB of scratch arrays.
 * Margin runs on a slower cadence than VaR, so ~40–55 µs per portfolio is acceptable here.
 */
import { SPAN_SCENARIOS } from '../margin/span-grid.js';
import { optionPrice } from '../pricing/option-pricer.js';
import { LEG_AMERICAN, LEG_CALL, LEG_OPTION, type PackedBatch, type RealtimeRiskConfig } from './realtime-batch.js';

/** Writes the requirement of every portfolio with withMargin = 1 into `requirement[p]` (others untouched). */
export function spanRequirements(packed: PackedBatch, legRate: Float64Array, config: RealtimeRiskConfig, requirement: Float64Array): void {
  for (let p = 0; p < packed.nPortfolios; p++) {
    if (packed.withMargin[p] === 1) requirement[p] = spanRequirement(packed, p, legRate, config);
  }
}

function spanRequirement(packed: PackedBatch, p: number, legRate: Float64Array, config: RealtimeRiskConfig): number {
  let requirement = 0;
  for (let kk = packed.slotStart[p] as number, k1 = packed.slotStart[p + 1] as number; kk < k1; kk++) {
    const u = packed.slotUnderlying[kk] as number;
    const scanRange = u >= 0 && config.scanRangeByUnderlying ? (config.scanRangeByUnderlying[u] as number) : config.scanRange;
    const volShift = u >= 0 && config.volShiftByUnderlying ? (config.volShiftByUnderlying[u] as number) : config.volShift;
    const spot = packed.slotSpot[kk] as number;
    const j0 = packed.legStart[kk] as number, j1 = packed.legStart[kk + 1] as number;
    const base = groupValue(packed, j0, j1, spot, 1, legRate);
    let worst = 0;
    for (const sc of SPAN_SCENARIOS) {
      // Same expressions as span-grid.ts, so the shocked inputs are bit-identical.
      const value = groupValue(packed, j0, j1, spot * (1 + sc.priceMove * scanRange), 1 + sc.volMove * volShift, legRate);
      const loss = -(value - base) * sc.weight;
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
