import { leverageOf, type RiskFigures } from './exposure.js';
import { breaches } from './post-trade-rule.js';
import { type CheckResult, fmt, reject } from './reason-codes.js';

/** Leverage = gross delta-adjusted exposure / equity (Infinity with exposure on non-positive equity). */
export function checkLeverageLimit(before: RiskFigures, after: RiskFigures, maxLeverage: number): CheckResult {
  const b = leverageOf(before);
  const a = leverageOf(after);
  return breaches(b, a, maxLeverage)
    ? reject('LEVERAGE_LIMIT', `leverage ${fmt(a)} after fill (exposure ${fmt(after.grossExposure)} / equity ${fmt(after.equity)}) > limit ${fmt(maxLeverage)}`)
    : null;
}
