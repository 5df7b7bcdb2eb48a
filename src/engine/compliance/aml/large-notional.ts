/** LARGE_NOTIONAL: one fill whose notional reaches the threshold of the customer's risk level. */
import { type RuleInput, anchorOf, notionalOf } from './activity.js';
import { type AmlRuleAlert, alertOn } from './alert.js';
import type { AmlRuleParams } from './rule-defaults.js';

/** At this multiple of the threshold the alert is high (a fill ten times the limit is rarely routine). */
export const LARGE_NOTIONAL_HIGH_MULTIPLE = 10;

export function largeNotional(input: RuleInput, p: AmlRuleParams['largeNotional']): AmlRuleAlert | null {
  const fill = anchorOf(input);
  const level = input.activity.riskLevel ?? 'low';
  const thresholdNotional = p[level];
  const notional = notionalOf(fill);
  if (!(notional >= thresholdNotional)) return null;
  const severity = notional >= LARGE_NOTIONAL_HIGH_MULTIPLE * thresholdNotional ? 'high' : 'medium';
  return alertOn('LARGE_NOTIONAL', severity, input.activity.customerId, fill, [fill], [], {
    notional, thresholdNotional, riskLevel: level, rated: input.activity.riskLevel !== undefined, instrument: fill.instrument, side: fill.side, qty: fill.qty, price: fill.price, multiplier: fill.multiplier,
  });
}
