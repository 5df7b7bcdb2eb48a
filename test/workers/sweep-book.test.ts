/**
 * The sweep's two sides in this thread: the event loop's SweepBook (books and ticks into shared
 * memory, figures out under the sequence lock) and a worker's SweepLoop (one pass at a time, run
 * here by hand), over the real leg store and kernel. The same figures as a batch through the leg
 * store; only books that moved are valued; a refused book keeps its last figures; replaced records
 * are freed once no pass can read them.
 */
import { describe, expect, it } from 'vitest';
import type { Holding } from '../../src/engine/actors/types.js';
import type { ScenarioSet } from '../../src/engine/risk/realtime-risk.js';
import { syntheticScenarioSet } from '../../src/engine/risk/realtime-scenarios.js';
import { recordLayout, viewTask } from '../../src/workers/risk-pool/leg-store-layout.js';
import { LegStore } from '../../src/workers/risk-pool/leg-store.js';
import { LegStoreTaskRunner } from '../../src/workers/risk-pool/leg-store-task.js';
import { Engine } from '../../src/engine/runtime/engine.js';
import type { RiskCalculator } from '../../src/engine/runtime/risk-calculator.js';
import { SweepBook, sweepPort } from '../../src/workers/risk-pool/sweep-book.js';
import { groupSpotIdI32 } from '../../src/workers/risk-pool/sweep-layout.js';
import { SweepLoop } from '../../src/workers/risk-pool/sweep-loop.js';
import { held, option, stock } from '../fixtures/books.js';
import { inputOf, NOW_MS, RATE } from './realtime-fixtures.js';

const sc = ((): ScenarioSet => {
  const r = syntheticScenarioSet({ underlyings: ['AAA', 'BBB', 'CCC'], dailyVol: 0.02, correlation: 0.3, seed: 5 });
  if (!r.ok) throw new Error(r.message);
  return r.value;
})();

const call = (underlying: string, strike: number, qty = -2, vol = 0.25): Holding =>
  held(option(underlying, 'call', strike, qty, { expiry: '2026-03-20', vol, dividendYield: 0.01 }));

/** As the pool builds it: records keep their loss state, so a tick revalues only what it moved. */
function setup(nShards = 1) {
  const store = new LegStore(sc.underlyings, { nScenarios: sc.nScenarios });
  const book = new SweepBook(store, { nShards, marginRefreshMs: 1000, maxBatch: 4 });
  const runner = new LegStoreTaskRunner(store.sab, sc);
  const loops = Array.from({ length: nShards }, (_, shard) => new SweepLoop(book.shared, store.sab, runner, shard));
  const pass = (): void => { for (const l of loops) l.pass(); };
  return { store, book, runner, pass };
}

/** The same portfolios valued as one batch through the leg store (the pool's task path). */
function batchFigures(holdings: readonly Holding[], spots: Map<string, number>, withMargin: boolean) {
  const store = new LegStore(sc.underlyings);
  const task = store.prepare([inputOf('P', holdings, withMargin, spots)]);
  new LegStoreTaskRunner(store.sab, sc).run(viewTask(task.buffer));
  return JSON.parse(JSON.stringify(store.deliver(task, task.buffer)[0]));
}

