import { breaches } from './post-trade-rule.js';
import { type CheckResult, fmt, reject } from './reason-codes.js';

/**
 * |position| in the instrument after the fill, in shares or contracts. The reduce exemption of
 * the shared rule does not cover a flip: going from +150 to −140 shrinks |qty| but opens a fresh
 * short beyond the limit.
 */
export function checkPositionLimit(qtyBefore: number, qtyAfter: number, maxPositionQty: number): CheckResult {
  const flips = qtyBefore !== 0 && Math.sign(qtyAfter) === -Math.sign(qtyBefore);
  const over = flips ? Math.abs(qtyAfter) > maxPositionQty : breaches(Math.abs(qtyBefore), Math.abs(qtyAfter), maxPositionQty);
  return over
    ? reject('POSITION_LIMIT', `position ${fmt(qtyAfter)} after fill, |${fmt(qtyAfter)}| > limit ${fmt(maxPositionQty)}`)
    : null;
}
