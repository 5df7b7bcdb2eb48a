/**
 * Real-time risk throughput: 1,000 portfolios × 20 European options over 50 underlyings, 500
 * synthetic one-day scenarios, dgv VaR 99% / ES 97.5%. Two book shapes: "spread" books draw each
 * option's underlying from all 50 (~17 per book, the kernel's worst case), "desk" books from a
 * window of 5 adjacent ones, as the real-time bench's demo books do (its figure to compare with).
 *
 * - kernelUsPerPortfolio / kernelSimdUsPerPortfolio: computeRiskBatch in this thread, batches of 64,
 *   µs per portfolio (Greeks, gross exposure, VaR/ES), dgv losses in JS / in WebAssembly SIMD (what
 *   the pool's workers run); also with the SPAN grid on every portfolio.
 * - packUsPerPortfolio / unpackUsPerPortfolio: the main-thread share: LegStore.prepare (RecalcInput →
 *   task buffer, records already written) and deliver (→ RecalcOutput).
 * - kernel figures include the worker's gather from the leg store and scatter back (leg-store-task.ts).
 * - CONTEND=1 keeps a second thread spinning while the kernel is timed: on a 2-vCPU VM whose vCPUs
 *   share a physical core (or its caches), that is what the risk workers meet under the real-time
 *   bench, where every vCPU is busy.
 * - pool: 2 threads (env THREADS), recalculate() calls of `batch` portfolios with `capacity` calls kept in flight
 *   for a fixed time (env SECONDS, default 3; capacity = 2 × TASKS_PER_THREAD, default 2; batch
 *   sizes from env BATCHES, default 16,32,64,128); recalculations per second and the latency of one call (p50/p99, ms) from
 *   submission to unpacked outputs.
 * The box is 2 cores shared with whatever else runs; figures are from one sitting. Needs a build
 * (the pool runs the compiled worker in dist/): `npm run build && npx tsx bench/risk-pool.bench.ts`.
 * The last line printed is one JSON object.
 */
import { loadavg } from 'node:os';
import { Worker } from 'node:worker_threads';
import { createDgvKernel } from '../src/engine/risk/realtime-dgv-wasm.js';
import { syntheticScenarioSet } from '../src/engine/risk/realtime-scenarios.js';
import type { RecalcInput } from '../src/engine/runtime/risk-calculator.js';
import { createRiskPool } from '../src/workers/risk-pool/risk-pool.js';
import { viewTask } from '../src/workers/risk-pool/leg-store-layout.js';
import { LegStore } from '../src/workers/risk-pool/leg-store.js';
import { LegStoreTaskRunner } from '../src/workers/risk-pool/leg-store-task.js';
import { N_OPTIONS, N_UNDERLYINGS, NOW_MS, portfolio, spots, tickers } from './risk-books.js';

const N_PORTFOLIOS = 1000;
const BATCHES = (process.env.BATCHES ?? '16,32,64,128').split(',').map(Number);
const SECONDS = Number(process.env.SECONDS ?? 3);
const TASKS_PER_THREAD = Number(process.env.TASKS_PER_THREAD ?? 2);
const THREADS = Number(process.env.THREADS ?? 2);
const CONTEND = process.env.CONTEND === '1';

const inputs: RecalcInput[] = Array.from({ length: N_PORTFOLIOS }, (_, i) => ({
  portfolioId: `p${i}`, holdings: portfolio(i + 1), spots, rate: 0.04, nowMs: NOW_MS, withMargin: false,
}));
const deskInputs: RecalcInput[] = Array.from({ length: N_PORTFOLIOS }, (_, i) => ({
  portfolioId: `d${i}`, holdings: portfolio(i + 1, 5), spots, rate: 0.04, nowMs: NOW_MS, withMargin: false,
}));
const scR = syntheticScenarioSet({ underlyings: tickers, dailyVol: 0.02, correlation: 0.3, seed: 42 });
if (!scR.ok) throw new Error(scR.message);
const sc = scR.value;

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] as number;
};

function chunks<T>(xs: readonly T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

/** Best of `reps` timings of `fn` over all 1,000 portfolios, µs per portfolio. */
function usPerPortfolio(reps: number, fn: () => void): number {
  let best = Infinity;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    fn();
    best = Math.min(best, ((performance.now() - t0) * 1000) / N_PORTFOLIOS);
  }
  return best;
}

function measureKernel(inputs: readonly RecalcInput[]): { kernelUs: number; kernelSimdUs: number; kernelWithMarginUs: number; packUs: number; unpackUs: number; groupsPerPortfolio: number } {
  const store = new LegStore(sc.underlyings);
  const parts = chunks(inputs, 64);
  const js = new LegStoreTaskRunner(store.sab, sc);
  const simd = new LegStoreTaskRunner(store.sab, sc, undefined, createDgvKernel(sc));
  // First prepare writes every record (once per holdings change in the engine, not timed); the
  // first result leaves each record the tail hint a live portfolio has from its last recalculation.
  for (const c of parts) { const t = store.prepare(c); simd.run(viewTask(t.buffer)); store.deliver(t, t.buffer); }
  const groups = inputs.reduce((a, x) => a + new Set(x.holdings.map((h) => (h.instrument.kind === 'option' ? h.instrument.underlying : h.instrument.symbol))).size, 0) / N_PORTFOLIOS;
  const tasks = parts.map((c) => store.prepare(c));
  const kernelUs = usPerPortfolio(15, () => { for (const t of tasks) js.run(viewTask(t.buffer)); });
  const kernelSimdUs = usPerPortfolio(15, () => { for (const t of tasks) simd.run(viewTask(t.buffer)); });
  for (const t of tasks) store.deliver(t, t.buffer);
  // The event loop's share per recalculation: the task buffer out, the outputs back.
  const packUs = usPerPortfolio(15, () => { for (const c of parts) store.abandon(store.prepare(c)); });
  const pending = parts.map((c) => store.prepare(c));
  const unpackUs = usPerPortfolio(1, () => { for (const t of pending) store.deliver(t, t.buffer); });
  const withMargin = chunks(inputs.map((x) => ({ ...x, withMargin: true })), 64).map((c) => store.prepare(c));
  const kernelWithMarginUs = usPerPortfolio(3, () => { for (const t of withMargin) simd.run(viewTask(t.buffer)); });
  return { kernelUs, kernelSimdUs, kernelWithMarginUs, packUs, unpackUs, groupsPerPortfolio: groups };
}

