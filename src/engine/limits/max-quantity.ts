import { type CheckResult, fmt, reject } from './reason-codes.js';

export function checkMaxOrderQty(qty: number, maxOrderQty: number): CheckResult {
  return qty > maxOrderQty ? reject('MAX_ORDER_QTY', `qty ${fmt(qty)} > limit ${fmt(maxOrderQty)}`) : null;
}
