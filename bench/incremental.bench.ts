/**
 * Recompute only what a tick moved (workers/risk-pool/leg-store-task.ts): the worker's cost per book
 * of a recalculation after a tick on ONE of its underlyings, incrementally (the record's loss state
 * revalues that underlying's group only) and in full (TASK_FULL_RECOMPUTE: every group), on the
 * same tasks, side by side in one run: 1,000 "desk" books (20 European options over a window of 5
 * adjacent underlyings of 50, as risk-pool.bench.ts), 500 scenarios, SIMD loss kernel, batches of
 * up to 64, in this thread (gather, kernel and scatter; no event-loop share).
 *
 * Ticks: underlying U00, then U01, …, U49, each moving 0.1 % (alternately up and back); after a tick
 * on U the tasks value the books holding U, each of which has exactly that one underlying moved
 * since its last valuation. The incremental figure includes the full pass every
 * FULL_RECOMPUTE_EVERY updates that the state takes (amortised, as in production). Also shown: a
 * store without loss state (every pass full, no state written), the kernel as it was.
 * Best of REPS (env, default 7) rounds of all 50 ticks per mode, modes interleaved (A, B, C, A, …):
 * the machine is shared, so compare the figures of one run.
 *   npx tsx bench/incremental.bench.ts
 * The last line printed is one JSON object.
 */
import { loadavg } from 'node:os';
import { createDgvKernel } from '../src/engine/risk/realtime-dgv-wasm.js';
import { syntheticScenarioSet } from '../src/engine/risk/realtime-scenarios.js';
import type { RecalcInput } from '../src/engine/runtime/risk-calculator.js';
import { TASK_FULL_RECOMPUTE, type TaskView, viewTask } from '../src/workers/risk-pool/leg-store-layout.js';
import { LegStore } from '../src/workers/risk-pool/leg-store.js';
import { FULL_RECOMPUTE_EVERY, LegStoreTaskRunner } from '../src/workers/risk-pool/leg-store-task.js';
import { NOW_MS, portfolio, spots, tickers } from './risk-books.js';

const N_BOOKS = 1000;
const BATCH = 64;
const REPS = Number(process.env.REPS ?? 7);

const scR = syntheticScenarioSet({ underlyings: tickers, dailyVol: 0.02, correlation: 0.3, seed: 42 });
if (!scR.ok) throw new Error(scR.message);
const sc = scR.value;
const dgv = createDgvKernel(sc);
if (!dgv) throw new Error('WebAssembly SIMD is unavailable: this bench measures the SIMD kernel');

const books: RecalcInput[] = Array.from({ length: N_BOOKS }, (_, i) => ({
  portfolioId: `d${i}`, holdings: portfolio(i + 1, 5), spots, rate: 0.04, nowMs: NOW_MS, withMargin: false,
}));
const held = (x: RecalcInput, u: string): boolean => x.holdings.some((h) => h.instrument.kind === 'option' && h.instrument.underlying === u);

/** A tick on one underlying: its index in the spot vector, its starting spot, the tasks of the books holding it. */
interface Tick { readonly spotId: number; readonly base: number; readonly tasks: TaskView[] }

/**
 * Per underlying, the tasks valuing the books that hold it, copied from prepared ones (a book is in
 * several underlyings' tasks, and the store allows one task in flight per book: each is prepared,
 * copied, abandoned). Every book is first valued twice, so both result regions and the tail hints
 * hold its figures, as a live book's do.
 */
