/**
 * UNUSUAL_SIZE: a fill's notional far above the customer's own habit: its z-score against their
 * newest historyFills past fills, once they have minHistory of them. A history of near-identical
 * trades has a deviation near 0, which would make any slightly larger trade infinitely unusual: the
 * deviation is taken as at least STD_FLOOR_OF_MEAN of the mean.
 */
import { type AmlFill, type RuleInput, anchorOf, notionalOf } from './activity.js';
import { type AmlRuleAlert, alertOn } from './alert.js';
import type { AmlRuleParams } from './rule-defaults.js';

export const STD_FLOOR_OF_MEAN = 0.1;

export function unusualSize(input: RuleInput, p: AmlRuleParams['unusualSize']): AmlRuleAlert | null {
  const fill = anchorOf(input);
  const past = input.activity.fills.slice(Math.max(0, input.at - p.historyFills), input.at);
  if (past.length < p.minHistory) return null;
  const sizes = past.map(notionalOf);
  const mean = sizes.reduce((s, x) => s + x, 0) / sizes.length;
  const std = Math.sqrt(sizes.reduce((s, x) => s + (x - mean) ** 2, 0) / sizes.length);
  const usedStd = Math.max(std, STD_FLOOR_OF_MEAN * mean);
  const notional = notionalOf(fill);
  if (!(usedStd > 0)) return null;
  const z = (notional - mean) / usedStd;
  if (!(z >= p.minZ)) return null;
  return alertOn('UNUSUAL_SIZE', z >= 2 * p.minZ ? 'high' : 'medium', input.activity.customerId, fill, [fill], [], {
    notional, meanNotional: mean, stdNotional: std, z, minZ: p.minZ, historyFills: past.length,
    firstHistoryFillId: (past[0] as AmlFill).fillId, lastHistoryFillId: (past[past.length - 1] as AmlFill).fillId,
  });
}
