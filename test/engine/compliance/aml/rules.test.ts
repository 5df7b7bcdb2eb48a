import { describe, expect, it } from 'vitest';
import type { AmlFill } from '../../../../src/engine/compliance/aml/activity.js';
import type { AmlRuleAlert } from '../../../../src/engine/compliance/aml/alert.js';
import { AML_RULES, type AmlRuleCode } from '../../../../src/engine/compliance/aml/reason-codes.js';
import { AML_RULE_DEFAULTS, amlRuleParams } from '../../../../src/engine/compliance/aml/rule-defaults.js';
import { screenFills } from '../../../../src/engine/compliance/aml/screen.js';
import { CLOSE, DAY, HOUR, MINUTE, customer, fill, normalDay, order } from './builders.js';

const only = (alerts: readonly AmlRuleAlert[], rule: AmlRuleCode): AmlRuleAlert[] => alerts.filter((a) => a.rule === rule);
const rulesOf = (alerts: readonly AmlRuleAlert[]): string[] => [...new Set(alerts.map((a) => a.rule))].sort();

describe('a normal trading day', () => {
  const day = normalDay();

  it('is a realistic mix: four customers, stock and options, tens of trades a day each, some in the last minutes, orders cancelled near the touch', () => {
    const today = day.flatMap((c) => c.fills.filter((f) => f.ts >= DAY));
    expect(today.length).toBeGreaterThanOrEqual(100);
    expect(today.some((f) => f.multiplier === 100) && today.some((f) => f.multiplier === 1)).toBe(true);
    expect(today.filter((f) => f.ts >= CLOSE - 10 * MINUTE && f.ts < CLOSE).length).toBeGreaterThan(0);
    expect(day.flatMap((c) => c.orders).length).toBeGreaterThan(10);
    expect(new Set(day.find((c) => c.customerId === 'bob')?.fills.map((f) => f.portfolioId))).toEqual(new Set(['bob-main', 'bob-hedge']));
  });

  it('raises no alert of any rule', () => {
    for (const c of day) expect(screenFills(c, AML_RULE_DEFAULTS).map((a) => `${c.customerId} ${a.key}`)).toEqual([]);
  });
});

describe('LARGE_NOTIONAL', () => {
  const big = (notional: number): AmlFill => fill({ qty: 1, price: notional });

  it('uses the threshold of the customer\'s risk level: 300,000 passes for low and medium risk but not for high', () => {
    const f = big(300_000);
    expect(only(screenFills(customer([f], { riskLevel: 'low' }), AML_RULE_DEFAULTS), 'LARGE_NOTIONAL')).toEqual([]);
    expect(only(screenFills(customer([f], { riskLevel: 'medium' }), AML_RULE_DEFAULTS), 'LARGE_NOTIONAL')).toEqual([]);
    expect(only(screenFills(customer([f], { riskLevel: 'high' }), AML_RULE_DEFAULTS), 'LARGE_NOTIONAL')).toMatchObject([
      { rule: 'LARGE_NOTIONAL', severity: 'medium', fillId: f.fillId, key: `LARGE_NOTIONAL:${f.fillId}`, evidence: { fillIds: [f.fillId], orderIds: [f.orderId], figures: { thresholdNotional: 250_000, riskLevel: 'high' } } },
    ]);
  });

  it('fires at the threshold, not a cent below, and screens an unrated customer at the low-risk threshold', () => {
    expect(only(screenFills(customer([big(999_999.99)]), AML_RULE_DEFAULTS), 'LARGE_NOTIONAL')).toEqual([]);
    expect(only(screenFills(customer([big(1_000_000)]), AML_RULE_DEFAULTS), 'LARGE_NOTIONAL')).toMatchObject([{ severity: 'medium', evidence: { figures: { rated: false } } }]);
  });

  it('is high at ten times the threshold, and counts the contract multiplier', () => {
    const options = fill({ instrument: 'AAA   260320C00050000', qty: 500, price: 200, multiplier: 100 });
    expect(only(screenFills(customer([options]), AML_RULE_DEFAULTS), 'LARGE_NOTIONAL')).toMatchObject([{ severity: 'high', notional: 10_000_000 }]);
  });
});