function ticksOf(store: LegStore, runner: LegStoreTaskRunner, flags: number): Tick[] {
  for (let r = 0; r < 2; r++) {
    for (let i = 0; i < N_BOOKS; i += BATCH) {
      const t = store.prepare(books.slice(i, i + BATCH));
      runner.run(viewTask(t.buffer));
      store.deliver(t, t.buffer);
    }
  }
  return tickers.map((u, spotId) => {
    const mine = books.filter((x) => held(x, u));
    const tasks: TaskView[] = [];
    for (let i = 0; i < mine.length; i += BATCH) {
      const t = store.prepare(mine.slice(i, i + BATCH));
      const view = viewTask(t.buffer.slice(0));
      store.abandon(t);
      for (let p = 0; p < view.nPortfolios; p++) view.flags[p] = (view.flags[p] as number) | flags;
      tasks.push(view);
    }
    // The store's spot ids: the scenario underlyings first, in order.
    return { spotId, base: spots.get(u) as number, tasks };
  });
}

/** The market of one store: its spot vector, and whether its next round moves spots up or back. */
interface Market { readonly spots: Float64Array; up: boolean }
const marketOf = (): Market => ({ spots: Float64Array.from(tickers, (u) => spots.get(u) as number), up: true });

/**
 * One round: a tick on each underlying in turn (0.1 % up, or back down on the next round of this
 * store), each followed by the tasks of the books holding it. µs per book valued.
 */
function oneRound(runner: LegStoreTaskRunner, ticks: readonly Tick[], market: Market): number {
  const factor = market.up ? 1.001 : 1;
  market.up = !market.up;
  let n = 0;
  const t0 = performance.now();
  for (const tick of ticks) {
    market.spots[tick.spotId] = tick.base * factor;
    for (const view of tick.tasks) {
      view.spots.set(market.spots); // the market as of this tick: no allocation, a 400-byte copy
      runner.run(view);
      n += view.nPortfolios;
    }
  }
  return ((performance.now() - t0) * 1000) / n;
}

const stateful = new LegStore(sc.underlyings, { nScenarios: sc.nScenarios });
const statefulRunner = new LegStoreTaskRunner(stateful.sab, sc, undefined, dgv);
const incremental = ticksOf(stateful, statefulRunner, 0);
const full = ticksOf(stateful, statefulRunner, TASK_FULL_RECOMPUTE);
const stateless = new LegStore(sc.underlyings);
const statelessRunner = new LegStoreTaskRunner(stateless.sab, sc, undefined, dgv);
const noState = ticksOf(stateless, statelessRunner, 0);
const valued = incremental.reduce((a, t) => a + t.tasks.reduce((b, v) => b + v.nPortfolios, 0), 0);

// The stateful store's records are valued by both modes: one market for both, so that each round
// moves every book's underlyings once relative to its state, whichever mode ran the round before.
const statefulMarket = marketOf(), statelessMarket = marketOf();
const best = { incremental: Infinity, full: Infinity, noState: Infinity };
for (let r = 0; r < REPS; r++) {
  best.incremental = Math.min(best.incremental, oneRound(statefulRunner, incremental, statefulMarket));
  best.full = Math.min(best.full, oneRound(statefulRunner, full, statefulMarket));
  best.noState = Math.min(best.noState, oneRound(statelessRunner, noState, statelessMarket));
}
console.log(`desk books (5-underlying window, 20 options, ${sc.nScenarios} scenarios), SIMD, ${valued} book valuations per round, best of ${REPS}:`);
console.log(`  one underlying moved, incremental:    ${best.incremental.toFixed(2)} µs/book (full pass every ${FULL_RECOMPUTE_EVERY + 1}th, amortised)`);
console.log(`  one underlying moved, full recompute: ${best.full.toFixed(2)} µs/book`);
console.log(`  no loss state (every pass full):      ${best.noState.toFixed(2)} µs/book`);
console.log(JSON.stringify({
  books: N_BOOKS, scenarios: sc.nScenarios, batch: BATCH, reps: REPS, valuationsPerRound: valued,
  incrementalUsPerBook: +best.incremental.toFixed(3), fullUsPerBook: +best.full.toFixed(3), noStateUsPerBook: +best.noState.toFixed(3),
  speedup: +(best.full / best.incremental).toFixed(2), loadAverage: +loadavg()[0]!.toFixed(2),
}));
