import type { Instrument, Position } from '../portfolio/types.js';
import { instrumentOf } from './instrument-symbol.js';
import type { Holding } from './types.js';

/** Valuation terms of a holding opened by a fill. */
export type HoldingTerms = Pick<Position, 'multiplier' | 'vol' | 'dividendYield' | 'style'>;

/**
 * Terms of a new holding: 100 shares per contract for options, 1 for underlyings, no dividend
 * yield and European exercise until reference data supplies better (the same defaults the
 * pre-trade checks assume for an instrument not yet held, so the check and the fill agree).
 */
export function newHoldingTerms(instrument: Instrument, vol: number | undefined): HoldingTerms {
  if (instrument.kind === 'underlying') return { multiplier: 1, dividendYield: 0, style: 'european' };
  return { multiplier: 100, ...(vol !== undefined ? { vol } : {}), dividendYield: 0, style: 'european' };
}

/**
 * Units of the underlying per contract that a fill of this symbol opens with (100 for an OCC
 * option, 1 for a ticker); undefined for a symbol that names neither.
 */
export function standardMultiplierOf(symbol: string): number | undefined {
  const instrument = instrumentOf(symbol);
  return instrument ? newHoldingTerms(instrument, undefined).multiplier : undefined;
}

/**
 * The holding after a fill of signedQty units at price. An increase averages the open price
 * (weighted by quantity); a reduction keeps it and realises (price − avg)·closed·multiplier on the
 * side of the position; a flip closes the whole position, then opens the rest at the fill price.
 */
export function applyFill(holding: Holding, signedQty: number, price: number): Holding {
  const q0 = holding.qty;
  const q1 = q0 + signedQty;
  if (q0 === 0 || Math.sign(q0) === Math.sign(signedQty)) {
    const avgPrice = (holding.avgPrice * Math.abs(q0) + price * Math.abs(signedQty)) / Math.abs(q1);
    return { ...holding, qty: q1, avgPrice };
  }
  const closedQty = Math.min(Math.abs(signedQty), Math.abs(q0));
  const realisedPnl = holding.realisedPnl + (price - holding.avgPrice) * closedQty * holding.multiplier * Math.sign(q0);
  const flipped = Math.abs(signedQty) > Math.abs(q0);
  return { ...holding, qty: q1, avgPrice: flipped ? price : holding.avgPrice, realisedPnl };
}
