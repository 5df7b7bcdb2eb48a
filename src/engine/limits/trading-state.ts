import { type CheckResult, reject } from './reason-codes.js';
import type { OrderAction, TradingState } from './types.js';

/**
 * The kill switch. 'halted': nothing new (submit, modify) passes; 'reducing': only an order that
 * shrinks the absolute size of the position it touches, without flipping it. Cancels always pass:
 * they only ever remove risk.
 */
export function checkTradingState(state: TradingState, action: OrderAction, heldQty: number, signedQty: number): CheckResult {
  if (action === 'cancel' || state === 'active') return null;
  if (state === 'halted') return reject('TRADING_HALTED', `trading is halted: ${action} refused, only cancels are accepted`);
  const reduces = heldQty !== 0 && Math.sign(signedQty) === -Math.sign(heldQty) && Math.abs(signedQty) <= Math.abs(heldQty);
  if (reduces) return null;
  return reject(
    'TRADING_REDUCING',
    `trading is reduce-only: order ${signedQty > 0 ? '+' : ''}${signedQty} would take position ${heldQty} to ${heldQty + signedQty}`,
  );
}
