import type { Position } from '../portfolio/types.js';
import { missingInputs, positionRisk, type RiskFigures, sumRiskFigures } from './exposure.js';
import { heldQty, type PricedOrder, sameInstrument } from './order-terms.js';
import { type Rejection, reject } from './reason-codes.js';
import type { OrderContext } from './types.js';

/** The portfolio on one side of a fill. */
export interface ProjectedSide {
  /** Held quantity of the order's instrument. */
  readonly qty: number;
  readonly positions: readonly Position[];
  readonly risk: RiskFigures;
}

/** The portfolio before and after the order fills in full at its expected fill price. */
export interface Projection {
  readonly priced: PricedOrder;
  readonly before: ProjectedSide;
  readonly after: ProjectedSide;
}

/** Index of the position a fill of the order changes: the first matching one, or −1 (a new one). */
function fillIndex(positions: readonly Position[], ctx: OrderContext): number {
  const i = ctx.order.instrument;
  return positions.findIndex((p) => sameInstrument(p.instrument, i));
}

/** Positions after a fill of signedQty: the one at idx changes (or leaves at 0), or a new one is added (idx −1). */
function positionsAfterFill(positions: readonly Position[], idx: number, ctx: OrderContext, priced: PricedOrder): Position[] {
  if (idx < 0) return [...positions, { instrument: ctx.order.instrument, qty: priced.signedQty, ...priced.terms }];
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
  const idx = fillIndex(positionsBefore, ctx);
  const positionsAfter = positionsAfterFill(positionsBefore, idx, ctx, priced);
  // Fail closed: a check that cannot see the risk must not pass the order.
  const missing = missingInputs(positionsAfter, market) ?? missingInputs(positionsBefore, market);
  if (missing) return reject('RISK_UNAVAILABLE', `cannot evaluate post-trade risk: ${missing}`);
  const cashAfter = portfolio.cash - priced.signedQty * priced.terms.multiplier * priced.fillPrice;
  const qtyBefore = heldQty(positionsBefore, ctx.order.instrument);
  // Each position is priced once: after the fill every position but the one at idx is the same
  // object as before, so its contribution is reused, and both sums run in the positions' own order.
  const before = positionsBefore.map((p) => positionRisk(p, market));
  const after = before.slice();
  if (idx < 0) after.push(positionRisk(positionsAfter[positionsAfter.length - 1] as Position, market));
  else if (positionsAfter.length < positionsBefore.length) after.splice(idx, 1);
  else after[idx] = positionRisk(positionsAfter[idx] as Position, market);
  return {
    priced,
    before: { qty: qtyBefore, positions: positionsBefore, risk: sumRiskFigures(before, portfolio.cash) },
    after: { qty: qtyBefore + priced.signedQty, positions: positionsAfter, risk: sumRiskFigures(after, cashAfter) },
  };
}
