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
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { realtimeRiskConfig, withFallbackReturns } from '../../engine/risk/realtime-config.js';
import { checkScenarioSet } from '../../engine/risk/realtime-risk.js';
import type { RecalcInput, RecalcOutput, RiskCalculator, RiskCalculatorStats } from '../../engine/runtime/risk-calculator.js';
import { riskPoolErrors } from './errors.js';
import { type RiskPoolOptions, normaliseRiskPoolOptions } from './risk-pool-options.js';
import { LegStore } from './leg-store.js';
import type { RiskTask, RiskWorkerData } from './risk-protocol.js';

export type { RiskPoolOptions } from './risk-pool-options.js';

export interface RiskPoolStats extends RiskCalculatorStats {
  /** Task run time in the worker, ms (piscina's histogram). */
  readonly runTimeP50Ms: number;
  /** Time a task waited for a thread, ms. */
  readonly waitTimeP50Ms: number;
  /** The scheduling asked for, and how many threads got SCHED_IDLE / failed to (see thread-priority.ts). */
  readonly priority: { readonly requested: 'idle' | 'low' | 'normal'; readonly schedIdle: number; readonly schedIdleFailed: number };

}

/** The risk pool: a RiskCalculator with piscina's latency figures in its stats. */
export interface RiskPool extends RiskCalculator {
  stats(): RiskPoolStats;
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
  const store = new LegStore(sc.underlyings);
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
  const pool = new Piscina<RiskTask, ArrayBuffer>({
    filename: workerFile.href,
    minThreads: o.threads,
    maxThreads: o.threads,
    idleTimeout: 60_000,
    maxQueue: o.maxQueue,
    concurrentTasksPerWorker: o.tasksPerThread,
    niceIncrement: o.priority === 'normal' ? 0 : 19,
    workerData,
  });
  let recalculations = 0;
  let closed = false;

  async function runChunk(chunk: readonly RecalcInput[]): Promise<RecalcOutput[]> {
    const task = store.prepare(chunk);
    let answered: ArrayBuffer;
    try {
      answered = await pool.run({ buffer: task.buffer }, { transferList: [task.buffer] });
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
      const h = pool.histogram;
      return {
        threads: pool.threads.length,
        // piscina 5.3.2's own `utilization` divides its (already ms) mean run time by 1000 again and so
        // reads 1000× too low; this is the same definition, busy time over threads × lifetime.
        utilization: Math.min(1, (h.runTime.mean * pool.completed) / (pool.duration * o.threads)) || 0,
        queueSize: pool.queueSize,
        completedTasks: pool.completed,
        recalculations,
        runTimeP50Ms: h.runTime.p50,
        waitTimeP50Ms: h.waitTime.p50,
        priority: { requested: o.priority, schedIdle: Atomics.load(report, 0), schedIdleFailed: Atomics.load(report, 1) },
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.destroy();
    },
  };
}
