import { describe, expect, it } from 'vitest';
import type { Holding } from '../../../src/engine/actors/types.js';
import { DEFAULT_REALTIME_RISK_CONFIG, type ScenarioSet } from '../../../src/engine/risk/realtime-risk.js';
import { createDgvKernel } from '../../../src/engine/risk/realtime-dgv-wasm.js';
import { syntheticScenarioSet } from '../../../src/engine/risk/realtime-scenarios.js';
import { realtimeVarEstimator } from '../../../src/engine/risk/realtime-var-estimator.js';
import type { RecalcInput } from '../../../src/engine/runtime/risk-calculator.js';
import { viewTask } from '../../../src/workers/risk-pool/leg-store-layout.js';
import { LegStore } from '../../../src/workers/risk-pool/leg-store.js';
import { LegStoreTaskRunner } from '../../../src/workers/risk-pool/leg-store-task.js';
import { held, option } from '../../fixtures/books.js';
import { AS_OF, NOW_MS, TICKERS, holdingsOf, inputOf, marketOf, spotsOf } from '../../workers/realtime-fixtures.js';

function scenarios(tickers = TICKERS): ScenarioSet {
  const r = syntheticScenarioSet({ underlyings: tickers, dailyVol: 0.02, correlation: 0.4, seed: 7 });
  if (!r.ok) throw new Error(r.message);
  return r.value;
}

/** VaR of each input as the risk pool computes it: through the leg store and the worker's runner, in this thread. */
function poolVar(inputs: RecalcInput[], sc: ScenarioSet, simd = true): number[] {
  const store = new LegStore(sc.underlyings);
  const task = store.prepare(inputs);
  // At 99%, the confidence these tests give the estimator.
  const config = { ...DEFAULT_REALTIME_RISK_CONFIG, varConfidence: 0.99 };
  new LegStoreTaskRunner(store.sab, sc, config, simd ? createDgvKernel(sc) : undefined).run(viewTask(task.buffer));
  return store.deliver(task, task.buffer).map((o) => o.var);
}

const callOn = (expiry: string, qty = 10): Holding => held(option('AAA', 'call', 50, qty, { expiry, vol: 0.3 }));

describe('realtimeVarEstimator', () => {
  it('gives bit for bit the VaR the risk pool streams for the same holdings and spots at 21:00 UTC on asOf', () => {
    const sc = scenarios();
    const portfolios = [1, 2, 3, 4, 5, 6].map((seed) => holdingsOf(seed, seed * 4, TICKERS, 2, seed % 2 === 0));
    const expected = poolVar(portfolios.map((h, i) => inputOf(`p${i}`, h)), sc);
    const estimate = realtimeVarEstimator(sc, 0.99);
    portfolios.forEach((h, i) => expect(estimate(h, marketOf())).toBe(expected[i]));
    expect(expected.every((v) => v > 0)).toBe(true);
    expect(portfolios.some((h) => h.some((x) => x.style === 'american'))).toBe(true);
  });

  it('uses the same fallback returns as the pool for underlyings the scenario set does not know', () => {
    const sc = scenarios(TICKERS.slice(0, 4)); // EEE and FFF unknown
    const portfolios = [3, 7].map((seed) => holdingsOf(seed, 20));
    const expected = poolVar(portfolios.map((h, i) => inputOf(`p${i}`, h)), sc);
    const estimate = realtimeVarEstimator(sc, 0.99);
    portfolios.forEach((h, i) => expect(estimate(h, marketOf())).toBe(expected[i]));
  });

  it('follows the confidence it is given, as the pool does', () => {
    const sc = scenarios();
    const h = holdingsOf(9, 16);
    const store = new LegStore(sc.underlyings);
    const task = store.prepare([inputOf('p', h)]);
    const config = { varConfidence: 0.95, esConfidence: 0.975, scanRange: 0.15, volShift: 0.3 };
    new LegStoreTaskRunner(store.sab, sc, config).run(viewTask(task.buffer));
    const [o] = store.deliver(task, task.buffer);
    expect(realtimeVarEstimator(sc, 0.95)(h, marketOf())).toBe(o?.var);
    expect(realtimeVarEstimator(sc, 0.95)(h, marketOf())).toBeLessThan(realtimeVarEstimator(sc, 0.99)(h, marketOf()));
  });

  it('gives the same figure for a portfolio after valuing larger and smaller ones with its reused scratch', () => {
    const sc = scenarios();
    const big = holdingsOf(21, 60), small = holdingsOf(22, 3), mid = holdingsOf(23, 20);
    const reused = realtimeVarEstimator(sc, 0.99);
    const first = [big, small, mid].map((h) => reused(h, marketOf()));
    const again = [mid, small, big].map((h) => reused(h, marketOf())).reverse();
    expect(again).toEqual(first);
    expect(realtimeVarEstimator(sc, 0.99)(mid, marketOf())).toBe(first[2]);
  });

  it('values an empty portfolio at zero VaR', () => {
    expect(realtimeVarEstimator(scenarios(), 0.99)([], marketOf())).toBe(0);
  });

  it('returns NaN, which the VaR limit reports as RISK_UNAVAILABLE, when an underlying has no spot or an option no vol', () => {
    const estimate = realtimeVarEstimator(scenarios(), 0.99);
    const h = holdingsOf(1, 5);
    expect(estimate(h, { ...marketOf(), spots: new Map([['AAA', 100]]) })).toBeNaN();
    expect(estimate([{ ...(h[0] as Holding), vol: undefined }], marketOf())).toBeNaN();
    // A failed call leaves nothing behind for the next one.
    expect(estimate(h, marketOf())).toBe(poolVar([inputOf('p', h)], scenarios())[0]);
  });

  it('runs time to expiry from the market\'s valuation instant, bit for bit as the pool runs it from nowMs, at any hour of the day', () => {
    const sc = scenarios();
    const h = [callOn(AS_OF), callOn('2026-02-20', -5)];
    const estimate = realtimeVarEstimator(sc, 0.99);
    const hours = [-20, -8, -1, 0, 2].map((k) => NOW_MS + k * 3_600_000);
    const pool = hours.map((nowMs) => poolVar([{ ...inputOf('p', h), nowMs }], sc)[0]);
    hours.forEach((nowMs, i) => expect(estimate(h, { ...marketOf(), valuationMs: nowMs })).toBe(pool[i]));
    // The option expiring on asOf keeps its gamma until its 21:00 UTC expiry, and only until then.
    expect(new Set(pool.slice(0, 4)).size).toBe(4);
    expect(estimate([callOn(AS_OF)], { ...marketOf(), valuationMs: NOW_MS + 2 * 3_600_000 })).toBe(0);
    // The next day is one day less to every expiry.
    const nextDay = poolVar([{ ...inputOf('p', [callOn('2026-02-20', -5)]), nowMs: NOW_MS + 86_400_000 }], sc);
    expect(estimate([callOn('2026-02-20', -5)], { ...marketOf(spotsOf()), asOf: '2026-01-16', valuationMs: NOW_MS + 86_400_000 })).toBe(nextDay[0]);
  });

  it('refuses a confidence outside (0, 1) and a malformed scenario set when it is built', () => {
    expect(() => realtimeVarEstimator(scenarios(), 1)).toThrow(/varConfidence 1 is not a probability/);
    expect(() => realtimeVarEstimator({ nScenarios: 10, returns: new Float64Array(3), underlyings: ['AAA'] }, 0.99)).toThrow(RangeError);
  });
});
