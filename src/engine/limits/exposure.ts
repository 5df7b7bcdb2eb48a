import { optionGreeks } from '../pricing/option-pricer.js';
import type { MarketSnapshot, Position } from '../portfolio/types.js';
import { underlyingOf } from '../portfolio/types.js';
import { optionInputsOf } from '../portfolio/valuation.js';

/** Portfolio risk figures the post-trade checks compare before and after a fill. */
export interface RiskFigures {
  /** Σ qty·multiplier·delta·spot, currency. */
  readonly dollarDelta: number;
  /** Σ qty·multiplier·gamma·spot²: d²V/dr² for a relative move r, as in portfolio/portfolio-risk.ts. */
  readonly dollarGamma: number;
  /** Σ qty·multiplier·vega, currency per 1.00 vol. */
  readonly vega: number;
  /** Cash plus signed model value of the positions. */
  readonly equity: number;
  /**
   * Σ |qty·multiplier·delta·spot| per underlying, position by position with no netting, as in
   * risk/gross-exposure.ts, so the limits bound the same leverage and concentration the risk stream shows.
   */
  readonly exposureByUnderlying: ReadonlyMap<string, number>;
  /** Σ over underlyings of exposureByUnderlying. */
  readonly grossExposure: number;
}

/**
 * One position's share of RiskFigures. projection.ts computes it once per position and sums it
 * into the figures before and after a fill, because the two sets differ by at most one position
 * and pricing every option twice sat on every order's acknowledgement path.
 */
export interface PositionRisk {
  readonly underlying: string;
  /** qty·multiplier·delta·spot. */
  readonly dollarDelta: number;
  /** qty·multiplier·gamma·spot² (0 for an underlying, and not summed). */
  readonly dollarGamma: number;
  /** qty·multiplier·vega (0 for an underlying, and not summed). */
  readonly vega: number;
  /** Signed model value. */
  readonly value: number;
  readonly isOption: boolean;
}

/** A position's contribution, with NaN figures when its spot or vol is missing (see missingInputs). */
export function positionRisk(p: Position, market: MarketSnapshot): PositionRisk {
  const underlying = underlyingOf(p.instrument);
  const s = market.spots.get(underlying) ?? NaN;
  const units = p.qty * p.multiplier;
  if (p.instrument.kind === 'underlying') {
    const dd = units * s;
    return { underlying, dollarDelta: dd, dollarGamma: 0, vega: 0, value: dd, isOption: false };
  }
  const op = p as Position & { instrument: { kind: 'option' } };
  const g = optionGreeks(optionInputsOf(op, market, s, p.vol ?? NaN), p.style);
  return {
    underlying,
    dollarDelta: units * g.delta * s,
    dollarGamma: units * g.gamma * s * s,
    vega: units * g.vega,
    value: units * g.price,
    isOption: true,
  };
}

/**
 * Risk figures from per-position contributions plus cash, summed in the order given. Floating-point
 * sums depend on their order: summing the positions' contributions in the positions' order gives
 * the same bits as valuing them in one pass.
 */
export function sumRiskFigures(contributions: readonly PositionRisk[], cash: number): RiskFigures {
  let dollarDelta = 0, dollarGamma = 0, vega = 0, equity = cash;
  const exposureByUnderlying = new Map<string, number>();
  let grossExposure = 0;
  for (const c of contributions) {
    const dd = c.dollarDelta;
    // An underlying adds nothing to gamma or vega: skipped rather than adding 0, as the one-pass loop did.
    if (c.isOption) {
      dollarGamma += c.dollarGamma;
      vega += c.vega;
    }
    equity += c.value;
    dollarDelta += dd;
    const abs = Math.abs(dd);
    exposureByUnderlying.set(c.underlying, (exposureByUnderlying.get(c.underlying) ?? 0) + abs);
    grossExposure += abs;
  }
  return { dollarDelta, dollarGamma, vega, equity, exposureByUnderlying, grossExposure };
}

/**
 * Risk figures of positions plus cash. Callers check first that every underlying has a spot and
 * every option a vol (see missingInputs); otherwise figures come out NaN.
 */
export function riskFigures(positions: readonly Position[], cash: number, market: MarketSnapshot): RiskFigures {
  return sumRiskFigures(positions.map((p) => positionRisk(p, market)), cash);
}

/** Why risk figures cannot be computed for these positions, or null when they can. */
export function missingInputs(positions: readonly Position[], market: MarketSnapshot): string | null {
  for (const p of positions) {
    const u = underlyingOf(p.instrument);
    if (!market.spots.has(u)) return `no spot for underlying ${u}`;
    if (p.instrument.kind === 'option' && !(p.vol !== undefined && p.vol >= 0)) return `no vol for option ${p.instrument.symbol}`;
  }
  return null;
}

/** Gross exposure / equity; Infinity when exposure is held on zero or negative equity. */
export function leverageOf(r: RiskFigures): number {
  if (r.grossExposure === 0) return 0;
  return r.equity > 0 ? r.grossExposure / r.equity : Infinity;
}
