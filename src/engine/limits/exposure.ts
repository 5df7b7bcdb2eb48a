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
 * Risk figures of positions plus cash. Callers check first that every underlying has a spot and
 * every option a vol (see missingInputs); otherwise figures come out NaN.
 */
export function riskFigures(positions: readonly Position[], cash: number, market: MarketSnapshot): RiskFigures {
  let dollarDelta = 0, dollarGamma = 0, vega = 0, equity = cash;
  const exposureByUnderlying = new Map<string, number>();
  let grossExposure = 0;
  for (const p of positions) {
    const u = underlyingOf(p.instrument);
    const s = market.spots.get(u) ?? NaN;
    const units = p.qty * p.multiplier;
    let dd: number;
    if (p.instrument.kind === 'underlying') {
      dd = units * s;
      equity += units * s;
    } else {
      const op = p as Position & { instrument: { kind: 'option' } };
      const g = optionGreeks(optionInputsOf(op, market, s, p.vol ?? NaN), p.style);
      dd = units * g.delta * s;
      dollarGamma += units * g.gamma * s * s;
      vega += units * g.vega;
      equity += units * g.price;
    }
    dollarDelta += dd;
    exposureByUnderlying.set(u, (exposureByUnderlying.get(u) ?? 0) + Math.abs(dd));
    grossExposure += Math.abs(dd);
  }
  return { dollarDelta, dollarGamma, vega, equity, exposureByUnderlying, grossExposure };
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
