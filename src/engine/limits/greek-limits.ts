import type { RiskFigures } from './exposure.js';
import { breaches } from './post-trade-rule.js';
import { type CheckResult, fmt, reject } from './reason-codes.js';
import type { RiskLimits } from './risk-limits.js';

type GreekFigures = Pick<RiskFigures, 'dollarDelta' | 'dollarGamma' | 'vega'>;

/** Portfolio dollar delta, dollar gamma (Γ·S²) and vega after the fill; delta first, then gamma, then vega. */
export function checkGreekLimits(before: GreekFigures, after: GreekFigures, limits: RiskLimits): CheckResult {
  const rows = [
    ['GREEK_LIMIT_DELTA', 'dollar delta', before.dollarDelta, after.dollarDelta, limits.maxAbsDollarDelta],
    ['GREEK_LIMIT_GAMMA', 'dollar gamma', before.dollarGamma, after.dollarGamma, limits.maxAbsDollarGamma],
    ['GREEK_LIMIT_VEGA', 'vega per 1.00 vol', before.vega, after.vega, limits.maxAbsVega],
  ] as const;
  for (const [code, name, b, a, limit] of rows) {
    if (breaches(Math.abs(b), Math.abs(a), limit)) {
      return reject(code, `${name} ${fmt(a)} after fill (was ${fmt(b)}), |${fmt(a)}| > limit ${fmt(limit)}`);
    }
  }
  return null;
}
