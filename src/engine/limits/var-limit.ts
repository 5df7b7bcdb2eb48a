import type { MarketSnapshot, Position } from '../portfolio/types.js';
import { breaches } from './post-trade-rule.js';
import { type CheckResult, fmt, reject } from './reason-codes.js';
import type { VarEstimator } from './types.js';

/**
 * VaR of the portfolio after the fill, from an injected estimator, so the real-time path passes its
 * fast delta-gamma VaR and a batch path may pass full revaluation. The VaR before the fill is
 * computed only when the one after breaches. Throws when a finite limit has no estimator: that is
 * a wiring bug, and passing the order silently would hide it.
 */
export function checkVarLimit(
  positionsBefore: readonly Position[],
  positionsAfter: readonly Position[],
  market: MarketSnapshot,
  maxVar: number,
  estimator: VarEstimator | undefined,
): CheckResult {
  if (maxVar === Infinity) return null;
  if (!estimator) throw new Error('maxVar is set but no VarEstimator was given to the pre-trade checks');
  const after = estimator(positionsAfter, market);
  if (!(after > maxVar)) {
    if (Number.isNaN(after)) return reject('RISK_UNAVAILABLE', 'VaR estimator returned NaN');
    return null;
  }
  const before = estimator(positionsBefore, market);
  return breaches(before, after, maxVar)
    ? reject('VAR_LIMIT', `VaR ${fmt(after)} after fill (was ${fmt(before)}) > limit ${fmt(maxVar)}`)
    : null;
}
