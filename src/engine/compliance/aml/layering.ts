/**
 * LAYERING (spoofing): a burst of orders on one side, placed far from the touch and cancelled
 * unfilled, then a fill on the other side: the orders were there to move the price, not to trade.
 * Only orders cancelled by the time of the fill count, so screening the fill later reaches the same
 * verdict; an order whose touch at placement is unknown is not counted (no distance to measure).
 */
import { type AmlOrder, type RuleInput, anchorOf } from './activity.js';
import { type AmlRuleAlert, alertOn } from './alert.js';
import type { AmlRuleParams } from './rule-defaults.js';

/** Distance of a limit order from the touch when placed, as a fraction of the touch; undefined when unknown. */
export function distanceFromTouch(o: AmlOrder): number | undefined {
  if (o.limitPrice === undefined || o.touchAtPlacement === undefined || !(o.touchAtPlacement > 0)) return undefined;
  return Math.abs(o.limitPrice - o.touchAtPlacement) / o.touchAtPlacement;
}

export function layering(input: RuleInput, p: AmlRuleParams['layering']): AmlRuleAlert | null {
  const fill = anchorOf(input);
  const fromMs = fill.ts - p.windowSeconds * 1000;
  const spoofs = input.activity.orders.filter((o) => {
    const d = distanceFromTouch(o);
    return o.instrument === fill.instrument && o.side !== fill.side && o.status === 'cancelled' && o.filledQty === 0
      && o.createdMs >= fromMs && o.updatedMs <= fill.ts && d !== undefined && d >= p.minDistance;
  });
  if (spoofs.length < p.minOrders) return null;
  spoofs.sort((a, b) => a.createdMs - b.createdMs);
  const distances = spoofs.map((o) => distanceFromTouch(o) as number);
  return alertOn('LAYERING', spoofs.length >= 2 * p.minOrders ? 'high' : 'medium', input.activity.customerId, fill, [fill],
    [...spoofs.map((o) => o.orderId), fill.orderId], {
      cancelledOrders: spoofs.length, minOrders: p.minOrders, windowSeconds: p.windowSeconds, minDistance: p.minDistance,
      smallestDistance: Math.min(...distances), cancelledQty: spoofs.reduce((s, o) => s + o.qty, 0), fillSide: fill.side, instrument: fill.instrument,
    });
}
