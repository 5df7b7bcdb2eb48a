import { describe, expect, it } from 'vitest';
import type { AmlFill, CustomerActivity } from '../../../../src/engine/compliance/aml/activity.js';
import type { AmlRuleAlert } from '../../../../src/engine/compliance/aml/alert.js';
import { AML_RULES } from '../../../../src/engine/compliance/aml/reason-codes.js';
import { AML_RULE_DEFAULTS, amlRuleParams } from '../../../../src/engine/compliance/aml/rule-defaults.js';
import { screenFills } from '../../../../src/engine/compliance/aml/screen.js';
import { CLOSE, DAY, HOUR, MINUTE, fill, normalDay, order } from './builders.js';

/** An alert ledger as the store keeps it: one alert per key. */
function ledger() {
  const byKey = new Map<string, AmlRuleAlert>();
  return {
    byKey,
    record(alerts: readonly AmlRuleAlert[]): number {
      let added = 0;
      for (const a of alerts) if (!byKey.has(a.key)) { byKey.set(a.key, a); added++; }
      return added;
    },
  };
}

/**
 * A bad customer's day on top of an ordinary one: every rule fires at least once. Thresholds are
 * lowered where the ordinary day's sizes would need absurd trades to cross the defaults.
 */
function badDay(): { activity: CustomerActivity; params: typeof AML_RULE_DEFAULTS } {
  const [base] = normalDay() as [CustomerActivity];
  const t = DAY + 15 * HOUR;
  const fills: AmlFill[] = [
    ...base.fills,
    fill({ portfolioId: 'alice-1', qty: 1, price: 2_000_000, ts: t }), // LARGE_NOTIONAL, UNUSUAL_SIZE
    ...[1, 2, 3].map((h) => fill({ portfolioId: 'alice-1', instrument: 'ZZZ', qty: 1, price: 9_600, ts: t + h * HOUR })), // STRUCTURING
    fill({ portfolioId: 'alice-1', instrument: 'WWW', side: 'buy', qty: 500, price: 20, ts: t + 5 * HOUR }), // WASH_TRADE with the next
    fill({ portfolioId: 'alice-2', instrument: 'WWW', side: 'sell', qty: 500, price: 20, ts: t + 5 * HOUR + 20_000 }),
    fill({ portfolioId: 'alice-1', instrument: 'SSS', side: 'buy', qty: 100, price: 30, ts: t + 30 * MINUTE }), // LAYERING (orders below)
    fill({ portfolioId: 'alice-1', instrument: 'CCX', side: 'buy', qty: 1_000, price: 10, ts: CLOSE - 3 * HOUR }), // MARKING_THE_CLOSE
    fill({ portfolioId: 'alice-1', instrument: 'CCX', side: 'buy', qty: 10_000, price: 10.3, ts: CLOSE - 1 * MINUTE }),
    fill({ portfolioId: 'alice-1', instrument: 'HRC', counterpartyCountry: 'SY', ts: t + 10 * MINUTE }), // HIGH_RISK_COUNTRY
    ...Array.from({ length: 12 }, (_, i) => fill({ portfolioId: 'alice-1', instrument: 'VVV', ts: t + 2 * HOUR + i * MINUTE })), // VELOCITY
  ];
  const orders = [
    ...base.orders,
    ...[0, 1, 2].map((i) => order({ portfolioId: 'alice-1', instrument: 'SSS', side: 'sell', limitPrice: 31, touchAtPlacement: 30, createdMs: t + 29 * MINUTE + i * 1_000, updatedMs: t + 29 * MINUTE + 10_000 + i * 1_000 })),
  ];
  return { activity: { ...base, fills, orders }, params: amlRuleParams({ velocity: { maxTradesPerHour: 10 } }) };
}

describe('replaying a day of fills', () => {
  it('the bad day raises every rule once or more', () => {
    const { activity, params } = badDay();
    expect(new Set(screenFills(activity, params).map((a) => a.rule))).toEqual(new Set(AML_RULES));
  });

  it('twice raises no duplicate alert: the second pass finds every key already recorded', () => {
    const { activity, params } = badDay();
    const alerts = ledger();
    const first = alerts.record(screenFills(activity, params));
    expect(first).toBeGreaterThanOrEqual(AML_RULES.length);
    expect(alerts.record(screenFills(activity, params))).toBe(0);
    expect(alerts.byKey.size).toBe(first);
  });

  it('fed the same fills twice in one activity, still counts each trade once', () => {
    const { activity, params } = badDay();
    const doubled = { ...activity, fills: [...activity.fills, ...activity.fills] };
    expect(screenFills(doubled, params)).toEqual(screenFills(activity, params));
  });

  it('fill by fill as they came (each job seeing only the fills so far) raises the very alerts of one pass over the whole day', () => {
    const { activity, params } = badDay();
    const live = ledger();
    const sorted = [...activity.fills].sort((a, b) => a.ts - b.ts);
    for (let i = 0; i < sorted.length; i++) {
      const seen = sorted.slice(0, i + 1);
      const now = (sorted[i] as AmlFill).ts;
      const ordersSoFar = activity.orders.filter((o) => o.createdMs <= now).map((o) => (o.updatedMs <= now ? o : { ...o, status: 'open' as const, updatedMs: o.createdMs }));
      live.record(screenFills({ ...activity, fills: seen, orders: ordersSoFar }, params, [(sorted[i] as AmlFill).fillId]));
    }
    const replay = ledger();
    replay.record(screenFills(activity, params));
    expect([...live.byKey.keys()].sort()).toEqual([...replay.byKey.keys()].sort());
    expect(live.record(screenFills(activity, params))).toBe(0);
  });

  it('in shuffled order raises the same alerts (the screen orders the fills itself)', () => {
    const { activity, params } = badDay();
    const reversed = { ...activity, fills: [...activity.fills].reverse() };
    expect(screenFills(reversed, params).map((a) => a.key).sort()).toEqual(screenFills(activity, params).map((a) => a.key).sort());
  });

  it('with the defaults too: replaying the ordinary day twice leaves the ledger empty', () => {
    const alerts = ledger();
    for (let pass = 0; pass < 2; pass++) for (const c of normalDay()) alerts.record(screenFills(c, AML_RULE_DEFAULTS));
    expect(alerts.byKey.size).toBe(0);
  });
});
