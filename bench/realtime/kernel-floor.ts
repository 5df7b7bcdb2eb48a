/**
 * The risk kernel's µs per book on the bench's books, measured in a worker thread of the bench
 * process by the method of bench/risk-pool.bench.ts (computeRiskBatch through LegStore +
 * LegStoreTaskRunner, the SIMD kernel as the pool's workers run it, batches of the engine's size,
 * best of several passes over every book): alone, and with a second thread spinning (its CONTEND=1:
 * what a risk worker meets when every vCPU is busy). Measured before the engine starts, it is the
 * kernel alone on a quiet machine; `underLoad()` times it once more while the load runs.
 *
 * Its use (goals.ts): a tick can reach a book's risk no sooner than the pool can sweep every book,
 * books × µs per book ÷ the engine's risk threads.
 */
import { Worker } from 'node:worker_threads';
import type { DemoUnderlying } from '../../src/engine/market/demo-market.js';
import type { DemoPortfolio } from '../../src/engine/market/demo-portfolios.js';
import type { EnginePoolSettings } from './engine-risk-inputs.js';
import type { KernelFloorRequest, KernelTiming } from './kernel-floor-worker.js';

export type { KernelTiming } from './kernel-floor-worker.js';

export interface KernelFloor {
  readonly books: number;
  /** µs per book, this thread alone on a quiet machine. */
  readonly alone: KernelTiming;
  /** µs per book with another thread spinning beside it. */
  readonly busy: KernelTiming;
}

export interface KernelFloorThread {
  readonly quiet: KernelFloor;
  /** Times the kernel again now (while the load runs), briefly: a few passes. */
  underLoad(): Promise<KernelTiming>;
  close(): Promise<void>;
}

export async function startKernelFloor(books: readonly DemoPortfolio[], underlyings: readonly DemoUnderlying[], settings: EnginePoolSettings): Promise<KernelFloorThread> {
  const worker = new Worker(new URL('./kernel-floor-worker.js', import.meta.url), { workerData: { books, underlyings, settings } });
  const replies: ((m: unknown) => void)[] = [];
  let failed: Error | undefined;
  worker.on('message', (m: unknown) => replies.shift()?.(m));
  worker.on('error', (e: Error) => { failed = e; });
  const next = (): Promise<unknown> => new Promise((resolve, reject) => {
    if (failed) { reject(failed); return; }
    replies.push(resolve);
    worker.once('error', reject);
  });
  const ask = async (req: KernelFloorRequest): Promise<KernelTiming> => {
    const reply = next();
    worker.postMessage(req);
    return (await reply) as KernelTiming;
  };
  try {
    await next(); // 'ready': inputs built, records written, JIT warm
    const alone = await ask({ spinner: false, minMs: 800, maxReps: 15 });
    const busy = await ask({ spinner: true, minMs: 800, maxReps: 15 });
    return {
      quiet: { books: books.length, alone, busy },
      // Three passes: long enough to time, short enough not to change the load it times.
      underLoad: () => ask({ spinner: false, minMs: 0, maxReps: 3 }),
      close: async () => { await worker.terminate(); },
    };
  } catch (e) {
    await worker.terminate();
    throw e;
  }
}
