import { type CheckResult, reject } from './reason-codes.js';
import type { OrderAction, TradingState, TradingStateReason } from './types.js';

/**
 * Whether an order of signedQty only shrinks the absolute size of the position it touches,
 * without flipping it (the one kind of order a reduce-only portfolio takes).
 */
export function reducesPosition(heldQty: number, signedQty: number): boolean {
  return heldQty !== 0 && Math.sign(signedQty) === -Math.sign(heldQty) && Math.abs(signedQty) <= Math.abs(heldQty);
}

/**
 * The kill switch. 'halted': nothing new (submit, modify) passes; 'reducing': only an order that
 * shrinks the absolute size of the position it touches, without flipping it. Cancels always pass:
 * they only ever remove risk. A halt for a reason other than MANUAL names it in the message
 * ("trading is halted (SANCTIONS): ..."), so that the client learns why without another call.
 */
export function checkTradingState(state: TradingState, action: OrderAction, heldQty: number, signedQty: number, reason?: TradingStateReason): CheckResult {
  if (action === 'cancel' || state === 'active') return null;
  if (state === 'halted') {
    const why = reason === undefined || reason === 'MANUAL' ? '' : ` (${reason})`;
    return reject('TRADING_HALTED', `trading is halted${why}: ${action} refused, only cancels are accepted`);
  }
  if (reducesPosition(heldQty, signedQty)) return null;
  return reject(
    'TRADING_REDUCING',
    `trading is reduce-only: order ${signedQty > 0 ? '+' : ''}${signedQty} would take position ${heldQty} to ${heldQty + signedQty}`,
  );
}
