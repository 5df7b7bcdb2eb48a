import { type CheckResult, reject } from './reason-codes.js';
import { reducesPosition } from './trading-state.js';
import type { OrderAction } from './types.js';

/**
 * Whether a customer's KYC is approved: the engine's one question about KYC, answered
 * synchronously from memory by whoever composes the engine (persistence/kyc-approvals.ts in the
 * server). Asked on every new order of an owned portfolio, so it must be a lookup, never I/O.
 */
export interface KycGate {
  isApproved(ownerId: string): boolean;
}

/**
 * KYC_REQUIRED: the portfolio's owner is not approved, so the portfolio may hold no new position.
 * It behaves reduce-only for new orders and replacements (an order that only shrinks a position
 * it touches, without flipping it, passes); cancels always pass. `approved` is computed by the
 * caller (true when the portfolio has no owner or no gate is configured).
 */
export function checkKycGate(approved: boolean, action: OrderAction, heldQty: number, signedQty: number): CheckResult {
  if (approved || action === 'cancel' || reducesPosition(heldQty, signedQty)) return null;
  return reject(
    'KYC_REQUIRED',
    `the portfolio's owner has no approved KYC: only orders that reduce a position are accepted; order ${signedQty > 0 ? '+' : ''}${signedQty} would take position ${heldQty} to ${heldQty + signedQty}`,
  );
}
