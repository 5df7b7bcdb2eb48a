/**
 * The pool runs the compiled worker (dist/src/workers/risk-pool/risk-worker.js, through risk-worker-entry.cjs): `npm test` builds first; when
 * running this file alone, run `npm run build` before.
 */
import { readdirSync, readlinkSync } from 'node:fs';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { ScenarioSet } from '../../src/engine/risk/realtime-risk.js';
import { syntheticScenarioSet } from '../../src/engine/risk/realtime-scenarios.js';
import type { RecalcInput, RecalcOutput } from '../../src/engine/runtime/risk-calculator.js';
import { createRiskPool } from '../../src/workers/risk-pool/risk-pool.js';
import { viewTask } from '../../src/workers/risk-pool/leg-store-layout.js';
import { LegStore } from '../../src/workers/risk-pool/leg-store.js';
import { LegStoreTaskRunner } from '../../src/workers/risk-pool/leg-store-task.js';
import { threadPolicy } from '../../src/workers/risk-pool/thread-priority.js';
import { TICKERS, holdingsOf, inputOf } from './realtime-fixtures.js';

const SCHED_IDLE = 5;

const sc = ((): ScenarioSet => {
  const r = syntheticScenarioSet({ underlyings: TICKERS, dailyVol: 0.02, correlation: 0.3, seed: 3 });
  if (!r.ok) throw new Error(r.message);
  return r.value;
})();

/** The same inputs valued in this thread by a leg store of its own, as plain data. */
function inThread(inputs: RecalcInput[]): unknown {
  const store = new LegStore(sc.underlyings);
  const task = store.prepare(inputs);
  new LegStoreTaskRunner(store.sab, sc).run(viewTask(task.buffer));
  return plain(store.deliver(task, task.buffer));
}
const plain = (x: RecalcOutput[]): unknown => JSON.parse(JSON.stringify(x));

const inputs = Array.from({ length: 50 }, (_, i) => inputOf(`p${i}`, holdingsOf(100 + i, 20), i % 5 === 0));

describe('risk pool', () => {
  const pool = createRiskPool({ threads: 2, maxBatch: 16, scenarios: sc });
  afterAll(() => pool.close());

  it('returns, in input order, exactly what the kernel computes in this thread', async () => {
    const out = await pool.recalculate(inputs);
    expect(out.map((o) => o.portfolioId)).toEqual(inputs.map((x) => x.portfolioId));
    expect(plain(out)).toEqual(inThread(inputs));
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
    const [first, ...rest] = (inputs[1] as RecalcInput).holdings;
    const poisoned = [inputs[0] as RecalcInput, { ...(inputs[1] as RecalcInput), portfolioId: 'bad', holdings: [{ ...first!, vol: -1 }, ...rest] }];
    await expect(pool.recalculate(poisoned)).rejects.toThrow(/risk task for 2 portfolios failed \(portfolio bad\): risk batch portfolio #1: option leg \d+ has vol -1/);
    const next = await pool.recalculate(inputs.slice(0, 3));
    expect(plain(next)).toEqual(inThread(inputs.slice(0, 3)));
  });

  it('answers an empty batch without a task', async () => {
    const before = pool.stats().completedTasks;
    expect(await pool.recalculate([])).toEqual([]);
    expect(pool.stats().completedTasks).toBe(before);
  });

  it('serves many concurrent recalculate calls, reusing transferred buffers', async () => {
    // Distinct portfolios per call: the caller keeps at most one recalculation per portfolio in flight.
    const batchOf = (i: number): RecalcInput[] => inputs.slice(i, i + 8).map((x) => ({ ...x, portfolioId: `${x.portfolioId}/${i}` }));
    const outs = await Promise.all(Array.from({ length: 20 }, (_, i) => pool.recalculate(batchOf(i))));
    outs.forEach((o, i) => expect(plain(o)).toEqual(inThread(batchOf(i))));
  });

  it('refuses a second recalculation of a portfolio already in flight, without disturbing the first', async () => {
    const first = pool.recalculate(inputs.slice(0, 2));
    await expect(pool.recalculate(inputs.slice(1, 3))).rejects.toThrow(/portfolio p1 is already being recalculated/);
    expect(plain(await first)).toEqual(inThread(inputs.slice(0, 2)));
  });
});

describe('risk pool lifecycle and options', () => {
  it('rejects recalculate after close', async () => {
    const pool = createRiskPool({ threads: 1, scenarios: sc });
    await pool.close();
    await expect(pool.recalculate(inputs.slice(0, 1))).rejects.toThrow(/risk pool is closed/);
  });

  it('refuses bad options when created', () => {
    expect(() => createRiskPool({ threads: 0, scenarios: sc })).toThrow(/threads = 0, expected an integer in \[1, Infinity\]/);
    expect(() => createRiskPool({ varConfidence: 1, scenarios: sc })).toThrow(/varConfidence = 1/);
    expect(() => createRiskPool({ scenarios: { ...sc, returns: new Float64Array(3) } })).toThrow(/returns has 3 entries/);
  });

  it('says to build when the compiled worker is missing', () => {
    expect(() => createRiskPool({ scenarios: sc, workerFile: new URL('file:///nonexistent/risk-worker.js') }))
      .toThrow(/npm run build/);
  });

  it('runs its workers under SCHED_IDLE when asked, so that they never delay the event loop', async () => {
    const pool = createRiskPool({ threads: 2, priority: 'idle', scenarios: sc });
    try {
      await pool.recalculate(inputs.slice(0, 4));
      // Each worker sets its policy when it starts; the second may start after the first answered.
      await vi.waitFor(() => expect(pool.stats().priority).toEqual({ requested: 'idle', schedIdle: 2, schedIdleFailed: 0 }), { timeout: 10_000 });
      const idle = readdirSync('/proc/self/task').map(Number).filter((tid) => threadPolicy(tid) === SCHED_IDLE);
      expect(idle.length).toBe(2);
      expect(threadPolicy(Number(readlinkSync('/proc/thread-self').split('/').pop()))).toBe(0); // this thread untouched
    } finally {
      await pool.close();
    }
  });

  it('refuses an unknown priority', () => {
    expect(() => createRiskPool({ scenarios: sc, priority: 'high' as 'idle' })).toThrow(/priority = high/);
  });

  it('reports its configured VaR confidence and capacity', async () => {
    const pool = createRiskPool({ threads: 2, tasksPerThread: 2, varConfidence: 0.95, scenarios: sc });
    expect(pool.varConfidence).toBe(0.95);
    expect(pool.capacity).toBe(4);
    await pool.close();
  });
});
