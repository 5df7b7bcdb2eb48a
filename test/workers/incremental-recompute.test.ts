/**
 * "Recompute only what a tick moved" (leg-store-task.ts): a record with a loss state revalues only
 * the underlyings whose spot moved. The contract: after any sequence of ticks, a record's figures
 * equal a full pass of the same book on a fresh record at the same spots, rate and valuation instant
 * (the state's): Greeks, per-underlying figures, market value and gross exposure bit for bit (they
 * are re-summed from the same group blocks), VaR and ES to 1e-12 (the loss sum is moved by
 * differences). Everything runs through the real LegStore and LegStoreTaskRunner in this thread.
 */
import { describe, expect, it } from 'vitest';
import type { Holding } from '../../src/engine/actors/types.js';
import { createDgvKernel } from '../../src/engine/risk/realtime-dgv-wasm.js';
import { createRng } from '../../src/engine/risk/prng.js';
import { riskStateLayout, type ScenarioSet } from '../../src/engine/risk/realtime-risk.js';
import { syntheticScenarioSet } from '../../src/engine/risk/realtime-scenarios.js';
import type { RecalcInput, RecalcOutput } from '../../src/engine/runtime/risk-calculator.js';
import {
  RECORD_N_GROUPS, RECORD_N_LEGS, RECORD_STATE, RECORD_STATE_HEADER_F64, recordLayout, TASK_FULL_RECOMPUTE, viewTask,
} from '../../src/workers/risk-pool/leg-store-layout.js';
import { LegStore } from '../../src/workers/risk-pool/leg-store.js';
import { FULL_RECOMPUTE_EVERY, LegStoreTaskRunner, REVALUE_MS } from '../../src/workers/risk-pool/leg-store-task.js';
import { holdingsOf, NOW_MS, RATE, spotsOf, TICKERS } from './realtime-fixtures.js';

// EEE and FFF are outside the set: their groups are valued against the fallback column.
const sc = ((): ScenarioSet => {
  const r = syntheticScenarioSet({ underlyings: TICKERS.slice(0, 4), dailyVol: 0.02, correlation: 0.3, seed: 11 });
  if (!r.ok) throw new Error(r.message);
  return r.value;
})();
const N_SCEN = sc.nScenarios;

type Paths = 'js' | 'simd' | 'js and simd, alternating';
/** The runners a store is valued by: one, or two taking turns (as two workers would). */
function runnersOf(store: LegStore, paths: Paths): LegStoreTaskRunner[] {
  const js = (): LegStoreTaskRunner => new LegStoreTaskRunner(store.sab, sc);
  const simd = (): LegStoreTaskRunner => {
    const k = createDgvKernel(sc);
    if (!k) throw new Error('WebAssembly SIMD is unavailable here');
    return new LegStoreTaskRunner(store.sab, sc, undefined, k);
  };
  return paths === 'js' ? [js()] : paths === 'simd' ? [simd()] : [js(), simd()];
}

interface StateSnapshot { valuedAtMs: number; rate: number; updates: number; sum: Float64Array }

/** One task through the store; also the loss state each record holds after it. */
function roundTrip(store: LegStore, runner: LegStoreTaskRunner, inputs: readonly RecalcInput[], flags = 0): { out: RecalcOutput[]; states: StateSnapshot[]; records: number[] } {
  const task = store.prepare(inputs);
  const view = viewTask(task.buffer);
  for (let p = 0; p < inputs.length; p++) view.flags[p] = (view.flags[p] as number) | flags;
  runner.run(view);
  const states = inputs.map((_, p) => stateAt(store, view.record[p] as number));
  return { out: store.deliver(task, task.buffer), states, records: [...view.record] };
}

function stateAt(store: LegStore, at: number): StateSnapshot {
  const i32 = new Int32Array(store.sab), f64 = store.view;
  const nS = i32[(at >> 2) + RECORD_N_GROUPS] as number, nL = i32[(at >> 2) + RECORD_N_LEGS] as number;
  const h = (at + recordLayout(nS, nL, N_SCEN).state) >> 3;
  const sum = h + RECORD_STATE_HEADER_F64 + riskStateLayout(nS, N_SCEN).sum;
  return {
    valuedAtMs: f64[h + RECORD_STATE.valuedAtMs] as number, rate: f64[h + RECORD_STATE.rate] as number,
    updates: f64[h + RECORD_STATE.updates] as number, sum: f64.slice(sum, sum + N_SCEN),
  };
}

/**
 * Books valued from scratch: each call writes a new record (a new holdings array) and asks for a
 * full pass (TASK_FULL_RECOMPUTE), whatever its block held before. Figures are read at once.
 */
