/**
 * What a rule raises. An alert is anchored on one fill (the one that completed the pattern) and
 * keyed by its rule and that fill: the same fill screened again (a retried job, a replayed day)
 * gives the same key, and the store keeps one alert per key (aml_alerts is UNIQUE (fill_id, rule)).
 */
import { type AmlFill, notionalOf } from './activity.js';
import type { AmlRuleCode } from './reason-codes.js';

export type AmlSeverity = 'low' | 'medium' | 'high';

/** The figures that made the rule fire, by name (units in the names), for the officer reading the alert. */
export type AmlFigures = Readonly<Record<string, number | string | boolean>>;

export interface AmlEvidence {
  /** Every fill the pattern is made of, the anchor included, oldest first. */
  readonly fillIds: readonly string[];
  /** The orders the pattern is made of (layering's cancelled orders; the anchor's own order otherwise). */
  readonly orderIds: readonly string[];
  readonly figures: AmlFigures;
}

export interface AmlRuleAlert {
  /** `${rule}:${fillId}`: the idempotency key. */
  readonly key: string;
  readonly rule: AmlRuleCode;
  readonly severity: AmlSeverity;
  readonly customerId: string;
  /** The anchor fill: its id, portfolio, notional (currency) and time. */
  readonly fillId: string;
  readonly portfolioId: string;
  readonly notional: number;
  readonly ts: number;
  readonly evidence: AmlEvidence;
}

export function alertKey(rule: AmlRuleCode, anchorFillId: string): string {
  return `${rule}:${anchorFillId}`;
}

/** An alert anchored on `anchor`, with evidence of these fills (the anchor is added if missing) and orders. */
export function alertOn(
  rule: AmlRuleCode, severity: AmlSeverity, customerId: string, anchor: AmlFill,
  fills: readonly AmlFill[], orderIds: readonly string[], figures: AmlFigures,
): AmlRuleAlert {
  const all = fills.includes(anchor) ? fills : [...fills, anchor];
  const fillIds = [...all].sort((a, b) => a.ts - b.ts).map((f) => f.fillId);
  return {
    key: alertKey(rule, anchor.fillId), rule, severity, customerId, fillId: anchor.fillId, portfolioId: anchor.portfolioId,
    notional: notionalOf(anchor), ts: anchor.ts,
    evidence: { fillIds, orderIds: orderIds.length > 0 ? [...new Set(orderIds)] : [anchor.orderId], figures },
  };
}