describe('VELOCITY', () => {
  const burst = (n: number, spanMs: number): AmlFill[] => Array.from({ length: n }, (_, i) => fill({ ts: DAY + 14 * HOUR + (i * spanMs) / Math.max(1, n - 1) }));
  const p = amlRuleParams({ velocity: { maxTradesPerHour: 10 } });

  it('allows exactly the limit in an hour and fires on the trade that goes beyond it, once for the whole burst', () => {
    expect(only(screenFills(customer(burst(10, 50 * MINUTE)), p), 'VELOCITY')).toEqual([]);
    const fills = burst(14, 50 * MINUTE);
    const alerts = only(screenFills(customer(fills), p), 'VELOCITY');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ fillId: fills[10]?.fillId, evidence: { figures: { tradesInHour: 11, maxTradesPerHour: 10 } } });
    expect(alerts[0]?.evidence.fillIds).toEqual(fills.slice(0, 11).map((f) => f.fillId));
  });

  it('counts a rolling hour: the same trades spread over more than an hour raise nothing', () => {
    expect(only(screenFills(customer(burst(11, 61 * MINUTE)), p), 'VELOCITY')).toEqual([]);
  });

  it('is high when the trades came within a quarter of an hour, low when they took most of it', () => {
    expect(only(screenFills(customer(burst(11, 10 * MINUTE)), p), 'VELOCITY')[0]?.severity).toBe('high');
    expect(only(screenFills(customer(burst(11, 40 * MINUTE)), p), 'VELOCITY')[0]?.severity).toBe('low');
  });

  it('fires again for a second burst after a quiet hour', () => {
    const first = burst(11, 10 * MINUTE);
    const second = burst(11, 10 * MINUTE).map((f) => ({ ...f, ts: f.ts + 3 * HOUR }));
    expect(only(screenFills(customer([...first, ...second]), p), 'VELOCITY')).toHaveLength(2);
  });
});

describe('STRUCTURING', () => {
  const under = (notional: number, hoursIn: number): AmlFill => fill({ qty: 1, price: notional, ts: DAY + hoursIn * HOUR });

  it('fires on the third fill just under the reporting threshold within 24 hours', () => {
    const fills = [under(9_500, 1), under(9_800, 5), under(9_200, 20)];
    const alerts = only(screenFills(customer(fills), AML_RULE_DEFAULTS), 'STRUCTURING');
    expect(alerts).toMatchObject([{ fillId: fills[2]?.fillId, severity: 'medium', evidence: { fillIds: fills.map((f) => f.fillId), figures: { fillsInBand: 3, reportingThreshold: 10_000 } } }]);
  });

  it('counts the band\'s bottom (90% of the threshold) and not the threshold itself, which is reported anyway', () => {
    expect(only(screenFills(customer([under(9_000, 1), under(9_000, 2), under(9_000, 3)]), AML_RULE_DEFAULTS), 'STRUCTURING')).toHaveLength(1);
    expect(only(screenFills(customer([under(8_999.99, 1), under(9_500, 2), under(9_500, 3)]), AML_RULE_DEFAULTS), 'STRUCTURING')).toEqual([]);
    expect(only(screenFills(customer([under(10_000, 1), under(9_500, 2), under(9_500, 3)]), AML_RULE_DEFAULTS), 'STRUCTURING')).toEqual([]);
  });

  it('needs the three within 24 hours, and raises one alert for a run of four', () => {
    expect(only(screenFills(customer([under(9_500, 0), under(9_500, 10), under(9_500, 24.01)]), AML_RULE_DEFAULTS), 'STRUCTURING')).toEqual([]);
    expect(only(screenFills(customer([under(9_500, 0), under(9_500, 1), under(9_500, 2), under(9_500, 3)]), AML_RULE_DEFAULTS), 'STRUCTURING')).toHaveLength(1);
  });
});

