/** Fills, orders and customers for the AML rule tests, with ordinary defaults a test overrides. */
import type { AmlFill, AmlOrder, CustomerActivity } from '../../../../src/engine/compliance/aml/activity.js';
import { createRng } from '../../../../src/engine/risk/prng.js';

/** Tuesday 10 March 2026, 00:00 UTC; the default close (20:00 UTC) is at DAY + 20 h. */
export const DAY = Date.UTC(2026, 2, 10);
export const HOUR = 3_600_000;
export const MINUTE = 60_000;
export const CLOSE = DAY + 20 * HOUR;

let seq = 0;
export function fill(over: Partial<AmlFill> = {}): AmlFill {
  seq += 1;
  return {
    fillId: `f${String(seq).padStart(6, '0')}`, orderId: `o${String(seq).padStart(6, '0')}`, portfolioId: 'P1', instrument: 'AAA', side: 'buy',
    qty: 100, price: 50, multiplier: 1, ts: DAY + 15 * HOUR, ...over,
  };
}

export function order(over: Partial<AmlOrder> = {}): AmlOrder {
  seq += 1;
  return {
    orderId: `o${String(seq).padStart(6, '0')}`, portfolioId: 'P1', instrument: 'AAA', side: 'buy', qty: 100, orderType: 'limit', limitPrice: 50,
    status: 'cancelled', filledQty: 0, createdMs: DAY + 15 * HOUR, updatedMs: DAY + 15 * HOUR + 5_000, touchAtPlacement: 50, ...over,
  };
}

export function customer(fills: readonly AmlFill[], over: Partial<CustomerActivity> = {}): CustomerActivity {
  return { customerId: 'C1', countries: ['US'], fills, orders: [], ...over };
}

/**
 * An ordinary trading day, built for the rules to stay silent on: four customers trading stock and
 * options at their usual sizes and rates, with a month of history each (for the size rule), limit
 * orders that rest near the touch and are sometimes cancelled, some trading in the last minutes
 * before the close at the market's drift, one customer with two portfolios, one rated high risk,
 * one living abroad (in a country on neither list). Seeded, so the day is the same on every run.
 */
export function normalDay(): CustomerActivity[] {
  const rng = createRng(20260310);
  const between = (lo: number, hi: number): number => lo + (hi - lo) * rng.nextUniform();
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng.nextUniform() * xs.length)] as T;
  const open = DAY + 13.5 * HOUR;
  const tradingMs = 6.5 * HOUR;

  interface Profile {
    readonly id: string; readonly riskLevel: 'low' | 'medium' | 'high'; readonly countries: string[]; readonly portfolios: string[];
    readonly tradesPerDay: number; readonly legs: readonly { instrument: string; price: number; multiplier: number; qty: readonly number[] }[];
  }
  const profiles: Profile[] = [
    { id: 'alice', riskLevel: 'low', countries: ['US'], portfolios: ['alice-1'], tradesPerDay: 8, legs: [
      { instrument: 'AAA', price: 182, multiplier: 1, qty: [60, 75, 80, 100, 120, 150] },
      { instrument: 'AAA   260320C00185000', price: 5.2, multiplier: 100, qty: [2, 3, 4, 5, 8, 10] },
    ] },
    { id: 'bob', riskLevel: 'medium', countries: ['GB'], portfolios: ['bob-main', 'bob-hedge'], tradesPerDay: 20, legs: [
      { instrument: 'BBB   260417P00095000', price: 2.4, multiplier: 100, qty: [1, 2, 3, 5, 10, 15, 20] },
      { instrument: 'BBB', price: 101, multiplier: 1, qty: [150, 200, 250, 300] },
    ] },
    { id: 'carol', riskLevel: 'high', countries: ['DE', 'CH'], portfolios: ['carol-1'], tradesPerDay: 30, legs: [
      { instrument: 'CCC', price: 42, multiplier: 1, qty: [300, 400, 500, 600, 800, 1000] },
    ] },
    { id: 'dave', riskLevel: 'low', countries: ['US'], portfolios: ['dave-1'], tradesPerDay: 45, legs: [
      { instrument: 'AAA', price: 182, multiplier: 1, qty: [100, 200, 300] },
      { instrument: 'AAA   260320P00175000', price: 3.1, multiplier: 100, qty: [5, 10, 20] },
      { instrument: 'CCC', price: 42, multiplier: 1, qty: [300, 500, 700] },
    ] },
  ];

  let n = 0;
  return profiles.map((c) => {
    const fills: AmlFill[] = [];
    const orders: AmlOrder[] = [];
    const trade = (ts: number, drift: number): void => {
      const leg = pick(c.legs);
      const side = rng.nextUniform() < 0.5 ? 'buy' : 'sell';
      const price = Math.round(leg.price * (1 + drift) * (1 + between(-0.002, 0.002)) * 100) / 100;
      n += 1;
      const orderId = `${c.id}-o${n}`;
      fills.push({ fillId: `${c.id}-f${n}`, orderId, portfolioId: pick(c.portfolios), instrument: leg.instrument, side, qty: pick(leg.qty), price, multiplier: leg.multiplier, ts });
      // Now and then a limit order near the touch, cancelled after a while unfilled.
      if (rng.nextUniform() < 0.3) {
        const touch = leg.price * (1 + drift);
        orders.push({
          orderId: `${c.id}-o${n}c`, portfolioId: pick(c.portfolios), instrument: leg.instrument, side, qty: pick(leg.qty), orderType: 'limit',
          limitPrice: touch * (1 + (side === 'buy' ? -1 : 1) * between(0.001, 0.005)), status: 'cancelled', filledQty: 0,
          createdMs: ts - between(1, 20) * MINUTE, updatedMs: ts - between(0, 1) * MINUTE, touchAtPlacement: touch,
        });
      }
    };
    // A month of history: the same habits on the 20 trading days before.
    for (let d = 28; d >= 1; d--) {
      const dayStart = DAY - d * 24 * HOUR;
      const weekday = new Date(dayStart).getUTCDay();
      if (weekday === 0 || weekday === 6) continue;
      for (let k = 0; k < 3; k++) trade(dayStart + 13.5 * HOUR + between(0, 6) * HOUR, between(-0.03, 0.03));
    }
    // The day: trades spread over the session (a few in the last ten minutes), the market drifting a little.
    const times = Array.from({ length: c.tradesPerDay }, () => open + between(0, tradingMs - 1)).sort((a, b) => a - b);
    for (const ts of times) trade(ts, ((ts - open) / tradingMs) * 0.004);
    return { customerId: c.id, riskLevel: c.riskLevel, countries: c.countries, fills, orders, marks: [{ instrument: 'AAA', ts: CLOSE - 30 * MINUTE, price: 182.5 }] };
  });
}
