import { describe, expect, it } from 'vitest';
import type { Holding } from '../../src/engine/actors/types.js';
import { computeRiskBatch, LEG_CALL, LEG_OPTION, PORTFOLIO_OUT, outputLength, PORTFOLIO_STRIDE, type PackedBatch, type ScenarioSet } from '../../src/engine/risk/realtime-risk.js';
import { syntheticScenarioSet } from '../../src/engine/risk/realtime-scenarios.js';
import type { RecalcInput, RecalcOutput } from '../../src/engine/runtime/risk-calculator.js';
import { recordLayout, taskLayout, viewTask } from '../../src/workers/risk-pool/leg-store-layout.js';
import { LegStore } from '../../src/workers/risk-pool/leg-store.js';
import { LegStoreTaskRunner } from '../../src/workers/risk-pool/leg-store-task.js';
import { held, option, stock } from '../fixtures/books.js';
import { holdingsOf, inputOf, NOW_MS, RATE, TICKERS } from './realtime-fixtures.js';

const sc = ((): ScenarioSet => {
  const r = syntheticScenarioSet({ underlyings: ['AAA', 'BBB', ...TICKERS.slice(2)], dailyVol: 0.02, correlation: 0.3, seed: 5 });
  if (!r.ok) throw new Error(r.message);
  return r.value;
})();

const call = (underlying: string, strike: number, vol = 0.25): Holding =>
  held(option(underlying, 'call', strike, -2, { expiry: '2026-03-20', vol, dividendYield: 0.01 }));
const plain = (x: unknown): unknown => JSON.parse(JSON.stringify(x));

/** One task through the store, valued in this thread exactly as a worker does. */
function roundTrip(store: LegStore, runner: LegStoreTaskRunner, inputs: readonly RecalcInput[]): RecalcOutput[] {
  const task = store.prepare(inputs);
  runner.run(viewTask(task.buffer));
  return store.deliver(task, task.buffer);
}