describe('WASH_TRADE', () => {
  const t = DAY + 15 * HOUR;

  it('fires when the same owner buys and sells the same instrument within the window, high across two of their portfolios', () => {
    const buy = fill({ portfolioId: 'P1', side: 'buy', qty: 1_000, ts: t });
    const sell = fill({ portfolioId: 'P2', side: 'sell', qty: 1_000, ts: t + 30_000 });
    expect(only(screenFills(customer([buy, sell]), AML_RULE_DEFAULTS), 'WASH_TRADE')).toMatchObject([
      { fillId: sell.fillId, severity: 'high', evidence: { fillIds: [buy.fillId, sell.fillId], orderIds: [buy.orderId, sell.orderId], figures: { crossPortfolio: true, gapMs: 30_000 } } },
    ]);
  });

  it('is medium within one portfolio', () => {
    const alerts = only(screenFills(customer([fill({ side: 'buy', ts: t }), fill({ side: 'sell', ts: t + 1_000 })]), AML_RULE_DEFAULTS), 'WASH_TRADE');
    expect(alerts.map((a) => a.severity)).toEqual(['medium']);
  });

  it('fires at exactly the window and not a millisecond past it', () => {
    expect(only(screenFills(customer([fill({ side: 'buy', ts: t }), fill({ side: 'sell', ts: t + 60_000 })]), AML_RULE_DEFAULTS), 'WASH_TRADE')).toHaveLength(1);
    expect(only(screenFills(customer([fill({ side: 'buy', ts: t }), fill({ side: 'sell', ts: t + 60_001 })]), AML_RULE_DEFAULTS), 'WASH_TRADE')).toEqual([]);
  });

  it('ignores the same side, another instrument, or quantities more than 10% apart', () => {
    const quiet = [
      [fill({ side: 'buy', ts: t }), fill({ side: 'buy', ts: t + 1_000 })],
      [fill({ side: 'buy', ts: t }), fill({ side: 'sell', instrument: 'BBB', ts: t + 1_000 })],
      [fill({ side: 'buy', qty: 100, ts: t }), fill({ side: 'sell', qty: 89, ts: t + 1_000 })],
    ];
    for (const fills of quiet) expect(only(screenFills(customer(fills), AML_RULE_DEFAULTS), 'WASH_TRADE')).toEqual([]);
  });
});

describe('LAYERING', () => {
  const t = DAY + 15 * HOUR;
  // Three sell orders 3% above a touch of 50, each resting ten seconds, then a buy filled.
  const spoofs = (n: number, over: Parameters<typeof order>[0] = {}) =>
    Array.from({ length: n }, (_, i) => order({ side: 'sell', limitPrice: 51.5, touchAtPlacement: 50, createdMs: t - 50_000 + i * 5_000, updatedMs: t - 35_000 + i * 5_000, ...over }));

  it('fires on the fill on the other side after a burst of orders placed far from the touch and cancelled', () => {
    const orders = spoofs(3);
    const buy = fill({ side: 'buy', ts: t });
    expect(only(screenFills(customer([buy], { orders }), AML_RULE_DEFAULTS), 'LAYERING')).toMatchObject([
      { fillId: buy.fillId, severity: 'medium', evidence: { fillIds: [buy.fillId], orderIds: [...orders.map((o) => o.orderId), buy.orderId], figures: { cancelledOrders: 3, fillSide: 'buy' } } },
    ]);
    expect(only(screenFills(customer([buy], { orders: spoofs(6) }), AML_RULE_DEFAULTS), 'LAYERING')[0]?.severity).toBe('high');
  });

  it('needs the minimum count, at the minimum distance (2% counts, 1.9% does not)', () => {
    const buy = fill({ side: 'buy', ts: t });
    expect(only(screenFills(customer([buy], { orders: spoofs(2) }), AML_RULE_DEFAULTS), 'LAYERING')).toEqual([]);
    expect(only(screenFills(customer([buy], { orders: spoofs(3, { limitPrice: 51 }) }), AML_RULE_DEFAULTS), 'LAYERING')).toHaveLength(1);
    expect(only(screenFills(customer([buy], { orders: spoofs(3, { limitPrice: 50.95 }) }), AML_RULE_DEFAULTS), 'LAYERING')).toEqual([]);
  });

  it('ignores orders on the same side as the fill, filled ones, ones still resting, cancelled after the fill, placed before the window, or with no known touch', () => {
    const buy = fill({ side: 'buy', ts: t });
    const quiet = [
      spoofs(3, { side: 'buy', limitPrice: 48.5 }),
      spoofs(3, { filledQty: 10 }),
      spoofs(3, { status: 'open' }),
      spoofs(3, { updatedMs: t + 1 }),
      spoofs(3, { createdMs: t - 61_000 }),
      spoofs(3).map(({ touchAtPlacement: _, ...o }) => o),
    ];
    for (const orders of quiet) expect(only(screenFills(customer([buy], { orders }), AML_RULE_DEFAULTS), 'LAYERING')).toEqual([]);
  });
});

