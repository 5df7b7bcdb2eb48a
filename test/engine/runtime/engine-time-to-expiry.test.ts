/**
 * One clock for option values, in process: the real engine over the in-process risk calculator
 * (the pool's kernel on this thread), no gateway. The mark a position is booked at (its
 * avgPrice when none is given, or the model price an order fills at) and the live value of the
 * risk stream must run time to expiry from the same instant to the same expiry instant, or a
 * position shows unrealised P&L the moment it is booked.
 *
 * The clock stands at 12:00 UTC, nine hours before the 21:00 UTC expiry instant of any day, where
 * a convention by whole calendar days and one by instants differ the most in a day's trading.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { RiskSnapshot } from '../../../src/engine/actors/types.js';
import { syntheticScenarioSet } from '../../../src/engine/risk/realtime-scenarios.js';
import type { EngineApi } from '../../../src/engine/runtime/engine-api.js';
import { Engine } from '../../../src/engine/runtime/engine.js';
import { InProcessRiskCalculator } from '../../../src/engine/risk/in-process-calculator.js';

/** Thursday 2026-01-15, 12:00 UTC. */
const NOON_MS = Date.UTC(2026, 0, 15, 12);
const MS_PER_YEAR = 365 * 86_400_000;
/** AAPL calls struck at the money (150): expiring Friday 2026-01-16 and Friday 2027-01-15. */
const TOMORROW = 'AAPL  260116C00150000';
const NEXT_YEAR = 'AAPL  270115C00150000';

const engines: EngineApi[] = [];
afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.close()));
});

function startEngine(clock: { nowMs(): number }): EngineApi {
  const sc = syntheticScenarioSet({ underlyings: ['AAPL'], dailyVol: 0.02, correlation: 0, seed: 5 });
  if (!sc.ok) throw new Error(sc.message);
  const engine = new Engine({ calculator: new InProcessRiskCalculator({ scenarios: sc.value }), clock, rate: 0.03 });
  engines.push(engine);
  expect(engine.tick('AAPL', 150, clock.nowMs()).ok).toBe(true);
  return engine;
}

/** The first risk snapshot of a portfolio (listening starts now). */
function firstRisk(engine: EngineApi, portfolioId: string, timeoutMs = 5000): Promise<RiskSnapshot> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { off(); reject(new Error(`no risk update for ${portfolioId} within ${timeoutMs} ms`)); }, timeoutMs);
    const off = engine.onEvent((e) => {
      if (e.type !== 'risk' || e.portfolioId !== portfolioId) return;
      clearTimeout(timer);
      off();
      resolve(e.risk);
    });
  });
}

async function bookedAtMark(engine: EngineApi, portfolioId: string, instrument: string): Promise<RiskSnapshot> {
  const risk = firstRisk(engine, portfolioId);
  expect((await engine.createPortfolio({ portfolioId, cash: 1_000_000, positions: [{ instrument, qty: 10, vol: 0.3 }] }, 'test')).ok).toBe(true);
  return risk;
}

describe('engine runtime: one clock for the mark and the live value of an option', () => {
  for (const [label, instrument] of [['expiring tomorrow', TOMORROW], ['expiring in a year', NEXT_YEAR]] as const) {
    it(`shows unrealised P&L of 0 in the first risk frame of 10 AAPL calls ${label} booked at their mark`, async () => {
      const engine = startEngine({ nowMs: () => NOON_MS });
      const r = await bookedAtMark(engine, 'P', instrument);
      expect(r.marketValue).toBeGreaterThan(500);
      expect(Math.abs(r.pnl.unrealised)).toBeLessThan(1e-9 * r.marketValue);
    });

    it(`shows unrealised P&L of 0 in the first risk frame after a market order buys 10 AAPL calls ${label}`, async () => {
      const engine = startEngine({ nowMs: () => NOON_MS });
      await bookedAtMark(engine, 'VOLS', instrument); // the engine learns the option's vol from a holding
      const risk = firstRisk(engine, 'BUYER');
      expect((await engine.createPortfolio({ portfolioId: 'BUYER', cash: 1_000_000, positions: [{ instrument: 'AAPL', qty: 1, avgPrice: 150 }] }, 'test')).ok).toBe(true);
      await risk;
      const afterFill = firstRisk(engine, 'BUYER');
      const out = await engine.submitOrder('BUYER', { clientOrderId: 'b1', instrument, side: 'buy', qty: 10, orderType: 'market' }, 'tom');
      expect(out.kind).toBe('ack');
      const r = await afterFill;
      expect(r.marketValue).toBeGreaterThan(500);
      expect(Math.abs(r.pnl.unrealised)).toBeLessThan(1e-9 * r.marketValue);
    });

    it(`shows only the time decay since booking as unrealised P&L of 10 AAPL calls ${label} when the clock moves on`, async () => {
      let now = NOON_MS;
      const engine = startEngine({ nowMs: () => now });
      const risk = firstRisk(engine, 'P');
      const created = engine.createPortfolio({ portfolioId: 'P', cash: 1_000_000, positions: [{ instrument, qty: 10, vol: 0.3 }] }, 'test');
      const elapsedMs = 60_000;
      now += elapsedMs; // the recalculation runs a minute after the booking
      expect((await created).ok).toBe(true);
      const r = await risk;
      const decay = r.greeks.thetaPerYear * (elapsedMs / MS_PER_YEAR);
      expect(decay).toBeLessThan(0);
      expect(Math.abs(r.pnl.unrealised - decay)).toBeLessThan(0.01 * Math.abs(decay));
    });
  }
});
