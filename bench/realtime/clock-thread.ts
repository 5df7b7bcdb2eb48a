/**
 * A punctual wake-up for the load generator's event loop without spinning it. setTimeout wakes up
 * to ~1 ms late, which at sub-millisecond latencies would dominate every figure (latencies are
 * measured from the due time); spinning on setImmediate is punctual but takes a whole core from the
 * engine on a 2-core machine. Here a helper thread sleeps in Atomics.wait, whose timeout has
 * microsecond resolution, and wakes the event loop with one message at the due time.
 */
import { Worker } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';

export const CLOCK_SEQ = 0;
export const CLOCK_STOP = 1;
export const CLOCK_DUE = 0;

export interface ClockThread {
  /** Calls `fn` once at `dueMs` (performance.now() clock of this thread), replacing any earlier request. */
  wakeAt(dueMs: number, fn: () => void): void;
  close(): Promise<void>;
}

export function startClockThread(): ClockThread {
  const sab = new SharedArrayBuffer(24);
  const i32 = new Int32Array(sab, 0, 4);
  const f64 = new Float64Array(sab, 16, 1);
  f64[CLOCK_DUE] = Infinity;
  const worker = new Worker(new URL('./clock-worker.js', import.meta.url), { workerData: { sab } });
  worker.unref();
  let pending: (() => void) | undefined;
  worker.on('message', () => {
    const fn = pending;
    pending = undefined;
    fn?.();
  });
  return {
    wakeAt(dueMs, fn) {
      pending = fn;
      f64[CLOCK_DUE] = performance.timeOrigin + dueMs;
      Atomics.add(i32, CLOCK_SEQ, 1);
      Atomics.notify(i32, CLOCK_SEQ);
    },
    async close() {
      Atomics.store(i32, CLOCK_STOP, 1);
      Atomics.add(i32, CLOCK_SEQ, 1);
      Atomics.notify(i32, CLOCK_SEQ);
      await worker.terminate();
    },
  };
}
