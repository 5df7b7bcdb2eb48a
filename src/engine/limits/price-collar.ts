import { type CheckResult, fmt, reject } from './reason-codes.js';

/**
 * A limit price must lie within ±fraction of the reference (last or model) price, which catches
 * fat-finger prices. Orders without a limit price (market, stop, take-profit triggers) pass: a
 * trigger level may legitimately sit far from the market.
 */
export function checkPriceCollar(limitPrice: number | undefined, referencePrice: number, fraction: number): CheckResult {
  if (limitPrice === undefined) return null;
  const lo = referencePrice * (1 - fraction);
  const hi = referencePrice * (1 + fraction);
  if (limitPrice >= lo && limitPrice <= hi) return null;
  return reject(
    'PRICE_COLLAR',
    `limit price ${fmt(limitPrice)} outside ±${fmt(fraction * 100)}% of reference ${fmt(referencePrice)} [${fmt(lo)}, ${fmt(hi)}]`,
  );
}
