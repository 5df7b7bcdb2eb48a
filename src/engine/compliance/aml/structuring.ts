/**
 * STRUCTURING: minCount fills within windowHours each just under the reporting threshold (in
 * [bandFraction × threshold, threshold)). It fires on the fill that completes the count, once per
 * run of them.
 */
import { type AmlFill, type RuleInput, anchorOf, notionalOf, recentIndexes } from './activity.js';
import { type AmlRuleAlert, alertOn } from './alert.js';
import type { AmlRuleParams } from './rule-defaults.js';

export function structuring(input: RuleInput, p: AmlRuleParams['structuring']): AmlRuleAlert | null {
  const inBand = (f: AmlFill): boolean => {
    const n = notionalOf(f);
    return n >= p.bandFraction * p.reportingThreshold && n < p.reportingThreshold;
  };
  const fill = anchorOf(input);
  if (!inBand(fill)) return null;
  const windowMs = p.windowHours * 3_600_000;
  const run = recentIndexes(input, fill.ts - windowMs, inBand);
  if (run.length < p.minCount) return null;
  // The previous in-band fill already had the count: this one continues a run that was alerted.
  const previous = run[1];
  if (previous !== undefined) {
    const at = { ...input, at: previous };
    if (recentIndexes(at, anchorOf(at).ts - windowMs, inBand).length >= p.minCount) return null;
  }
  const fills = run.map((i) => input.activity.fills[i] as AmlFill);
  return alertOn('STRUCTURING', 'medium', input.activity.customerId, fill, fills, fills.map((f) => f.orderId), {
    fillsInBand: fills.length, minCount: p.minCount, reportingThreshold: p.reportingThreshold, bandLow: p.bandFraction * p.reportingThreshold,
    windowHours: p.windowHours, totalNotional: fills.reduce((s, f) => s + notionalOf(f), 0),
  });
}
