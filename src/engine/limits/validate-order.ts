import { isoToEpochDay } from '../market/dates.js';
import { type CheckResult, reject } from './reason-codes.js';
import type { Order } from './types.js';

const SIDES = new Set(['buy', 'sell']);
const TYPES = new Set(['market', 'limit', 'stop', 'take_profit']);
const positivePrice = (x: number | undefined): boolean => x === undefined || (Number.isFinite(x) && x > 0);

/** Shape and consistency of an order for a portfolio on the market date `asOf`. */
export function checkOrderValid(order: Order, portfolioId: string, asOf: string): CheckResult {
  const bad = (d: string) => reject('INVALID_ORDER', d);
  if (order.portfolioId !== portfolioId) return bad(`order is for portfolio ${order.portfolioId}, checked against ${portfolioId}`);
  if (!SIDES.has(order.side)) return bad(`side must be buy or sell, got ${String(order.side)}`);
  if (!TYPES.has(order.orderType)) return bad(`orderType must be market, limit, stop or take_profit, got ${String(order.orderType)}`);
  if (!(Number.isFinite(order.qty) && order.qty > 0)) return bad(`qty must be a finite number > 0, got ${order.qty}`);
  if (!positivePrice(order.limitPrice)) return bad(`limitPrice must be > 0, got ${order.limitPrice}`);
  if (!positivePrice(order.stopPrice)) return bad(`stopPrice must be > 0, got ${order.stopPrice}`);
  if (order.orderType === 'limit' && order.limitPrice === undefined) return bad('a limit order needs a limitPrice');
  if ((order.orderType === 'stop' || order.orderType === 'take_profit') && order.stopPrice === undefined) {
    return bad(`a ${order.orderType} order needs a stopPrice`);
  }
  const i = order.instrument;
  if (i.kind === 'option' && isoToEpochDay(i.expiry) < isoToEpochDay(asOf)) {
    return bad(`option ${i.symbol} expired on ${i.expiry} (market date ${asOf})`);
  }
  return null;
}