describe('leg store', () => {
  it('values each portfolio as the kernel does on its legs grouped by underlying, unknown underlyings included', () => {
    const spots = new Map([['AAA', 100], ['BBB', 200], ['ZZZ', 5]]);
    const store = new LegStore(sc.underlyings);
    const [p0, p1] = roundTrip(store, new LegStoreTaskRunner(store.sab, sc), [
      inputOf('p0', [call('AAA', 90), held(stock('BBB', 10)), call('AAA', 110), held(stock('ZZZ', 3))], false, spots),
      inputOf('p1', [held(stock('AAA', 1))], true, spots),
    ]);
    // The same two portfolios packed by hand: p0's groups AAA (2 legs), BBB, ZZZ (column −1); p1's AAA.
    const t = (NOW_MS < Date.UTC(2026, 2, 20, 21) ? Date.UTC(2026, 2, 20, 21) - NOW_MS : 0) / (365 * 86_400_000);
    const packed: PackedBatch = {
      nPortfolios: 2, nGroups: 4, nLegs: 5,
      groupStart: Int32Array.of(0, 3, 4), rate: Float64Array.of(RATE, RATE), withMargin: Uint8Array.of(0, 1),
      groupUnderlying: Int32Array.of(0, 1, -1, 0), groupSpot: Float64Array.of(100, 200, 5, 100), legStart: Int32Array.of(0, 2, 3, 4, 5),
      legFlags: Uint8Array.of(LEG_OPTION | LEG_CALL, LEG_OPTION | LEG_CALL, 0, 0, 0),
      strike: Float64Array.of(90, 110, 1, 1, 1), tYears: Float64Array.of(t, t, 0, 0, 0), vol: Float64Array.of(0.25, 0.25, 0, 0, 0),
      dividendYield: Float64Array.of(0.01, 0.01, 0, 0, 0), units: Float64Array.of(-200, -200, 10, 3, 1),
    };
    const out = new Float64Array(outputLength(2, 4));
    computeRiskBatch(packed, sc, out);
    expect(p0?.var).toBe(out[PORTFOLIO_OUT.var]);
    expect(p0?.greeks.delta).toBe(out[PORTFOLIO_OUT.delta]);
    expect(Object.keys(p0?.byUnderlying ?? {})).toEqual(['AAA', 'BBB', 'ZZZ']);
    expect(p0?.byUnderlying.ZZZ?.spot).toBe(5);
    expect(p0?.byUnderlying.BBB?.delta).toBe(10);
    expect(p0?.marginRequirement).toBeUndefined();
    expect(p1?.greeks.delta).toBe(1);
    expect(p1?.marginRequirement).toBe(out[PORTFOLIO_STRIDE + PORTFOLIO_OUT.margin]);
  });

  it('aligns every section of a record and of a task buffer to its element size', () => {
    for (const [s, l] of [[1, 1], [3, 7], [17, 20], [0, 0]] as const) {
      const L = recordLayout(s, l);
      for (const o of [L.units, L.dividendYield, L.strike, L.vol, L.expiryMs, L.out, L.byteLength]) expect(o % 8).toBe(0);
      for (const o of [L.groupColumn, L.groupSpotId, L.legCount, L.legFlags]) expect(o % 4).toBe(0);
    }
    const T = taskLayout(3, 5);
    for (const o of [T.spots, T.rate, T.nowMs]) expect(o % 8).toBe(0);
    expect(T.record % 4).toBe(0);
  });

  it('keeps a delivered output readable while the next recalculation writes the other region', () => {
    const store = new LegStore(sc.underlyings);
    const runner = new LegStoreTaskRunner(store.sab, sc);
    const h = holdingsOf(3, 10);
    const [first] = roundTrip(store, runner, [inputOf('p', h)]);
    const before = plain(first);
    const moved = new Map([...inputOf('p', h).spots].map(([k, v]) => [k, v * 1.1]));
    const task = store.prepare([inputOf('p', h, false, moved)]);
    runner.run(viewTask(task.buffer)); // computed, not yet delivered
    expect(plain(first)).toEqual(before);
    const [second] = store.deliver(task, task.buffer);
    expect(second?.var).not.toBe(first?.var);
  });

  it('gives each recalculation the figures of a fresh store, whatever tail hint its record holds from the last one', () => {
    const store = new LegStore(sc.underlyings);
    const runner = new LegStoreTaskRunner(store.sab, sc);
    const h = holdingsOf(4, 20);
    // Spots that drift a little, then jump by 30% (the hint then misses the tail and the runner selects from all).
    for (const factor of [1, 1.001, 0.999, 1.3, 1.3, 0.7]) {
      const spots = new Map([...inputOf('p', h).spots].map(([k, v]) => [k, v * factor]));
      const [kept] = roundTrip(store, runner, [inputOf('p', h, false, spots)]);
      const fresh = new LegStore(sc.underlyings);
      const [once] = roundTrip(fresh, new LegStoreTaskRunner(fresh.sab, sc), [inputOf('p', h, false, spots)]);
      expect(plain(kept)).toEqual(plain(once));
    }
  });

  it('writes a new record when the holdings change and frees the old one only when the next result is delivered', () => {
    const store = new LegStore(sc.underlyings);
    const runner = new LegStoreTaskRunner(store.sab, sc);
    const a = holdingsOf(1, 20), b = holdingsOf(2, 20);
    const [fromA] = roundTrip(store, runner, [inputOf('p', a)]);
    const used = store.bytesInUse;
    const task = store.prepare([inputOf('p', b)]);
    expect(store.bytesInUse).toBe(2 * used); // the old record still backs `fromA`
    const snapshot = plain(fromA);
    // Another portfolio created meanwhile must not land on p's old record.
    roundTrip(store, runner, [inputOf('q', a)]);
    expect(plain(fromA)).toEqual(snapshot);
    runner.run(viewTask(task.buffer));
    store.deliver(task, task.buffer);
    expect(store.bytesInUse).toBe(2 * used); // p's new record and q's; p's old one is free again
    roundTrip(store, runner, [inputOf('r', a)]);
    expect(store.bytesInUse).toBe(3 * used);
  });

  it('refuses a second recalculation of a portfolio in flight, and releases it when a task is abandoned', () => {
    const store = new LegStore(sc.underlyings);
    const x = inputOf('p', holdingsOf(1, 5));
    const task = store.prepare([x]);
    expect(() => store.prepare([inputOf('q', holdingsOf(2, 5)), x])).toThrow(/portfolio p is already being recalculated/);
    store.abandon(task);
    expect(() => store.abandon(store.prepare([inputOf('q', holdingsOf(2, 5)), x]))).not.toThrow();
  });

  it('refuses a batch whose inputs price one underlying differently', () => {
    const store = new LegStore(sc.underlyings);
    const h = [held(stock('AAA', 1))];
    expect(() => store.prepare([inputOf('p', h, false, new Map([['AAA', 10]])), inputOf('q', h, false, new Map([['AAA', 11]]))]))
      .toThrow(/portfolio q prices AAA differently/);
    // Equal prices in separate maps are one market.
    expect(() => store.prepare([inputOf('r', h, false, new Map([['AAA', 10]])), inputOf('s', h, false, new Map([['AAA', 10]]))])).not.toThrow();
  });

  it('grows past its initial size while a runner made before the growth keeps reading it right', () => {
    const store = new LegStore(sc.underlyings, { initialBytes: 4096 });
    const runner = new LegStoreTaskRunner(store.sab, sc);
    const inputs = Array.from({ length: 200 }, (_, i) => inputOf(`p${i}`, holdingsOf(10 + i, 20)));
    const grown = roundTrip(store, runner, inputs).map(plain);
    expect(store.sab.byteLength).toBeGreaterThan(4096 * 100);
    const fresh = new LegStore(sc.underlyings);
    expect(grown).toEqual(roundTrip(fresh, new LegStoreTaskRunner(fresh.sab, sc), inputs).map(plain));
  });

  it('stops at its cap with a clear error', () => {
    const store = new LegStore(sc.underlyings, { initialBytes: 4096, maxBytes: 16384 });
    expect(() => store.prepare(Array.from({ length: 20 }, (_, i) => inputOf(`p${i}`, holdingsOf(i, 20))))).toThrow(/capped at 16384 bytes/);
  });

  it('rejects a task buffer of another protocol version or naming a record outside the store', () => {
    expect(() => viewTask(new ArrayBuffer(64))).toThrow(/protocol version 0, expected 2/);
    const store = new LegStore(sc.underlyings, { initialBytes: 4096 });
    const task = store.prepare([inputOf('p', holdingsOf(1, 3))]);
    const view = viewTask(task.buffer);
    view.record[0] = 1 << 20;
    expect(() => new LegStoreTaskRunner(store.sab, sc).run(view)).toThrow(/portfolio #0: record offset 1048576 is outside the store/);
  });
});
