import type { Order } from './types.js';

/** What a price does to an order: nothing, fire its trigger only (a stop-limit that now rests), or fill it. */
export type MatchResult =
  | { readonly kind: 'rest' }
  | { readonly kind: 'trigger' }
  | { readonly kind: 'fill'; readonly price: number };

const REST: MatchResult = Object.freeze({ kind: 'rest' });
const TRIGGER: MatchResult = Object.freeze({ kind: 'trigger' });

/**
 * Matches an order against the last price of its instrument (stock price, or option model price).
 * - market: fills at the price.
 * - limit: a buy fills when price <= limit, a sell when price >= limit, at the price, which is
 *   never worse than the limit.
 * - stop (stop-loss): a buy triggers when price >= stop, a sell when price <= stop;
 * - take_profit: a sell triggers when price >= stop, a buy when price <= stop;
 *   once triggered either fills at the price, or, with a limitPrice (stop-limit), by the limit rule.
 * Fills are whole: the order's full qty at one price.
 */
export function matchOrder(order: Order, price: number): MatchResult {
  const isBuy = order.side === 'buy';
  if (order.orderType === 'market') return { kind: 'fill', price };
  let newlyTriggered = false;
  if (order.orderType !== 'limit' && order.triggeredMs === undefined) {
    const stop = order.stopPrice ?? NaN;
    const fires = order.orderType === 'stop' ? (isBuy ? price >= stop : price <= stop) : isBuy ? price <= stop : price >= stop;
    if (!fires) return REST;
    newlyTriggered = true;
  }
  const limit = order.limitPrice;
  if (limit !== undefined && !(isBuy ? price <= limit : price >= limit)) return newlyTriggered ? TRIGGER : REST;
  return { kind: 'fill', price };
}
