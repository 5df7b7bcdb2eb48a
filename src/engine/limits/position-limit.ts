import { breaches } from './post-trade-rule.js';
import { type CheckResult, fmt, reject } from './reason-codes.js';

/** |position| in the instrument after the fill, in shares or contracts. */
export function checkPositionLimit(qtyBefore: number, qtyAfter: number, maxPositionQty: number): CheckResult {
  return breaches(Math.abs(qtyBefore), Math.abs(qtyAfter), maxPositionQty)
    ? reject('POSITION_LIMIT', `position ${fmt(qtyAfter)} after fill, |${fmt(qtyAfter)}| > limit ${fmt(maxPositionQty)}`)
    : null;
}
