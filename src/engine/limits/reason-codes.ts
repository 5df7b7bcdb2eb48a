/**
 * Every reason a pre-trade check can refuse an order. The code goes to the client as it is, so a
 * code never changes meaning once released; add new ones instead.
 */
import { type Failure, failure } from '../result.js';

export const REASON_CODES = [
  'INVALID_ORDER',
  'RISK_UNAVAILABLE',
  'TRADING_HALTED',
  'TRADING_REDUCING',
  'RATE_LIMIT_SUBMIT',
  'RATE_LIMIT_MODIFY',
  'PRICE_COLLAR',
  'MAX_ORDER_QTY',
  'MAX_ORDER_NOTIONAL',
  'POSITION_LIMIT',
  'GREEK_LIMIT_DELTA',
  'GREEK_LIMIT_GAMMA',
  'GREEK_LIMIT_VEGA',
  'LEVERAGE_LIMIT',
  'CONCENTRATION_LIMIT',
  'VAR_LIMIT',
  /** The portfolio's owner (customer) has no approved KYC while KYC is required: reduce-only (kyc-gate.ts). */
  'KYC_REQUIRED',
] as const;

export type ReasonCode = (typeof REASON_CODES)[number];

/** A refused order: the stable code and a readable message with the numbers. */
export type Rejection = Failure<ReasonCode>;

export type CheckResult = Rejection | null;

export function reject(code: ReasonCode, message: string): Rejection {
  return failure(code, message);
}

/**
 * Compact number for details: integers below a million as they are, larger magnitudes in
 * exponent form ("1.2e6"), others with up to 6 significant digits.
 */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 1e6) return x.toExponential(5).replace(/\.?0+e\+?/, 'e').replace('e+', 'e');
  if (Number.isInteger(x)) return String(x);
  return String(Number(x.toPrecision(6)));
}
