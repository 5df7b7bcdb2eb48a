import { describe, expect, it } from 'vitest';
import type { PortfolioCell } from '../../../src/engine/runtime/portfolio-cell.js';
import { RecalcPump, type RecalcHost } from '../../../src/engine/runtime/recalc-pump.js';
import type { RecalcInput, RecalcOutput, RiskCalculator } from '../../../src/engine/runtime/risk-calculator.js';
import { portfolio } from '../actors/fixtures.js';
import { cellOf } from './cells.js';

const outputOf = (input: RecalcInput): RecalcOutput => ({
  portfolioId: input.portfolioId, greeks: { delta: 0, gamma: 0, vega: 0, thetaPerYear: 0, rho: 0 }, byUnderlying: {},
  marketValue: input.nowMs, grossExposure: 0, var: 0, es: 0, ...(input.withMargin ? { marginRequirement: 1 } : {}),
});

/**
 * A calculator whose batches wait until the test settles them: the test sees what was asked, in
 * which batches, and decides which succeed. A batch holding `failId` rejects when settled.
 */
class ScriptedCalculator implements RiskCalculator {
  readonly varConfidence = 0.99;
  readonly esConfidence = 0.975;
  readonly batches: string[][] = [];
  readonly #waiting: (() => void)[] = [];
  constructor(readonly capacity: number, private readonly failId?: string) {}
  recalculate(batch: readonly RecalcInput[]): Promise<RecalcOutput[]> {
    const ids = batch.map((x) => x.portfolioId);
    const outs = batch.map(outputOf); // inputs are read when called, as the contract says
    this.batches.push(ids);
    return new Promise((resolve, reject) => this.#waiting.push(() => (this.failId !== undefined && ids.includes(this.failId) ? reject(new Error('worker broke')) : resolve(outs))));
  }
  /** Settles every batch asked so far and lets the pump react. */
  async settle(): Promise<void> {
    for (const go of this.#waiting.splice(0)) go();
    for (let i = 0; i < 5; i++) await Promise.resolve();
  }
  stats(): ReturnType<RiskCalculator['stats']> { return { threads: 0, utilization: 0, queueSize: 0, completedTasks: 0, recalculations: 0 }; }
  async close(): Promise<void> {}
}

function setup(opts: { capacity?: number; maxBatch?: number; failId?: string; priced?: (c: PortfolioCell) => boolean; now?: () => number } = {}) {
  const calculator = new ScriptedCalculator(opts.capacity ?? 1, opts.failId);
  const results: { id: string; out: RecalcOutput; tickTs: number }[] = [];
  const logs: string[] = [];
  const host: RecalcHost = {
    isPriced: opts.priced ?? (() => true),
    computed: (cell, out, tickTs) => results.push({ id: cell.state.portfolioId, out, tickTs }),
  };
  let scheduled: (() => void) | undefined;
  const pump = new RecalcPump({
    calculator, clock: { nowMs: opts.now ?? (() => 1000) }, maxBatch: opts.maxBatch ?? 64, marginRefreshMs: 500,
    defer: (fn) => { scheduled = fn; }, log: (_level, msg) => logs.push(msg),
  }, host);
  const run = (): void => { const fn = scheduled; scheduled = undefined; fn?.(); };
  const cells = (...ids: string[]) => ids.map((id) => cellOf(portfolio({ portfolioId: id })));
  return { calculator, pump, results, logs, run, cells };
}

describe('recalculation pump', () => {
  it('merges requests for a portfolio made before its dispatch into one recalculation', async () => {
    const { calculator, pump, results, run, cells } = setup();
    const [a] = cells('A');
    for (let i = 0; i < 5; i++) pump.changed(a!);
    run();
    expect(calculator.batches).toEqual([['A']]);
    await calculator.settle();
    expect(results.map((r) => r.id)).toEqual(['A']);
    expect(pump.coalesced).toBe(4);
    expect(pump.recalculations).toBe(1);
  });

  it('packs at most maxBatch portfolios a task and keeps at most capacity tasks in flight', async () => {
    const { calculator, pump, run, cells } = setup({ capacity: 2, maxBatch: 2 });
    for (const c of cells('A', 'B', 'C', 'D', 'E')) pump.changed(c);
    run();
    expect(calculator.batches).toEqual([['A', 'B'], ['C', 'D']]);
    await calculator.settle();
    expect(calculator.batches).toEqual([['A', 'B'], ['C', 'D'], ['E']]);
  });

  it('recalculates a portfolio marked while in flight once more after, never twice at once', async () => {
    const { calculator, pump, run, cells, results } = setup();
    const [a] = cells('A');
    pump.changed(a!);
    run();
    a!.latestTickTs = 9;
    pump.stale(a!);
    pump.schedule();
    run();
    expect(calculator.batches).toEqual([['A']]);
    await calculator.settle();
    expect(calculator.batches).toEqual([['A'], ['A']]);
    await calculator.settle();
    expect(results.map((r) => r.tickTs)).toEqual([0, 9]);
  });

  it('retries a failed batch one by one, so only the portfolio that breaks the worker goes without figures', async () => {
    const { calculator, pump, run, cells, results, logs } = setup({ failId: 'BAD' });
    for (const c of cells('A', 'BAD', 'C')) pump.changed(c);
    run();
    await calculator.settle();
    expect(calculator.batches).toEqual([['A', 'BAD', 'C'], ['A'], ['BAD'], ['C']]);
    await calculator.settle();
    expect(results.map((r) => r.id).sort()).toEqual(['A', 'C']);
    expect(logs).toEqual(['risk task failed; retrying its portfolios one by one', 'risk recalculation failed for a portfolio']);
  });

  it('sends no portfolio before every underlying it holds has a price', async () => {
    const { calculator, pump, run, cells } = setup({ priced: (c) => c.state.portfolioId !== 'NEW' });
    for (const c of cells('NEW', 'OLD')) pump.changed(c);
    run();
    expect(calculator.batches).toEqual([['OLD']]);
  });

  it('asks for the margin grid at most once per marginRefreshMs of a portfolio', async () => {
    let now = 1000;
    const { calculator, pump, run, cells } = setup({ now: () => now });
    const [a] = cells('A');
    const margins: boolean[] = [];
    const ask = async (): Promise<void> => {
      pump.changed(a!);
      run();
      margins.push(a!.recalcInput.withMargin);
      await calculator.settle();
      a!.lastMarginMs = a!.recalcInput.withMargin ? now : a!.lastMarginMs; // what the risk snapshots record
    };
    await ask();
    now += 100;
    await ask();
    now += 500;
    await ask();
    expect(margins).toEqual([true, false, true]);
  });

  it('hands no result to the host once closed', async () => {
    const { calculator, pump, run, cells, results } = setup();
    pump.changed(cells('A')[0]!);
    run();
    pump.close();
    await calculator.settle();
    expect(results).toEqual([]);
  });
});
