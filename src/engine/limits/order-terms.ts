import { optionPrice } from '../pricing/option-pricer.js';
import type { Instrument, Position } from '../portfolio/types.js';
import { underlyingOf } from '../portfolio/types.js';
import { optionInputsOf } from '../portfolio/valuation.js';
import { type Rejection, reject } from './reason-codes.js';
import { type OrderContext, type PositionTerms, signOf } from './types.js';

/** The order with everything the checks need resolved once. */
export interface PricedOrder {
  readonly terms: PositionTerms;
  /** Signed quantity (buy +, sell −) in shares or contracts. */
  readonly signedQty: number;
  /** Last or model price per unit of underlying (option premium, or the stock price). */
  readonly referencePrice: number;
  /** Expected fill price: the limit price, else the stop price, else the reference price. */
  readonly fillPrice: number;
  /** qty × multiplier × fillPrice, currency. */
  readonly notional: number;
}

/** Same instrument: same ticker for underlyings, same contract terms for options. */
export function sameInstrument(a: Instrument, b: Instrument): boolean {
  if (a.kind === 'underlying' || b.kind === 'underlying') return a.kind === b.kind && a.symbol === b.symbol;
  return a.underlying === b.underlying && a.expiry === b.expiry && a.type === b.type && a.strike === b.strike;
}

/** Net signed quantity held in an instrument. */
export function heldQty(positions: readonly Position[], instrument: Instrument): number {
  let q = 0;
  for (const p of positions) if (sameInstrument(p.instrument, instrument)) q += p.qty;
  return q;
}

/** Terms of the held position, else the caller's, else plain defaults for an underlying. */
export function resolveTerms(ctx: OrderContext): PositionTerms | undefined {
  const i = ctx.order.instrument;
  const held = ctx.portfolio.positions.find((p) => sameInstrument(p.instrument, i));
  if (held) return { multiplier: held.multiplier, vol: held.vol, dividendYield: held.dividendYield, style: held.style };
  const given = ctx.termsOf?.(i);
  if (given) return given;
  return i.kind === 'underlying' ? { multiplier: 1, dividendYield: 0, style: 'european' } : undefined;
}

export function priceOrder(ctx: OrderContext): PricedOrder | Rejection {
  const { order, market } = ctx;
  const i = order.instrument;
  const terms = resolveTerms(ctx);
  if (!terms) return reject('RISK_UNAVAILABLE', `no terms (multiplier, vol) for new option ${i.symbol}`);
  const u = underlyingOf(i);
  const spot = market.spots.get(u);
  if (spot === undefined) return reject('RISK_UNAVAILABLE', `no spot for underlying ${u}`);
  let referencePrice = ctx.referencePrices?.get(i.symbol);
  if (referencePrice === undefined) {
    if (i.kind === 'underlying') referencePrice = spot;
    else {
      if (!(terms.vol !== undefined && terms.vol >= 0)) return reject('RISK_UNAVAILABLE', `no vol for option ${i.symbol}`);
      const p = { instrument: i, qty: 0, ...terms } as Position & { instrument: { kind: 'option' } };
      referencePrice = optionPrice(optionInputsOf(p, market, spot, terms.vol), terms.style);
    }
  }
  const fillPrice = order.limitPrice ?? order.stopPrice ?? referencePrice;
  return {
    terms,
    signedQty: signOf(order.side) * order.qty,
    referencePrice,
    fillPrice,
    notional: order.qty * terms.multiplier * fillPrice,
  };
}

export const isRejection = (x: unknown): x is Rejection =>
  typeof x === 'object' && x !== null && (x as { ok?: unknown }).ok === false;