describe('risk sweep (in this thread)', () => {
  it('finds a record\'s spot ids where the leg store lays them out', () => {
    for (const [nS, nL, nScen] of [[0, 0, 0], [1, 3, 0], [5, 20, 500], [17, 20, 500]] as const) {
      expect(groupSpotIdI32(nS) * 4).toBe(recordLayout(nS, nL, nScen).groupSpotId);
    }
  });

  it('publishes the figures a batch through the leg store gives, valued at the newest spots', () => {
    const { book, pass } = setup();
    const h = [call('AAA', 90), held(stock('BBB', 10)), call('AAA', 110, 3), held(stock('ZZZ', 3))];
    const slot = book.addBook('P');
    book.setBook(slot, h, RATE, NOW_MS);
    for (const [s, p] of [['AAA', 100], ['BBB', 200], ['ZZZ', 5]] as const) book.setSpot(s, p, 7, NOW_MS);
    pass();
    const f = book.read(slot)!;
    expect(f).toMatchObject({ results: 1, tickTs: 7, valuedMs: NOW_MS, marginMs: NOW_MS });
    const want = batchFigures(h, new Map([['AAA', 100], ['BBB', 200], ['ZZZ', 5]]), true);
    const { marginRequirement, ...figures } = want;
    expect(JSON.parse(JSON.stringify(f.output))).toEqual(figures);
    expect(f.margin).toBe(marginRequirement);

    book.setSpot('AAA', 101, 9, NOW_MS);
    pass();
    const g = book.read(slot)!;
    expect(g).toMatchObject({ results: 2, tickTs: 9 });
    const { marginRequirement: _m, ...moved } = batchFigures(h, new Map([['AAA', 101], ['BBB', 200], ['ZZZ', 5]]), false);
    // Only AAA was revalued: the loss sum moved by its difference, so VaR and ES agree with a full
    // pass to rounding (test/workers/incremental-recompute.test.ts), the rest exactly.
    const { var: v, es, ...rest } = JSON.parse(JSON.stringify(g.output));
    const { var: v0, es: es0, ...rest0 } = moved;
    expect(rest).toEqual(rest0);
    expect(Math.abs(v - v0)).toBeLessThanOrEqual(1e-12 * Math.abs(v0));
    expect(Math.abs(es - es0)).toBeLessThanOrEqual(1e-12 * Math.abs(es0));
    // Margin is refreshed at its own cadence: the first one stands.
    expect(g.margin).toBe(marginRequirement);
  });

  it('values a book only when one of its underlyings moved or it changed, once however many ticks came', () => {
    const { book, pass } = setup();
    const a = book.addBook('A'), b = book.addBook('B');
    book.setBook(a, [call('AAA', 100)], RATE, NOW_MS);
    book.setBook(b, [call('BBB', 100)], RATE, NOW_MS);
    book.setSpot('AAA', 100, 1, NOW_MS);
    book.setSpot('BBB', 100, 1, NOW_MS);
    pass();
    expect([book.results(a), book.results(b)]).toEqual([1, 1]);
    for (let i = 0; i < 5; i++) book.setSpot('AAA', 100 + i, 2 + i, NOW_MS);
    pass();
    expect([book.results(a), book.results(b)]).toEqual([2, 1]);
    expect(book.read(a)!.tickTs).toBe(6);
    pass();
    expect([book.results(a), book.results(b)]).toEqual([2, 1]);
    book.setBook(b, [call('BBB', 100)], RATE, NOW_MS); // same legs, new limits: valued again
    pass();
    expect([book.results(a), book.results(b)]).toEqual([2, 2]);
    expect(book.counters().recalculations).toBe(4);
  });

  it('gives no figures before every underlying of a book has a price', () => {
    const { book, pass } = setup();
    const slot = book.addBook('P');
    book.setBook(slot, [call('AAA', 100), held(stock('BBB', 1))], RATE, NOW_MS);
    book.setSpot('AAA', 100, 1, NOW_MS);
    pass();
    expect(book.read(slot)).toBeUndefined();
    book.setSpot('BBB', 50, 2, NOW_MS);
    pass();
    expect(book.read(slot)).toMatchObject({ results: 1, tickTs: 2 });
  });

  it('keeps a refused book at its last whole figures, counts the failure, and values its batch-mates', () => {
    const { book, pass } = setup();
    const good = book.addBook('GOOD'), bad = book.addBook('BAD');
    book.setBook(good, [call('AAA', 100)], RATE, NOW_MS);
    book.setBook(bad, [call('AAA', 100)], RATE, NOW_MS);
    book.setSpot('AAA', 100, 1, NOW_MS);
    pass();
    const before = book.read(bad)!;
    // Units of Infinity: the kernel refuses the batch, the sweep retries book by book.
    book.setBook(bad, [held(stock('AAA', Number.POSITIVE_INFINITY))], RATE, NOW_MS);
    book.setSpot('AAA', 101, 2, NOW_MS);
    pass();
    expect(book.read(good)).toMatchObject({ results: 2, tickTs: 2 });
    expect(book.failures(bad)).toBe(1);
    expect(book.counters().failed).toBe(1);
    expect(book.read(bad)).toEqual(before);
    // Tried again on its next move only.
    pass();
    expect(book.failures(bad)).toBe(1);
    book.setSpot('AAA', 102, 3, NOW_MS);
    pass();
    expect(book.failures(bad)).toBe(2);
  });

  it('frees a replaced record once no pass can read it, so a book traded all day does not grow the store', () => {
    const { store, book, pass } = setup(2);
    const slot = book.addBook('P');
    book.setSpot('AAA', 100, 1, NOW_MS);
    book.setBook(slot, [call('AAA', 100, 1)], RATE, NOW_MS);
    pass();
    const oneRecord = store.bytesInUse;
    for (let q = 2; q < 200; q++) {
      book.setBook(slot, [call('AAA', 100, q)], RATE, NOW_MS);
      pass();
    }
    book.reclaim();
    expect(store.bytesInUse).toBe(oneRecord);
    expect(book.read(slot)!.output.greeks.delta).toBeGreaterThan(0);
  });

  it('keeps ticks of symbols no book holds out of the market, and prices a book that later holds one at its last tick', () => {
    const store = new LegStore(sc.underlyings, { nScenarios: sc.nScenarios });
    // Room for the scenario set's three underlyings and one more.
    const book = new SweepBook(store, { nShards: 1, marginRefreshMs: 1000, maxBatch: 4, marketCapacity: 4 });
    const loop = new SweepLoop(book.shared, store.sab, new LegStoreTaskRunner(store.sab, sc), 0);
    // A feed of a thousand unknown symbols: nothing throws, no market slot is taken.
    for (let i = 0; i < 1000; i++) book.setSpot(`JUNK${i}`, 1 + i, i, NOW_MS);
    book.setSpot('ZZZ', 5, 2_000, NOW_MS);
    const slot = book.addBook('P');
    book.setBook(slot, [held(stock('ZZZ', 10))], RATE, NOW_MS);
    loop.pass();
    expect(book.read(slot)).toMatchObject({ results: 1, tickTs: 2_000, output: { marketValue: 50 } });
    // The market is full now: a book on yet another underlying is refused with a clear code.
    const other = book.addBook('Q');
    expect(() => book.setBook(other, [held(stock('JUNK7', 1))], RATE, NOW_MS)).toThrow(/RISK_SWEEP_FULL/);
  });

  it('delivers only watched books to the event loop, through waitAsync', async () => {
    const { book, pass } = setup();
    const a = book.addBook('A'), b = book.addBook('B');
    book.setBook(a, [call('AAA', 100)], RATE, NOW_MS);
    book.setBook(b, [call('AAA', 100)], RATE, NOW_MS);
    const told: number[] = [];
    book.start((slot) => told.push(slot));
    book.watch(b, 1);
    book.setSpot('AAA', 100, 1, NOW_MS);
    pass();
    await new Promise((r) => setTimeout(r, 10));
    expect(told).toEqual([b]);
    book.watch(b, -1);
    book.watchAll(1);
    book.setSpot('AAA', 101, 2, NOW_MS);
    pass();
    await new Promise((r) => setTimeout(r, 10));
    expect(told.sort()).toEqual([a, b, b].sort());
    book.stop();
  });
});

