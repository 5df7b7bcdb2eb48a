/**
 * The risk pool's isolated throughput on the bench's books: createRiskPool with the engine's
 * settings (threads, batch size, tasks per thread, priority, VaR), kept full for a few seconds
 * before the engine starts (a quiet machine), the way the engine's recalc pump keeps it: `capacity`
 * calls of one batch each in flight, at most one recalculation per book in flight, the SPAN grid on
 * a book once per MARGIN_REFRESH_MS, a fifth of the underlyings moved before each batch. Its recalculations per second are the most the engine's
 * `recalculations/s` could be with nothing else to do (goals.ts).
 */
import { performance } from 'node:perf_hooks';
import type { DemoUnderlying } from '../../src/engine/market/demo-market.js';
import type { DemoPortfolio } from '../../src/engine/market/demo-portfolios.js';
import type { RecalcInput } from '../../src/engine/runtime/risk-calculator.js';
import { createRiskPool } from '../../src/workers/risk-pool/risk-pool.js';
import { type EnginePoolSettings, engineScenarioSet, recalcInputs } from './engine-risk-inputs.js';

export interface PoolFloor {
  readonly recalcsPerSec: number;
  readonly threads: number;
  readonly batch: number;
  readonly seconds: number;
  /** Fraction of the pool's thread time spent running tasks. */
  readonly utilization: number;
}

export async function measurePoolFloor(books: readonly DemoPortfolio[], underlyings: readonly DemoUnderlying[], s: EnginePoolSettings, seconds: number): Promise<PoolFloor> {
  const pool = createRiskPool({
    threads: s.threads, maxBatch: s.maxBatch, tasksPerThread: s.tasksPerThread, priority: s.priority,
    varConfidence: s.varConfidence, scenarios: engineScenarioSet(),
  });
  try {
    const inputs = recalcInputs(books, underlyings, s.rate, Date.now());
    const parts: RecalcInput[][] = [];
    for (let i = 0; i < inputs.length; i += s.maxBatch) parts.push(inputs.slice(i, i + s.maxBatch));
    const lastMarginMs = new Map<string, number>();
    // Move a fifth of the underlyings before each batch, as the load's ticks do between two
    // valuations of a book: a book then has about one moved underlying, and the pool revalues what
    // moved (incremental, leg-store-task.ts), not a book whose spots stood still (nearly free).
    const spots = (inputs[0]?.spots ?? new Map()) as Map<string, number>;
    const symbols = [...spots.keys()];
    let turn = 0;
    const move = (): void => {
      const n = Math.max(1, Math.round(symbols.length / 5));
      for (let i = 0; i < n; i++) {
        const u = symbols[(turn * n + i) % symbols.length] as string;
        spots.set(u, (spots.get(u) as number) * (turn % 2 === 0 ? 1.0001 : 0.9999));
      }
      turn++;
    };
    const run = async (part: RecalcInput[]): Promise<void> => {
      move();
      const nowMs = Date.now();
      for (const x of part) {
        const m = nowMs - (lastMarginMs.get(x.portfolioId) ?? -Infinity) >= s.marginRefreshMs;
        // As the engine's pump does: the inputs are its own, refreshed in place per batch.
        (x as { nowMs: number; withMargin: boolean }).nowMs = nowMs;
        (x as { withMargin: boolean }).withMargin = m;
        if (m) lastMarginMs.set(x.portfolioId, nowMs);
      }
      await pool.recalculate(part);
    };
    // Warm-up: every record written, the JIT warm in every worker.
    for (let i = 0; i < parts.length; i += pool.capacity) await Promise.all(parts.slice(i, i + pool.capacity).map(run));
    const busy = new Set<number>();
    let next = 0;
    let done = 0;
    let stop = false;
    const lane = async (): Promise<void> => {
      while (!stop) {
        while (busy.has(next % parts.length)) next++;
        const i = next++ % parts.length;
        busy.add(i);
        await run(parts[i] as RecalcInput[]);
        busy.delete(i);
        done += (parts[i] as RecalcInput[]).length;
      }
    };
    const t0 = performance.now();
    const timer = setTimeout(() => { stop = true; }, seconds * 1000);
    await Promise.all(Array.from({ length: Math.min(pool.capacity, parts.length) }, lane));
    clearTimeout(timer);
    const elapsed = (performance.now() - t0) / 1000;
    return { recalcsPerSec: Math.round(done / elapsed), threads: s.threads, batch: s.maxBatch, seconds: Math.round(elapsed * 100) / 100, utilization: Math.round(pool.stats().utilization * 100) / 100 };
  } finally {
    await pool.close();
  }
}
