/**
 * The RiskCalculator behind the real-time stream: a piscina pool of worker threads running
 * computeRiskBatch on the portfolios a task names in the leg store (leg-store.ts; byte
 * layouts in leg-store-layout.ts). A task carries record offsets, spots and flags; the legs were
 * written to the store when the holdings changed, and the figures come back in the store.
 *
 * The worker is always the compiled dist/src/workers/risk-pool/risk-worker.js, loaded through its CommonJS
 * entry risk-worker-entry.cjs (why: that file's comment): from the compiled pool it is the sibling
 * file; when this module runs from source (tsx, vitest) it resolves to the same dist path, so the
 * pool needs `npm run build` first (worker threads get no TypeScript loader).
 */
import { existsSync } from 'node:fs';
import type { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { realtimeRiskConfig, withFallbackReturns } from '../../engine/risk/realtime-config.js';
import { checkScenarioSet } from '../../engine/risk/realtime-risk.js';
import type { RecalcInput, RecalcOutput, RiskCalculator, RiskCalculatorStats } from '../../engine/runtime/risk-calculator.js';
import type { RiskSweep } from '../../engine/runtime/risk-sweep.js';
import { riskPoolErrors } from './errors.js';
import { type RiskPoolOptions, normaliseRiskPoolOptions } from './risk-pool-options.js';
import { LegStore } from './leg-store.js';
import type { RiskTask, RiskWorkerData } from './risk-protocol.js';
import { SweepBook, sweepPort } from './sweep-book.js';

/** A shard whose worker died is handed to a new one after this pause (a worker that dies at once cannot spin the pool). */
const RESTART_DELAY_MS = 50;

export type { RiskPoolOptions } from './risk-pool-options.js';

export interface RiskPoolStats extends RiskCalculatorStats {
  /** Task run time in the worker, ms (piscina's histogram). */
  readonly runTimeP50Ms: number;
  /** Time a task waited for a thread, ms. */
  readonly waitTimeP50Ms: number;
  /** The scheduling asked for, and how many threads got SCHED_IDLE / failed to (see thread-priority.ts). */
  readonly priority: { readonly requested: 'idle' | 'low' | 'normal'; readonly schedIdle: number; readonly schedIdleFailed: number };

}

/** The risk pool: a RiskCalculator with piscina's latency figures in its stats, which can also sweep. */
export interface RiskPool extends RiskCalculator {
  stats(): RiskPoolStats;
  openSweep(opts: { readonly marginRefreshMs: number }): RiskSweep;
  /** The sweep's worker threads (none before openSweep). Terminating one is a worker dying: its shard is taken over. */
  sweepThreads(): readonly Worker[];
}

/** A sweeping pool's parts: the shared book, the pool its shard tasks run in, and their fates. */
interface SweepState {
  readonly book: SweepBook;
  readonly pool: Piscina<RiskTask, number>;
  readonly running: Promise<void>[];
  restarts: number;
  lastError: string | undefined;
  stopped: boolean;
}

export function defaultRiskWorkerFile(): URL {
  const here = import.meta.url;
  return here.endsWith('.ts')
    ? new URL('../../../dist/src/workers/risk-pool/risk-worker-entry.cjs', here)
    : new URL('./risk-worker-entry.cjs', here);
}

function sharedCopy(a: Float64Array): SharedArrayBuffer {
  const sab = new SharedArrayBuffer(a.byteLength);
  new Float64Array(sab).set(a);
  return sab;
}

/**
 * piscina loads @napi-rs/nice inside each worker and ignores a failure silently, which would leave
 * the workers competing with the event loop at equal priority; load it here first so that a
 * missing or broken binary stops the start with a clear error instead.
 */
function requireNice(): void {
  try {
    const nice = createRequire(import.meta.url)('@napi-rs/nice') as { nice?: unknown };
    if (typeof nice.nice !== 'function') throw new Error('it exports no nice()');
  } catch (err) {
    throw riskPoolErrors.badOption('priority', 'idle or low', `a platform where @napi-rs/nice loads (${(err as Error).message})`);
  }
}

export function createRiskPool(options: RiskPoolOptions): RiskPool {
  const o = normaliseRiskPoolOptions(options);
  const sc = o.scenarios;
  checkScenarioSet(sc);
  const workerFile = o.workerFile ?? defaultRiskWorkerFile();
  if (workerFile.protocol === 'file:' && !existsSync(fileURLToPath(workerFile))) {
    throw riskPoolErrors.workerNotBuilt(fileURLToPath(workerFile));
  }
  if (o.priority !== 'normal') requireNice();
  const priorityReport = new SharedArrayBuffer(8);
  const config = realtimeRiskConfig(sc.underlyings, o.varConfidence, o.esConfidence, o.span);
  const store = new LegStore(sc.underlyings, { nScenarios: sc.nScenarios });
  const report = new Int32Array(priorityReport);
  const workerData: RiskWorkerData = {
    returns: sharedCopy(sc.returns),
    fallbackReturns: sharedCopy(withFallbackReturns(sc).fallbackReturns),
    nScenarios: sc.nScenarios,
    underlyings: [...sc.underlyings],
    config,
    simd: o.simd,
    legStore: store.sab,
    schedIdle: o.priority === 'idle',
    priorityReport,
  };
  const piscinaOptions = {
    filename: workerFile.href,
    minThreads: o.threads,
    maxThreads: o.threads,
    idleTimeout: 60_000,
    maxQueue: o.maxQueue,
    concurrentTasksPerWorker: o.tasksPerThread,
    niceIncrement: o.priority === 'normal' ? 0 : 19,
    workerData,
  };
  // The batch pool starts with the first recalculate(): an engine that sweeps never uses it.
  let batchPool: Piscina<RiskTask, ArrayBuffer> | undefined;
  const tasks = (): Piscina<RiskTask, ArrayBuffer> => (batchPool ??= new Piscina<RiskTask, ArrayBuffer>(piscinaOptions));
  let sweep: SweepState | undefined;
  let recalculations = 0;
  let closed = false;

  async function runChunk(chunk: readonly RecalcInput[]): Promise<RecalcOutput[]> {
    const task = store.prepare(chunk);
    let answered: ArrayBuffer;
    try {
      answered = await tasks().run({ buffer: task.buffer }, { transferList: [task.buffer] });
    } catch (err) {
      store.abandon(task);
      throw riskPoolErrors.taskFailed(chunk.map((x) => x.portfolioId), err);
    }
    recalculations += chunk.length;
    return store.deliver(task, answered);
  }

  return {
    varConfidence: o.varConfidence,
    esConfidence: o.esConfidence,
    capacity: o.threads * o.tasksPerThread,
    async recalculate(batch) {
      if (closed) throw riskPoolErrors.closed();
      if (batch.length <= o.maxBatch) return batch.length === 0 ? [] : runChunk(batch);
      const parts: Promise<RecalcOutput[]>[] = [];
      for (let i = 0; i < batch.length; i += o.maxBatch) parts.push(runChunk(batch.slice(i, i + o.maxBatch)));
      // Settle once every task has: rejecting at the first failure would tell the caller the batch
      // is over while other tasks still hold its portfolios in flight.
      const settled = await Promise.allSettled(parts);
      const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
      return settled.flatMap((r) => (r as PromiseFulfilledResult<RecalcOutput[]>).value);
    },
    stats() {
      const fromSweep = sweep?.book.counters();
      const p = sweep?.pool ?? batchPool;
      const h = p?.histogram;
      return {
        threads: p?.threads.length ?? 0,
        // piscina 5.3.2's own `utilization` divides its (already ms) mean run time by 1000 again and so
        // reads 1000× too low; this is the same definition, busy time over threads × lifetime.
        // A sweeping pool's tasks last as long as the pool, so this reads 0 for it until they end.
        utilization: p && h ? Math.min(1, (h.runTime.mean * p.completed) / (p.duration * o.threads)) || 0 : 0,
        queueSize: p?.queueSize ?? 0,
        completedTasks: p?.completed ?? 0,
        recalculations: recalculations + (fromSweep?.recalculations ?? 0),
        runTimeP50Ms: h?.runTime.p50 ?? 0,
        waitTimeP50Ms: h?.waitTime.p50 ?? 0,
        priority: { requested: o.priority, schedIdle: Atomics.load(report, 0), schedIdleFailed: Atomics.load(report, 1) },
        ...(sweep ? { sweep: { shards: o.threads, restarts: sweep.restarts, failed: fromSweep?.failed ?? 0 } } : {}),
      };
    },
    openSweep({ marginRefreshMs }) {
      if (closed) throw riskPoolErrors.closed();
      if (sweep) throw riskPoolErrors.sweepOpen();
      const book = new SweepBook(store, { nShards: o.threads, marginRefreshMs, maxBatch: o.maxBatch });
      const pool = new Piscina<RiskTask, number>({ ...piscinaOptions, maxQueue: o.threads, concurrentTasksPerWorker: 1 });
      const s: SweepState = (sweep = { book, pool, running: [], restarts: 0, lastError: undefined, stopped: false });
      // One long task per shard. A worker that dies rejects its task; piscina starts another thread
      // and the shard's task goes to it: the shard is taken over, nothing of it is lost.
      const runShard = (shard: number): Promise<void> =>
        pool.run({ sweep: book.shared, shard }).then(
          () => undefined,
          async (err: unknown) => {
            if (closed) return;
            book.workerGone(shard);
            s.restarts++;
            s.lastError = String(err);
            await new Promise((r) => setTimeout(r, RESTART_DELAY_MS));
            if (!closed) return runShard(shard);
          },
        );
      for (let shard = 0; shard < o.threads; shard++) s.running.push(runShard(shard));
      return sweepPort(book, closeSweep);
    },
    sweepThreads() {
      return sweep?.pool.threads ?? [];
    },
    async close() {
      if (closed) return;
      closed = true;
      await closeSweep();
      await batchPool?.destroy();
    },
  };

  async function closeSweep(): Promise<void> {
    const s = sweep;
    if (!s || s.stopped) return;
    s.stopped = true;
    s.book.stop();
    await Promise.allSettled(s.running);
    await s.pool.destroy();
  }
}