async function measurePool(batch: number): Promise<{ batch: number; recalcPerSec: number; callP50Ms: number; callP99Ms: number; runP50Ms: number; utilization: number }> {
  const pool = createRiskPool({ threads: THREADS, maxBatch: batch, tasksPerThread: TASKS_PER_THREAD, scenarios: sc });
  const parts = chunks(inputs, batch);
  const inFlight = pool.capacity;
  const latencies: number[] = [];
  let done = 0, next = 0, stop = false;
  // Warm-up: JIT in both workers.
  await Promise.all(parts.slice(0, 8).map((c) => pool.recalculate(c)));
  const t0 = performance.now();
  // The pool allows one recalculation per portfolio in flight: a lane skips a chunk another lane
  // still holds (a slow lane can be a whole lap behind the others).
  const busy = new Set<number>();
  const lane = async (): Promise<void> => {
    while (!stop) {
      while (busy.has(next % parts.length)) next++;
      const i = next++ % parts.length;
      const c = parts[i] as RecalcInput[];
      busy.add(i);
      const s = performance.now();
      await pool.recalculate(c);
      busy.delete(i);
      latencies.push(performance.now() - s);
      done += c.length;
    }
  };
  const timer = setTimeout(() => { stop = true; }, SECONDS * 1000);
  await Promise.all(Array.from({ length: inFlight }, lane));
  clearTimeout(timer);
  const elapsed = (performance.now() - t0) / 1000;
  const st = pool.stats();
  await pool.close();
  return {
    batch, recalcPerSec: Math.round(done / elapsed), callP50Ms: +quantile(latencies, 0.5).toFixed(3),
    callP99Ms: +quantile(latencies, 0.99).toFixed(3), runP50Ms: +st.runTimeP50Ms.toFixed(3), utilization: +st.utilization.toFixed(2),
  };
}

const spinner = CONTEND ? new Worker('for (;;) {}', { eval: true }) : undefined;
const k = measureKernel(inputs);
const desk = measureKernel(deskInputs);
await spinner?.terminate();
for (const [shape, x] of [['spread', k], ['desk', desk]] as const) {
  console.log(`kernel (1 thread${CONTEND ? ', another spinning' : ''}), ${shape} books: JS ${x.kernelUs.toFixed(2)}, SIMD ${x.kernelSimdUs.toFixed(2)} µs/portfolio (${x.groupsPerPortfolio.toFixed(1)} underlyings, ${N_OPTIONS} options, ${sc.nScenarios} scenarios); with SPAN ${x.kernelWithMarginUs.toFixed(1)} µs`);
}
console.log(`main thread: pack ${k.packUs.toFixed(2)} µs/portfolio, unpack ${k.unpackUs.toFixed(2)} µs/portfolio`);
const rows = [];
for (const b of BATCHES) rows.push(await measurePool(b));
console.log('\nbatch  recalc/s   call p50 ms  call p99 ms  worker run p50 ms  utilization');
for (const r of rows) {
  console.log(`${String(r.batch).padStart(5)}  ${String(r.recalcPerSec).padStart(8)}  ${r.callP50Ms.toFixed(3).padStart(11)}  ${r.callP99Ms.toFixed(3).padStart(11)}  ${r.runP50Ms.toFixed(3).padStart(17)}  ${r.utilization.toFixed(2).padStart(11)}`);
}
console.log(JSON.stringify({
  portfolios: N_PORTFOLIOS, options: N_OPTIONS, underlyings: N_UNDERLYINGS, scenarios: sc.nScenarios,
  kernelUsPerPortfolio: +k.kernelUs.toFixed(3), kernelSimdUsPerPortfolio: +k.kernelSimdUs.toFixed(3), loadAverage: +loadavg()[0]!.toFixed(2),
  kernelWithMarginUsPerPortfolio: +k.kernelWithMarginUs.toFixed(2), contended: CONTEND,
  desk: { kernelUsPerPortfolio: +desk.kernelUs.toFixed(3), kernelSimdUsPerPortfolio: +desk.kernelSimdUs.toFixed(3), groupsPerPortfolio: +desk.groupsPerPortfolio.toFixed(2) },
  packUsPerPortfolio: +k.packUs.toFixed(3), unpackUsPerPortfolio: +k.unpackUs.toFixed(3), threads: THREADS, tasksPerThread: TASKS_PER_THREAD, pool: rows,
}));