describe('MARKING_THE_CLOSE', () => {
  const before = fill({ side: 'buy', qty: 1_000, price: 50, ts: CLOSE - 3 * HOUR });

  it('fires when most of the day\'s volume comes in the last minutes and the price moves the way they trade', () => {
    const late = [fill({ side: 'buy', qty: 2_000, price: 50.3, ts: CLOSE - 8 * MINUTE }), fill({ side: 'buy', qty: 3_000, price: 50.6, ts: CLOSE - 2 * MINUTE })];
    const alerts = only(screenFills(customer([before, ...late]), AML_RULE_DEFAULTS), 'MARKING_THE_CLOSE');
    expect(alerts).toMatchObject([{ fillId: late[1]?.fillId, severity: 'medium', evidence: { fillIds: late.map((f) => f.fillId), figures: { referencePrice: 50, referenceFrom: 'fill-before-window' } } }]);
    expect(alerts[0]?.evidence.figures.priceMove).toBeCloseTo(0.012, 10);
    expect(alerts[0]?.evidence.figures.shareOfDayVolume).toBeCloseTo(5_000 / 6_000, 10);
  });

  it('takes the market\'s price at the window start as the reference when there is one, and is high for a move of three times the minimum', () => {
    const late = [fill({ side: 'sell', qty: 5_000, price: 48.4, ts: CLOSE - 1 * MINUTE })];
    const marks = [{ instrument: 'AAA', ts: CLOSE - 11 * MINUTE, price: 50 }];
    expect(only(screenFills(customer([before, ...late], { marks }), AML_RULE_DEFAULTS), 'MARKING_THE_CLOSE')).toMatchObject([
      { severity: 'high', evidence: { figures: { referenceFrom: 'market', referencePrice: 50 } } },
    ]);
  });

  it('stays silent below the share of volume, below the move, against the move, below the notional, or outside the window', () => {
    const at = (over: Partial<AmlFill>) => fill({ side: 'buy', qty: 5_000, price: 50.6, ts: CLOSE - 2 * MINUTE, ...over });
    const small = fill({ side: 'buy', qty: 100, price: 50, ts: CLOSE - 3 * HOUR });
    const quiet = [
      [fill({ side: 'buy', qty: 6_000, price: 50, ts: CLOSE - 3 * HOUR }), at({})],
      [small, at({ qty: 1_980, price: 50.5 })], // 99,990 of notional, a lot the market carried
      [before, at({ price: 50.49 })],
      [before, at({ side: 'sell' })],
      [before, at({ ts: CLOSE })],
      [before, at({ ts: CLOSE - 10 * MINUTE - 1 })],
    ];
    for (const fills of quiet) expect(only(screenFills(customer(fills), AML_RULE_DEFAULTS), 'MARKING_THE_CLOSE')).toEqual([]);
    // at the minimum move exactly: fires
    expect(only(screenFills(customer([before, at({ price: 50.5 })]), AML_RULE_DEFAULTS), 'MARKING_THE_CLOSE')).toHaveLength(1);
    // at the minimum notional: fires
    expect(only(screenFills(customer([small, at({ qty: 2_000, price: 50.5 })]), AML_RULE_DEFAULTS), 'MARKING_THE_CLOSE')).toHaveLength(1);
  });
});

