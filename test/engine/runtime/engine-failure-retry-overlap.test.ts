import { afterAll, expect, it } from 'vitest';
import { syntheticScenarioSet } from '../../../src/engine/risk/realtime-scenarios.js';
import { Engine } from '../../../src/engine/runtime/engine.js';
import { createRiskPool } from '../../../src/workers/risk-pool/risk-pool.js';
import { InstrumentedCalculator } from './instrumented-calculator.js';

const sc = syntheticScenarioSet({ underlyings: ['AAA'], dailyVol: 0.02, correlation: 0.3, seed: 5 });
if (!sc.ok) throw new Error(sc.message);
// Regression test: a failed batch once released its portfolios before their one-by-one retries
// settled, so a new tick could start a second recalculation and a stale retry could land last.
/** Polls `cond` every few ms for up to `timeoutMs`; true once it holds. */
async function until(cond: () => boolean, timeoutMs = 5000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 2));
  }
  return cond();
}

const f = new InstrumentedCalculator(createRiskPool({ threads: 2, scenarios: sc.value }));
// Ticks here carry sequence numbers as ts, not times: the clock-skew check is off.
const engine = new Engine({ calculator: f, clock: { nowMs: () => Date.UTC(2026, 0, 15, 21) }, rate: 0.04, tickGuard: { maxSkewMs: Infinity } });
afterAll(() => engine.close());
it('never has two recalculations of one portfolio in flight after a failed batch, so a stale retry cannot overwrite newer risk', async () => {
  for (const id of ['A', 'BAD']) await engine.createPortfolio({ portfolioId: id, cash: 1e6, positions: [{ instrument: 'AAA', qty: 100 }, { instrument: 'AAA   260320C00100000', qty: 50, vol: 0.25 }] }, 't');
  engine.tick('AAA', 100, 1);
  // Wait for the first figures of both (worker start-up can take a while on a loaded machine).
  expect(await until(() => engine.getRisk('A') !== undefined && engine.getRisk('BAD') !== undefined)).toBe(true);
  f.failing = true;
  const seen: number[] = [];
  engine.onEvent((e) => { if (e.type === 'risk' && e.portfolioId === 'A') seen.push(e.risk.tickTs); });
  let stale = 0;
  for (let k = 0; k < 50; k++) {
    const t = 10 + 2 * k;
    engine.tick('AAA', 100 + (k % 7), t);
    for (let i = 0; i < 10; i++) await Promise.resolve();
    engine.tick('AAA', 101 + (k % 7), t + 1);
    // A's figures reach the newest tick and stay there once nothing is in flight any more.
    const reached = await until(() => engine.getRisk('A')?.tickTs === t + 1 && (f.inFlight.get('A') ?? 0) === 0);
    await new Promise((r) => setTimeout(r, 5));
    if (!reached || engine.getRisk('A')?.tickTs !== t + 1) stale++;
  }
  // Risk updates of A never step back to an older tick.
  expect(seen.filter((x, i) => i > 0 && x < seen[i - 1]!)).toEqual([]);
  expect(f.maxInFlight.get('A')).toBe(1);
  expect(stale).toBe(0);
});
