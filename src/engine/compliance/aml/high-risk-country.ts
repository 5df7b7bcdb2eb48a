/**
 * HIGH_RISK_COUNTRY: a trade with a counterparty in, or by a customer of, a sanctioned or high-risk
 * country. A counterparty's country is judged fill by fill; the customer's own country once a UTC
 * day (their first fill of the day), so a resident of a listed country raises one alert a day, not
 * one per fill. High for a sanctioned country, medium for a high-risk one.
 */
import { type AmlFill, type RuleInput, anchorOf } from './activity.js';
import { type AmlRuleAlert, alertOn } from './alert.js';
import type { AmlRuleParams } from './rule-defaults.js';

const DAY_MS = 86_400_000;

export function highRiskCountry(input: RuleInput, p: AmlRuleParams['countries']): AmlRuleAlert | null {
  const fill = anchorOf(input);
  const listOf = (c: string | undefined): 'sanctioned' | 'highRisk' | undefined => {
    const code = c?.toUpperCase();
    if (code === undefined) return undefined;
    return p.sanctioned.includes(code) ? 'sanctioned' : p.highRisk.includes(code) ? 'highRisk' : undefined;
  };
  const counterparty = listOf(fill.counterpartyCountry);
  const dayStart = Math.floor(fill.ts / DAY_MS) * DAY_MS;
  const firstOfDay = input.at === 0 || (input.activity.fills[input.at - 1] as AmlFill).ts < dayStart;
  const customerHits = firstOfDay ? input.activity.countries.filter((c) => listOf(c) !== undefined).map((c) => c.toUpperCase()) : [];
  if (counterparty === undefined && customerHits.length === 0) return null;
  const sanctioned = counterparty === 'sanctioned' || customerHits.some((c) => listOf(c) === 'sanctioned');
  return alertOn('HIGH_RISK_COUNTRY', sanctioned ? 'high' : 'medium', input.activity.customerId, fill, [fill], [], {
    ...(counterparty !== undefined ? { counterpartyCountry: (fill.counterpartyCountry as string).toUpperCase(), counterpartyList: counterparty } : {}),
    ...(customerHits.length > 0 ? { customerCountries: customerHits.join(',') } : {}),
  });
}
