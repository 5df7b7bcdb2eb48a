/**
 * VELOCITY: more than maxTradesPerHour fills within an hour. It fires on the fill that crosses the
 * limit (the one before it was within it), not on every fill of a burst: one alert per burst.
 */
import { type AmlFill, type RuleInput, anchorOf, recentIndexes } from './activity.js';
import { type AmlRuleAlert, alertOn } from './alert.js';
import type { AmlRuleParams } from './rule-defaults.js';

const HOUR_MS = 3_600_000;

export function velocity(input: RuleInput, p: AmlRuleParams['velocity']): AmlRuleAlert | null {
  const fill = anchorOf(input);
  const inHour = recentIndexes(input, fill.ts - HOUR_MS);
  if (inHour.length <= p.maxTradesPerHour) return null;
  if (input.at > 0) {
    const before = { ...input, at: input.at - 1 };
    if (recentIndexes(before, anchorOf(before).ts - HOUR_MS).length > p.maxTradesPerHour) return null;
  }
  const fills = inHour.map((i) => input.activity.fills[i] as AmlFill);
  const spanMs = fill.ts - (fills[fills.length - 1] as AmlFill).ts;
  // Scaled by speed: the same count in a quarter of the hour is a harder burst than over the whole of it.
  const severity = spanMs <= HOUR_MS / 4 ? 'high' : spanMs <= HOUR_MS / 2 ? 'medium' : 'low';
  return alertOn('VELOCITY', severity, input.activity.customerId, fill, fills, [], {
    tradesInHour: fills.length, maxTradesPerHour: p.maxTradesPerHour, spanMs,
  });
}
