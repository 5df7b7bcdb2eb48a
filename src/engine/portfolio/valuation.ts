import { timeToExpiryYears } from '../market/time-to-expiry.js';
import { optionPrice } from '../pricing/option-pricer.js';
import type { OptionInputs } from '../pricing/types.js';
import { type MarketSnapshot, type Position, underlyingOf } from './types.js';

/** Model inputs of an option position at a given spot and vol (defaults: the market's, the position's). */
export function optionInputsOf(
  p: Position & { instrument: { kind: 'option' } },
  market: MarketSnapshot,
  spot: number,
  vol: number,
): OptionInputs {
  const i = p.instrument;
  return {
    type: i.type,
    spot,
    strike: i.strike,
    tYears: timeToExpiryYears(market.valuationMs, i.expiry),
    rate: market.rate,
    dividendYield: p.dividendYield,
    vol,
  };
}

/** Spot of a position's underlying; throws for a missing ticker (callers validate markets first). */
export function spotOf(p: Position, market: MarketSnapshot): number {
  const u = underlyingOf(p.instrument);
  const s = market.spots.get(u);
  if (s === undefined) throw new Error(`no spot for underlying ${u}`);
  return s;
}

/**
 * Market value of a position (signed, in currency) at a spot and a volatility multiplier.
 * `spot` defaults to the market's; `volScale` multiplies the position's vol (1 = unchanged).
 */
export function positionValue(p: Position, market: MarketSnapshot, spot = spotOf(p, market), volScale = 1): number {
  if (p.instrument.kind === 'underlying') return p.qty * p.multiplier * spot;
  const vol = (p.vol ?? NaN) * volScale;
  const unit = optionPrice(optionInputsOf(p as Position & { instrument: { kind: 'option' } }, market, spot, vol), p.style);
  return p.qty * p.multiplier * unit;
}