function fullPasses(paths: Paths): (input: RecalcInput) => { out: RecalcOutput; state: StateSnapshot } {
  const store = new LegStore(sc.underlyings, { nScenarios: N_SCEN });
  const runner = runnersOf(store, paths)[0] as LegStoreTaskRunner;
  return (x) => {
    const { out, states } = roundTrip(store, runner, [{ ...x, portfolioId: 'reference', holdings: [...x.holdings] }], TASK_FULL_RECOMPUTE);
    return { out: JSON.parse(JSON.stringify(out[0])) as RecalcOutput, state: states[0] as StateSnapshot };
  };
}

const close = (got: number, want: number): void => {
  // Relative to the figure, absolute (in currency) for figures near zero.
  expect(Math.abs(got - want)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(want)));
};

function expectFiguresOfFullPass(got: RecalcOutput, want: RecalcOutput): void {
  expect(JSON.parse(JSON.stringify(got.greeks))).toEqual(want.greeks);
  expect(JSON.parse(JSON.stringify(got.byUnderlying))).toEqual(want.byUnderlying);
  expect(got.marketValue).toBe(want.marketValue);
  expect(got.grossExposure).toBe(want.grossExposure);
  expect(got.marginRequirement).toBe(want.marginRequirement);
  close(got.var, want.var);
  close(got.es, want.es);
}

const input = (portfolioId: string, holdings: readonly Holding[], spots: ReadonlyMap<string, number>, nowMs: number, rate = RATE, withMargin = false): RecalcInput =>
  ({ portfolioId, holdings, spots, rate, nowMs, withMargin });

