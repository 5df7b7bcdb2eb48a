/**
 * WASH_TRADE: the same beneficial owner on both sides of an instrument within a short window, at
 * about the same quantity: a buy and a sell that change nothing but the tape. High when the two
 * legs are in different portfolios of the owner (which is how a self-match is usually hidden).
 */
import { type AmlFill, type RuleInput, anchorOf, recentIndexes } from './activity.js';
import { type AmlRuleAlert, alertOn } from './alert.js';
import type { AmlRuleParams } from './rule-defaults.js';

export function washTrade(input: RuleInput, p: AmlRuleParams['washTrade']): AmlRuleAlert | null {
  const fill = anchorOf(input);
  const fromMs = fill.ts - p.windowSeconds * 1000;
  const matches = (f: AmlFill): boolean =>
    f !== fill && f.ts >= fromMs && f.instrument === fill.instrument && f.side !== fill.side && Math.min(f.qty, fill.qty) >= (1 - p.qtyTolerance) * Math.max(f.qty, fill.qty);
  const [other] = recentIndexes(input, fromMs - 1, matches);
  if (other === undefined) return null;
  const leg = input.activity.fills[other] as AmlFill;
  const crossPortfolio = leg.portfolioId !== fill.portfolioId;
  return alertOn('WASH_TRADE', crossPortfolio ? 'high' : 'medium', input.activity.customerId, fill, [leg, fill], [leg.orderId, fill.orderId], {
    instrument: fill.instrument, gapMs: fill.ts - leg.ts, windowSeconds: p.windowSeconds, buyQty: fill.side === 'buy' ? fill.qty : leg.qty,
    sellQty: fill.side === 'sell' ? fill.qty : leg.qty, priceDifference: Math.abs(fill.price - leg.price), crossPortfolio,
  });
}
