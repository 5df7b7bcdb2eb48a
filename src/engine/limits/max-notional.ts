import { type CheckResult, fmt, reject } from './reason-codes.js';

/** notional = qty × multiplier × expected fill price (limit, else stop, else reference price). */
export function checkMaxOrderNotional(notional: number, maxOrderNotional: number): CheckResult {
  return notional > maxOrderNotional
    ? reject('MAX_ORDER_NOTIONAL', `notional ${fmt(notional)} > limit ${fmt(maxOrderNotional)}`)
    : null;
}
