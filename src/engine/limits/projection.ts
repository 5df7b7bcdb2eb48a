import type { Position } from '../portfolio/types.js';
import { missingInputs, type RiskFigures, riskFigures } from './exposure.js';
import { heldQty, type PricedOrder, sameInstrument } from './order-terms.js';
import { type Rejection, reject } from './reason-codes.js';
import type { OrderContext } from './types.js';

/** The portfolio before and after the order fills in full at its expected fill price. */
export interface Projection {
  readonly priced: PricedOrder;
  readonly qtyBefore: number;
  readonly qtyAfter: number;
  readonly positionsBefore: readonly Position[];
  readonly positionsAfter: readonly Position[];
  readonly before: RiskFigures;
  readonly after: RiskFigures;
}

/** Positions after a fill of signedQty: the first matching position changes, or a new one is added. */
export function applyFill(positions: readonly Position[], ctx: OrderContext, priced: PricedOrder): Position[] {
  const i = ctx.order.instrument;
  const idx = positions.findIndex((p) => sameInstrument(p.instrument, i));
  if (idx < 0) return [...positions, { instrument: i, qty: priced.signedQty, ...priced.terms }];
  const out = positions.slice();
  const old = out[idx] as Position;
  const qty = old.qty + priced.signedQty;
  if (qty === 0) out.splice(idx, 1);
  else out[idx] = { ...old, qty };
  return out;
}

export function projectOrder(ctx: OrderContext, priced: PricedOrder): Projection | Rejection {
  const { portfolio, market } = ctx;
  const positionsBefore = portfolio.positions;
  const positionsAfter = applyFill(positionsBefore, ctx, priced);
  // Fail closed: a check that cannot see the risk must not pass the order.
  const missing = missingInputs(positionsAfter, market) ?? missingInputs(positionsBefore, market);
  if (missing) return reject('RISK_UNAVAILABLE', `cannot evaluate post-trade risk: ${missing}`);
  const cashAfter = portfolio.cash - priced.signedQty * priced.terms.multiplier * priced.fillPrice;
  const qtyBefore = heldQty(positionsBefore, ctx.order.instrument);
  return {
    priced,
    qtyBefore,
    qtyAfter: qtyBefore + priced.signedQty,
    positionsBefore,
    positionsAfter,
    before: riskFigures(positionsBefore, portfolio.cash, market),
    after: riskFigures(positionsAfter, cashAfter, market),
  };
}
