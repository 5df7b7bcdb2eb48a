/**
 * What the engine runtime tests share: a fixed clock, three underlyings and a call on one, their
 * scenario set, an engine starter that closes what it started after each test, and waits for a
 * risk update or a condition.
 */
import { afterEach } from 'vitest';
import type { RiskSnapshot } from '../../../src/engine/actors/types.js';
import { syntheticScenarioSet } from '../../../src/engine/risk/realtime-scenarios.js';
import type { EngineApi } from '../../../src/engine/runtime/engine-api.js';
import { Engine } from '../../../src/engine/runtime/engine.js';
import type { RiskCalculator } from '../../../src/engine/runtime/risk-calculator.js';

export const START_MS = Date.UTC(2026, 0, 15, 21);
export const TICKERS = ['AAA', 'BBB', 'CCC'];
export const CALL_AAA = 'AAA   260320C00100000';

/** Synthetic one-day scenarios (over TICKERS unless told). */
export function scenarios(seed = 11, underlyings = TICKERS) {
  const sc = syntheticScenarioSet({ underlyings, dailyVol: 0.02, correlation: 0.3, seed });
  if (!sc.ok) throw new Error(sc.message);
  return sc.value;
}

/** A starter of engines on the fixed clock; every engine it starts is closed after each test. */
export function engineStarter(): (calculator: RiskCalculator, maxBatch?: number) => EngineApi {
  const engines: EngineApi[] = [];
  afterEach(async () => {
    await Promise.all(engines.splice(0).map((e) => e.close()));
  });
  return (calculator, maxBatch) => {
    // Ticks here carry sequence numbers as ts, not times: the clock-skew check is off.
    const engine = new Engine({ calculator, clock: { nowMs: () => START_MS }, rate: 0.04, tickGuard: { maxSkewMs: Infinity }, ...(maxBatch ? { maxBatch } : {}) });
    engines.push(engine);
    return engine;
  };
}

/** The next risk snapshot of a portfolio that satisfies pred (listening starts now). */
export function nextRisk(engine: EngineApi, portfolioId: string, pred: (r: RiskSnapshot) => boolean = () => true, timeoutMs = 5000): Promise<RiskSnapshot> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no matching risk update for ${portfolioId} within ${timeoutMs} ms; last: ${JSON.stringify(engine.getRisk(portfolioId)?.tickTs)}`));
    }, timeoutMs);
    const off = engine.onEvent((e) => {
      if (e.type !== 'risk' || e.portfolioId !== portfolioId || !pred(e.risk)) return;
      clearTimeout(timer);
      off();
      resolve(e.risk);
    });
  });
}

export const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` every few ms for up to `timeoutMs`; true once it holds. */
export async function until(cond: () => boolean, timeoutMs = 5000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 2));
  }
  return cond();
}