describe('engine over an in-thread sweep (passes run by the test)', () => {
  /** The engine's calculator: the real shared book, whose worker pass the test runs by hand. */
  function inThreadSweep() {
    const { book, pass } = setup();
    const calculator: RiskCalculator = {
      varConfidence: 0.95, esConfidence: 0.975, capacity: 1,
      recalculate: () => Promise.reject(new Error('this calculator only sweeps')),
      stats: () => ({ threads: 0, utilization: 0, queueSize: 0, completedTasks: 0, recalculations: book.counters().recalculations }),
      close: async () => { book.stop(); },
      openSweep: () => sweepPort(book, async () => { book.stop(); }),
    };
    return { calculator, pass };
  }

  it('tells a watched portfolio\'s subscribers of new figures even when a read took them in first', async () => {
    const { calculator, pass } = inThreadSweep();
    const engine = new Engine({ calculator, clock: { nowMs: () => NOW_MS }, rate: RATE, tickGuard: { maxSkewMs: Infinity } });
    try {
      expect((await engine.createPortfolio({ portfolioId: 'W', cash: 1e6, positions: [{ instrument: 'AAA', qty: 100 }] }, 't')).ok).toBe(true);
      engine.watchRisk('W', 1);
      const told: number[] = [];
      engine.onEvent((e) => { if (e.type === 'risk') told.push(e.risk.greeks.delta); });
      engine.tick('AAA', 100, 1);
      pass();
      // A REST read between the worker's publication and the event loop's wake-up.
      expect(engine.getRisk('W')?.greeks.delta).toBe(100);
      await new Promise((r) => setTimeout(r, 20));
      expect(told).toEqual([100]);
      // And nothing twice: the next wake-up with nothing new tells no one.
      engine.tick('AAA', 100.5, 2);
      pass();
      await new Promise((r) => setTimeout(r, 20));
      expect(told).toEqual([100, 100]);
    } finally {
      await engine.close();
    }
  });
});
