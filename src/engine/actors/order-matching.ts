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

/** An open interval of prices of one underlying within which none of a set of resting orders reacts. */
export interface QuietBand {
  readonly lo: number;
  readonly hi: number;
}

export const ALWAYS_REACTS: QuietBand = Object.freeze({ lo: Infinity, hi: -Infinity });

/**
 * The band of `underlying` prices at which matchOrder answers 'rest' for every order in `orders`
 * on that underlying, so that the runtime can skip handing such ticks to the actor at all (at
 * thousands of ticks a second most of them move no resting order). It mirrors matchOrder's rules:
 * a buy limit reacts at or below its limit, a sell limit at or above; an untriggered stop buy or
 * take-profit sell at or above its trigger, a stop sell or take-profit buy at or below; a triggered
 * stop-limit as a limit. An order in an option of the underlying has a model price that depends on
 * more than spot, so it makes the band empty (every tick goes to the actor).
 */
export function quietBand(orders: Iterable<Order>, underlying: string): QuietBand {
  let lo = -Infinity;
  let hi = Infinity;
  for (const o of orders) {
    const i = o.parsed;
    if (i.kind === 'option') {
      if (i.underlying === underlying) return ALWAYS_REACTS;
      continue;
    }
    if (i.symbol !== underlying) continue;
    const isBuy = o.side === 'buy';
    const triggered = o.orderType === 'limit' || o.triggeredMs !== undefined;
    if (o.orderType === 'market' || (triggered && o.orderType !== 'limit' && o.limitPrice === undefined)) return ALWAYS_REACTS;
    if (triggered) {
      const limit = o.limitPrice as number;
      if (isBuy) lo = Math.max(lo, limit);
      else hi = Math.min(hi, limit);
      continue;
    }
    const stop = o.stopPrice ?? NaN;
    if (!Number.isFinite(stop)) return ALWAYS_REACTS;
    const reactsAbove = o.orderType === 'stop' ? isBuy : !isBuy;
    if (reactsAbove) hi = Math.min(hi, stop);
    else lo = Math.max(lo, stop);
  }
  return { lo, hi };
}

/** True when `price` is strictly inside the band, i.e. no order can react to it. */
export const isQuiet = (band: QuietBand, price: number): boolean => price > band.lo && price < band.hi;