describe('incremental recalculation in the leg store', () => {
  for (const paths of ['js', 'simd', 'js and simd, alternating'] as const) {
    it(`gives the figures of a full pass on a fresh record after any sequence of ticks (${paths})`, () => {
      const rng = createRng(paths.length * 7919);
      const store = new LegStore(sc.underlyings, { nScenarios: N_SCEN });
      const runners = runnersOf(store, paths);
      const fullPass = fullPasses(paths);
      // Books over several underlyings, calls, puts and stock, EEE/FFF on the fallback column.
      const books = Array.from({ length: 6 }, (_, i) => holdingsOf(500 + i, 4 + 3 * i, TICKERS, 1 + (i % 3)));
      const spots = spotsOf();
      let nowMs = NOW_MS, rate = RATE, incremental = 0, full = 0;
      let previous: StateSnapshot[] = [];
      for (let step = 0; step < 120; step++) {
        // A tick: none, one or several underlyings move; now and then the clock jumps past
        // REVALUE_MS, the rate changes, margin is asked for or a book's holdings change.
        const moves = Math.floor(rng.nextUniform() * 4);
        for (let m = 0; m < moves; m++) {
          const t = TICKERS[Math.floor(rng.nextUniform() * TICKERS.length)] as string;
          spots.set(t, (spots.get(t) as number) * (1 + 0.02 * (rng.nextUniform() - 0.5)));
        }
        const event = rng.nextUniform();
        nowMs += event < 0.05 ? REVALUE_MS + 1 : Math.floor(rng.nextUniform() * 250);
        if (event > 0.97) rate += 0.001;
        if (event > 0.94 && event <= 0.97) books[step % books.length] = holdingsOf(900 + step, 8, TICKERS, 2);
        const withMargin = event > 0.9 && event <= 0.94;
        const market = new Map(spots);
        const inputs = books.map((h, i) => input(`p${i}`, h, market, nowMs, rate, withMargin && i === 0));
        const { out, states } = roundTrip(store, runners[step % runners.length] as LegStoreTaskRunner, inputs);
        for (let p = 0; p < inputs.length; p++) {
          const st = states[p] as StateSnapshot, before = previous[p];
          // The state's instant: the task's after a full pass, kept by an incremental one.
          if (st.updates === 0) full++;
          else {
            incremental++;
            expect(st.valuedAtMs).toBe(before?.valuedAtMs);
            expect(Math.abs(nowMs - st.valuedAtMs)).toBeLessThanOrEqual(REVALUE_MS);
          }
          const want = fullPass({ ...(inputs[p] as RecalcInput), nowMs: st.valuedAtMs });
          expectFiguresOfFullPass(out[p] as RecalcOutput, want.out);
          // Each scenario's loss to 1e-12 of the book's largest loss (a loss near zero is a
          // cancellation of larger group losses: its rounding is theirs).
          let scale = 1, worst = 0;
          for (let s = 0; s < N_SCEN; s++) {
            scale = Math.max(scale, Math.abs(want.state.sum[s] as number));
            worst = Math.max(worst, Math.abs((st.sum[s] as number) - (want.state.sum[s] as number)));
          }
          expect(worst).toBeLessThanOrEqual(1e-12 * scale);
        }
        previous = states;
      }
      // The sequence took both kinds of pass.
      expect(incremental).toBeGreaterThan(300);
      expect(full).toBeGreaterThan(30);
    });
  }

  it(`recomputes in full after ${FULL_RECOMPUTE_EVERY} incremental updates, which restores the full pass bit for bit`, () => {
    for (const paths of ['js', 'simd'] as const) {
      const store = new LegStore(sc.underlyings, { nScenarios: N_SCEN });
      const [runner] = runnersOf(store, paths) as [LegStoreTaskRunner];
      const fullPass = fullPasses(paths);
      const book = holdingsOf(77, 20, TICKERS, 2);
      const spots = spotsOf();
      const first = roundTrip(store, runner, [input('p', book, new Map(spots), NOW_MS)]).states[0] as StateSnapshot;
      expect(first.updates).toBe(0);
      let drifted = 0;
      for (let step = 1; step <= FULL_RECOMPUTE_EVERY + 1; step++) {
        const t = TICKERS[step % TICKERS.length] as string;
        spots.set(t, (spots.get(t) as number) * (step % 2 === 0 ? 1.013 : 0.991));
        const x = input('p', book, new Map(spots), NOW_MS);
        const { out, states } = roundTrip(store, runner, [x]);
        const st = states[0] as StateSnapshot;
        const want = fullPass(x);
        if (step <= FULL_RECOMPUTE_EVERY) {
          expect(st.updates).toBe(step);
          if (st.sum.some((v, s) => v !== want.state.sum[s])) drifted++;
        } else {
          expect(st.updates).toBe(0);
          expect(st.sum).toEqual(want.state.sum);
          expect((out[0] as RecalcOutput).var).toBe(want.out.var);
          expect((out[0] as RecalcOutput).es).toBe(want.out.es);
        }
      }
      expect(drifted).toBeGreaterThan(0); // the updates did round differently: the full pass is what restored it
    }
  });

  it('reprices only the options of the underlyings that moved, and none when nothing moved', () => {
    const store = new LegStore(sc.underlyings, { nScenarios: N_SCEN });
    const runner = new LegStoreTaskRunner(store.sab, sc);
    const book = holdingsOf(31, 20, TICKERS, 2);
    const spots = spotsOf();
    roundTrip(store, runner, [input('p', book, new Map(spots), NOW_MS)]);
    const onBBB = book.filter((h) => (h.instrument.kind === 'option' ? h.instrument.underlying : h.instrument.symbol) === 'BBB').length;
    expect(onBBB).toBeGreaterThan(0);
    spots.set('BBB', 80);
    const moved = store.prepare([input('p', book, new Map(spots), NOW_MS + 500)]);
    expect(runner.gather(viewTask(moved.buffer)).nLegs).toBe(onBBB);
    store.abandon(moved);
    const unmoved = store.prepare([input('p', book, spotsOf(), NOW_MS + 500)]);
    // Nothing moved since the state (the abandoned task wrote nothing): nothing to price.
    expect(runner.gather(viewTask(unmoved.buffer)).nLegs).toBe(0);
    store.abandon(unmoved);
    // A task may ask for a full pass itself.
    const full = roundTrip(store, runner, [input('p', book, spotsOf(), NOW_MS + 500)], TASK_FULL_RECOMPUTE).states[0] as StateSnapshot;
    expect(full.valuedAtMs).toBe(NOW_MS + 500);
  });

  it('values a new record in full even on a freed block whose stale state matches the task', () => {
    const store = new LegStore(sc.underlyings, { nScenarios: N_SCEN });
    const runner = new LegStoreTaskRunner(store.sab, sc);
    const old = holdingsOf(41, 12, TICKERS, 2);
    const market = spotsOf();
    const [oldRecord] = roundTrip(store, runner, [input('p', old, market, NOW_MS)]).records;
    // p's holdings change (same shape): its old record is freed on delivery, then q's new record,
    // of the same size, takes that block, stale state and all, at the same spots, instant and rate.
    roundTrip(store, runner, [input('p', [...old], market, NOW_MS)]);
    const other = holdingsOf(42, 12, TICKERS, 2);
    const { out, states, records } = roundTrip(store, runner, [input('q', other, market, NOW_MS)]);
    expect(records[0]).toBe(oldRecord);
    const want = fullPasses('js')(input('q', other, market, NOW_MS));
    expect((states[0] as StateSnapshot).sum).toEqual(want.state.sum);
    expect(JSON.parse(JSON.stringify(out[0]))).toEqual({ ...want.out, portfolioId: 'q' });
  });
});
