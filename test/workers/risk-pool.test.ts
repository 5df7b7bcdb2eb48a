/**
 * The pool runs the compiled worker (dist/src/workers/risk-worker.js): `npm test` builds first; when
 * running this file alone, run `npm run build` before.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { computeRiskBatch, type ScenarioSet } from '../../src/engine/risk/realtime-risk.js';
import { syntheticScenarioSet } from '../../src/engine/risk/realtime-scenarios.js';
import type { RecalcInput, RecalcOutput } from '../../src/engine/runtime/risk-calculator.js';
import { createRiskPool } from '../../src/workers/risk-pool.js';
import { BatchPacker, unpackOutputs, viewBatch } from '../../src/workers/risk-protocol.js';
import { TICKERS, holdingsOf, inputOf } from './realtime-fixtures.js';

const sc = ((): ScenarioSet => {
  const r = syntheticScenarioSet({ underlyings: TICKERS, dailyVol: 0.02, correlation: 0.3, seed: 3 });
  if (!r.ok) throw new Error(r.error);
  return r.value;
})();

function inThread(inputs: RecalcInput[]): RecalcOutput[] {
  const meta = new BatchPacker(sc.underlyings).pack(inputs);
  const { batch, out } = viewBatch(meta.buffer);
  computeRiskBatch(batch, sc, out);
  return unpackOutputs(inputs, meta);
}

const inputs = Array.from({ length: 50 }, (_, i) => inputOf(`p${i}`, holdingsOf(100 + i, 20), i % 5 === 0));

describe('risk pool', () => {
  const pool = createRiskPool({ threads: 2, maxBatch: 16, scenarios: sc });
  afterAll(() => pool.close());

  it('returns, in input order, exactly what the kernel computes in this thread', async () => {
    const out = await pool.recalculate(inputs);
    expect(out.map((o) => o.portfolioId)).toEqual(inputs.map((x) => x.portfolioId));
    expect(out).toEqual(inThread(inputs));
  });

  it('splits a batch larger than maxBatch into tasks and counts tasks and portfolios in stats', async () => {
    const before = pool.stats();
    await pool.recalculate(inputs); // 50 portfolios in tasks of 16, 16, 16, 2
    const after = pool.stats();
    expect(after.completedTasks - before.completedTasks).toBe(4);
    expect(after.recalculations - before.recalculations).toBe(50);
    expect(after.threads).toBe(2);
    expect(after.queueSize).toBe(0);
    expect(after.utilization).toBeGreaterThanOrEqual(0);
    expect(after.utilization).toBeLessThanOrEqual(1);
  });

  it('rejects a batch with a poisoned input naming the portfolio, then serves the next batch', async () => {
    const poisoned = [inputs[0] as RecalcInput, { ...(inputs[1] as RecalcInput), portfolioId: 'bad', spots: new Map<string, number>() }];
    await expect(pool.recalculate(poisoned)).rejects.toThrow(/risk task for 2 portfolios failed \(portfolio bad\): risk batch portfolio #1: spot NaN/);
    const next = await pool.recalculate(inputs.slice(0, 3));
    expect(next).toEqual(inThread(inputs.slice(0, 3)));
  });

  it('answers an empty batch without a task', async () => {
    const before = pool.stats().completedTasks;
    expect(await pool.recalculate([])).toEqual([]);
    expect(pool.stats().completedTasks).toBe(before);
  });

  it('serves many concurrent recalculate calls, reusing transferred buffers', async () => {
    const calls = Array.from({ length: 20 }, (_, i) => pool.recalculate(inputs.slice(i, i + 8)));
    const outs = await Promise.all(calls);
    outs.forEach((o, i) => expect(o).toEqual(inThread(inputs.slice(i, i + 8))));
  });
});

describe('risk pool lifecycle and options', () => {
  it('rejects recalculate after close', async () => {
    const pool = createRiskPool({ threads: 1, scenarios: sc });
    await pool.close();
    await expect(pool.recalculate(inputs.slice(0, 1))).rejects.toThrow(/risk pool is closed/);
  });

  it('refuses bad options when created', () => {
    expect(() => createRiskPool({ threads: 0, scenarios: sc })).toThrow(/threads = 0, expected an integer >= 1/);
    expect(() => createRiskPool({ varConfidence: 1, scenarios: sc })).toThrow(/varConfidence = 1/);
    expect(() => createRiskPool({ scenarios: { ...sc, returns: new Float64Array(3) } })).toThrow(/returns has 3 entries/);
  });

  it('says to build when the compiled worker is missing', () => {
    expect(() => createRiskPool({ scenarios: sc, workerFile: new URL('file:///nonexistent/risk-worker.js') }))
      .toThrow(/npm run build/);
  });

  it('reports its configured VaR confidence and capacity', async () => {
    const pool = createRiskPool({ threads: 2, tasksPerThread: 2, varConfidence: 0.95, scenarios: sc });
    expect(pool.varConfidence).toBe(0.95);
    expect(pool.capacity).toBe(4);
    await pool.close();
  });
});
