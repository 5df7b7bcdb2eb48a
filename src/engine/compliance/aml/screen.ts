/**
 * Every rule over a customer's activity. `screenFills` screens the fills it is told to (those of
 * an aml job) against the whole activity, which the caller reads far enough back for every rule
 * (docs/AML-RULES.md, "Look-back"). Each rule sees only the fills up to the one it screens, so the
 * verdicts, and the alerts' keys, are the same whenever the fill is screened: a day replayed raises
 * the same alerts, and the store's key keeps each once.
 */
import { type AmlFill, type CustomerActivity, type RuleInput, inTimeOrder } from './activity.js';
import type { AmlRuleAlert } from './alert.js';
import { highRiskCountry } from './high-risk-country.js';
import { largeNotional } from './large-notional.js';
import { layering } from './layering.js';
import { markingTheClose } from './marking-the-close.js';
import type { AmlRuleCode } from './reason-codes.js';
import type { AmlRuleParams } from './rule-defaults.js';
import { structuring } from './structuring.js';
import { unusualSize } from './unusual-size.js';
import { velocity } from './velocity.js';
import { washTrade } from './wash-trade.js';

type Rule = (input: RuleInput, p: AmlRuleParams) => AmlRuleAlert | null;

export const AML_RULE_FUNCTIONS: Readonly<Record<AmlRuleCode, Rule>> = Object.freeze({
  LARGE_NOTIONAL: (i, p) => largeNotional(i, p.largeNotional),
  VELOCITY: (i, p) => velocity(i, p.velocity),
  STRUCTURING: (i, p) => structuring(i, p.structuring),
  WASH_TRADE: (i, p) => washTrade(i, p.washTrade),
  LAYERING: (i, p) => layering(i, p.layering),
  MARKING_THE_CLOSE: (i, p) => markingTheClose(i, p.markingTheClose),
  UNUSUAL_SIZE: (i, p) => unusualSize(i, p.unusualSize),
  HIGH_RISK_COUNTRY: (i, p) => highRiskCountry(i, p.countries),
});

/** The alerts raised by the fills named in `fillIds` (every fill of the activity when omitted), in time order. */
export function screenFills(activity: CustomerActivity, params: AmlRuleParams, fillIds?: Iterable<string>): AmlRuleAlert[] {
  const fills: readonly AmlFill[] = inTimeOrder(activity.fills);
  const sorted = { ...activity, fills };
  const wanted = fillIds === undefined ? undefined : new Set(fillIds);
  const alerts: AmlRuleAlert[] = [];
  fills.forEach((f, at) => {
    if (wanted !== undefined && !wanted.has(f.fillId)) return;
    for (const rule of Object.values(AML_RULE_FUNCTIONS)) {
      const alert = rule({ activity: sorted, at }, params);
      if (alert !== null) alerts.push(alert);
    }
  });
  return alerts;
}
