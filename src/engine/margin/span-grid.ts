import type { MarketSnapshot, Position } from '../portfolio/types.js';
import { underlyingOf } from '../portfolio/types.js';
import { positionValue, spotOf } from '../portfolio/valuation.js';

/**
 * SPAN-like scenario-grid margin: CME's 16 risk scenarios per underlying, full revaluation of every
 * position, scanning risk = worst scenario loss, requirement = sum over underlyings (no
 * inter-commodity spread credit). See docs/MARGIN-AND-LIMITS.md for the parameters.
 */

/** Per-underlying grid parameters. */
export interface SpanGridParams {
  /** Price scan range as a fraction of spot (0.15 = ±15%). */
  readonly scanRange: number;
  /** Relative volatility shift: vol × (1 ± volShift). */
  readonly volShift: number;
}

export interface SpanOptions {
  /** Defaults for every underlying; each field falls back to DEFAULT_SPAN_PARAMS. */
  readonly scanRange?: number;
  readonly volShift?: number;
  /** Overrides per underlying ticker. */
  readonly byUnderlying?: Readonly<Record<string, Partial<SpanGridParams>>>;
}

export const DEFAULT_SPAN_PARAMS: SpanGridParams = Object.freeze({ scanRange: 0.15, volShift: 0.25 });

/** Extreme moves are this multiple of the scan range (CME: 2×, formerly 3× for some products). */
export const EXTREME_MOVE_MULTIPLE = 2;
/** Share of an extreme move's loss that counts (CME: 35%), because such moves are rare. */
export const EXTREME_LOSS_FRACTION = 0.35;

export interface SpanScenario {
  /** 1-based CME scenario number. */
  readonly id: number;
  /** Price move as a multiple of the scan range (+1 = up a full scan range). */
  readonly priceMove: number;
  /** Vol direction: +1 up by volShift, −1 down, 0 unchanged. */
  readonly volMove: 1 | -1 | 0;
  /** Fraction of the loss that counts. */
  readonly weight: number;
}

const s = (id: number, priceMove: number, volMove: 1 | -1 | 0, weight = 1): SpanScenario =>
  Object.freeze({ id, priceMove, volMove, weight });

/** CME's 16 scenarios, in CME's order. */
export const SPAN_SCENARIOS: readonly SpanScenario[] = Object.freeze([
  s(1, 0, 1), s(2, 0, -1),
  s(3, 1 / 3, 1), s(4, 1 / 3, -1),
  s(5, -1 / 3, 1), s(6, -1 / 3, -1),
  s(7, 2 / 3, 1), s(8, 2 / 3, -1),
  s(9, -2 / 3, 1), s(10, -2 / 3, -1),
  s(11, 1, 1), s(12, 1, -1),
  s(13, -1, 1), s(14, -1, -1),
  s(15, EXTREME_MOVE_MULTIPLE, 0, EXTREME_LOSS_FRACTION),
  s(16, -EXTREME_MOVE_MULTIPLE, 0, EXTREME_LOSS_FRACTION),
]);

export interface SpanUnderlyingResult {
  /** max(0, largest scenario loss), currency. */
  readonly scanningRisk: number;
  /** Loss per scenario (positive = loss), weights applied, in SPAN_SCENARIOS order. */
  readonly scenarios: readonly number[];
  readonly params: SpanGridParams;
}

export interface SpanResult {
  /** Sum of the scanning risks of all underlyings, currency. */
  readonly requirement: number;
  /** Portfolio-level loss per scenario: sum across underlyings, weights applied. */
  readonly scenarios: readonly number[];
  readonly byUnderlying: Readonly<Record<string, SpanUnderlyingResult>>;
}

/** Resolved grid parameters for one underlying; throws on a non-positive or non-finite value. */
export function spanParamsFor(underlying: string, opts: SpanOptions = {}): SpanGridParams {
  const o = opts.byUnderlying?.[underlying];
  const scanRange = o?.scanRange ?? opts.scanRange ?? DEFAULT_SPAN_PARAMS.scanRange;
  const volShift = o?.volShift ?? opts.volShift ?? DEFAULT_SPAN_PARAMS.volShift;
  // A scan range of 1 or more would shock spot to zero or below; a vol shift of 1 or more to zero vol.
  if (!(scanRange > 0 && scanRange * EXTREME_MOVE_MULTIPLE < 1)) {
    throw new Error(`scanRange for ${underlying} must be in (0, ${1 / EXTREME_MOVE_MULTIPLE}), got ${scanRange}`);
  }
  if (!(volShift >= 0 && volShift < 1)) {
    throw new Error(`volShift for ${underlying} must be in [0, 1), got ${volShift}`);
  }
  return { scanRange, volShift };
}

/**
 * Scenario-grid margin of a set of positions. Options are revalued with optionPrice at the shocked
 * spot and vol (same time to expiry); underlyings move linearly. Throws when a position's
 * underlying has no spot or an option position has no vol (callers validate inputs first).
 */
export function spanMargin(positions: readonly Position[], market: MarketSnapshot, opts: SpanOptions = {}): SpanResult {
  const groups = new Map<string, Position[]>();
  for (const p of positions) {
    if (p.instrument.kind === 'option' && !(p.vol !== undefined && p.vol >= 0)) {
      throw new Error(`option position ${p.instrument.symbol} has no vol; SPAN revaluation needs one`);
    }
    const u = underlyingOf(p.instrument);
    const g = groups.get(u);
    if (g) g.push(p);
    else groups.set(u, [p]);
  }

  const total = new Array<number>(SPAN_SCENARIOS.length).fill(0);
  const byUnderlying: Record<string, SpanUnderlyingResult> = {};
  let requirement = 0;
  for (const u of [...groups.keys()].sort()) {
    const group = groups.get(u) ?? [];
    const params = spanParamsFor(u, opts);
    const scenarios = underlyingScenarioLosses(group, market, params);
    const scanningRisk = Math.max(0, ...scenarios);
    byUnderlying[u] = { scanningRisk, scenarios, params };
    requirement += scanningRisk;
    scenarios.forEach((loss, i) => (total[i] = (total[i] ?? 0) + loss));
  }
  return { requirement, scenarios: total, byUnderlying };
}

function underlyingScenarioLosses(group: readonly Position[], market: MarketSnapshot, params: SpanGridParams): number[] {
  const first = group[0];
  if (!first) return SPAN_SCENARIOS.map(() => 0);
  const spot = spotOf(first, market);
  const base = group.reduce((acc, p) => acc + positionValue(p, market, spot, 1), 0);
  return SPAN_SCENARIOS.map((sc) => {
    const shockedSpot = spot * (1 + sc.priceMove * params.scanRange);
    const volScale = 1 + sc.volMove * params.volShift;
    const value = group.reduce((acc, p) => acc + positionValue(p, market, shockedSpot, volScale), 0);
    // Loss is minus the value change; the weight scales gains too, which never matters for the max.
    return -(value - base) * sc.weight;
  });
}