describe('UNUSUAL_SIZE', () => {
  // Twenty past fills of notional 10,000 ± 1,000: mean 10,000, deviation 1,000.
  const history = Array.from({ length: 20 }, (_, i) => fill({ qty: 100, price: i % 2 === 0 ? 90 : 110, ts: DAY + i * MINUTE }));
  const next = (notional: number) => fill({ qty: 1, price: notional, ts: DAY + HOUR });

  it('fires at a z-score of 4 against the customer\'s own past fills, not just under it, and is high at 8', () => {
    expect(only(screenFills(customer([...history, next(13_999)]), AML_RULE_DEFAULTS), 'UNUSUAL_SIZE')).toEqual([]);
    const alerts = only(screenFills(customer([...history, next(14_000)]), AML_RULE_DEFAULTS), 'UNUSUAL_SIZE');
    expect(alerts).toMatchObject([{ severity: 'medium', evidence: { figures: { meanNotional: 10_000, stdNotional: 1_000, historyFills: 20 } } }]);
    expect(alerts[0]?.evidence.figures.z).toBeCloseTo(4, 10);
    expect(only(screenFills(customer([...history, next(18_000)]), AML_RULE_DEFAULTS), 'UNUSUAL_SIZE')[0]?.severity).toBe('high');
  });

  it('says nothing until the customer has the minimum history', () => {
    expect(only(screenFills(customer([...history.slice(1), next(100_000)]), AML_RULE_DEFAULTS), 'UNUSUAL_SIZE')).toEqual([]);
  });

  it('takes a history of identical trades as spread by a tenth of its mean, so a slightly larger trade is not infinitely unusual', () => {
    const same = Array.from({ length: 20 }, (_, i) => fill({ qty: 100, price: 100, ts: DAY + i * MINUTE }));
    expect(only(screenFills(customer([...same, next(12_000)]), AML_RULE_DEFAULTS), 'UNUSUAL_SIZE')).toEqual([]);
    expect(only(screenFills(customer([...same, next(14_000)]), AML_RULE_DEFAULTS), 'UNUSUAL_SIZE')).toHaveLength(1);
  });
});

describe('HIGH_RISK_COUNTRY', () => {
  it('fires on every fill with a counterparty in a listed country: high for a sanctioned one, medium for a high-risk one', () => {
    const fills = [fill({ counterpartyCountry: 'ir' }), fill({ counterpartyCountry: 'MM', ts: DAY + 16 * HOUR }), fill({ counterpartyCountry: 'FR', ts: DAY + 17 * HOUR })];
    expect(only(screenFills(customer(fills), AML_RULE_DEFAULTS), 'HIGH_RISK_COUNTRY').map((a) => [a.fillId, a.severity])).toEqual([
      [fills[0]?.fillId, 'high'], [fills[1]?.fillId, 'medium'],
    ]);
  });

  it('fires once a UTC day for a customer who lives in a listed country, on their first fill of the day', () => {
    const fills = [fill({ ts: DAY + 14 * HOUR }), fill({ ts: DAY + 15 * HOUR }), fill({ ts: DAY + 25 * HOUR })];
    const alerts = only(screenFills(customer(fills, { countries: ['GB', 'KP'] }), AML_RULE_DEFAULTS), 'HIGH_RISK_COUNTRY');
    expect(alerts.map((a) => a.fillId)).toEqual([fills[0]?.fillId, fills[2]?.fillId]);
    expect(alerts[0]).toMatchObject({ severity: 'high', evidence: { figures: { customerCountries: 'KP' } } });
  });

  it('uses the configured lists', () => {
    const p = amlRuleParams({ countries: { sanctioned: [], highRisk: ['FR'] } });
    expect(only(screenFills(customer([fill({ counterpartyCountry: 'IR' })]), p), 'HIGH_RISK_COUNTRY')).toEqual([]);
    expect(only(screenFills(customer([fill({ counterpartyCountry: 'FR' })]), p), 'HIGH_RISK_COUNTRY')).toHaveLength(1);
  });
});

describe('every rule', () => {
  it('has its own reason code, each triggered above', () => {
    expect(new Set(AML_RULES).size).toBe(8);
  });

  it('keys an alert by its rule and anchor fill, so the key says which trade to look at', () => {
    const f = fill({ qty: 1, price: 2_000_000, counterpartyCountry: 'CU' });
    expect(screenFills(customer([f]), AML_RULE_DEFAULTS).map((a) => a.key).sort()).toEqual([`HIGH_RISK_COUNTRY:${f.fillId}`, `LARGE_NOTIONAL:${f.fillId}`]);
    expect(rulesOf(screenFills(customer([f]), AML_RULE_DEFAULTS))).toEqual(['HIGH_RISK_COUNTRY', 'LARGE_NOTIONAL']);
  });

  it('screens only the fills it is asked to, against the activity before them', () => {
    const fills = [fill({ qty: 1, price: 2_000_000, ts: DAY + 14 * HOUR }), fill({ qty: 1, price: 3_000_000, ts: DAY + 15 * HOUR })];
    expect(screenFills(customer(fills), AML_RULE_DEFAULTS, [fills[1]?.fillId as string]).map((a) => a.fillId)).toEqual([fills[1]?.fillId]);
  });
});
