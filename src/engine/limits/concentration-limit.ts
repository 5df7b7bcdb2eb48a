import type { RiskFigures } from './exposure.js';
import { breaches } from './post-trade-rule.js';
import { type CheckResult, fmt, reject } from './reason-codes.js';

const shareOf = (r: RiskFigures, underlying: string): number =>
  r.grossExposure > 0 ? (r.exposureByUnderlying.get(underlying) ?? 0) / r.grossExposure : 0;

/**
 * Share of gross exposure in the underlying the order touches. Skipped while gross exposure after
 * the fill is at or below minGrossExposure: a new account's first trade is always 100% concentrated.
 */
export function checkConcentrationLimit(
  underlying: string,
  before: RiskFigures,
  after: RiskFigures,
  maxConcentration: number,
  minGrossExposure: number,
): CheckResult {
  if (after.grossExposure <= minGrossExposure) return null;
  const b = shareOf(before, underlying);
  const a = shareOf(after, underlying);
  return breaches(b, a, maxConcentration)
    ? reject('CONCENTRATION_LIMIT', `${underlying} share of gross exposure ${fmt(a * 100)}% after fill > limit ${fmt(maxConcentration * 100)}%`)
    : null;
}
