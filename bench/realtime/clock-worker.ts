/**
 * The pacing thread of clock-thread.ts. It sleeps in Atomics.wait (a futex: no CPU while asleep,
 * microsecond timeouts) until the due time the event loop last wrote, posts one message to wake it,
 * then sleeps until the event loop writes the next due time.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { CLOCK_DUE, CLOCK_SEQ, CLOCK_STOP } from './clock-thread.js';

const { sab } = workerData as { sab: SharedArrayBuffer };
const i32 = new Int32Array(sab, 0, 4);
const f64 = new Float64Array(sab, 16, 1);
const nowEpochMs = (): number => performance.timeOrigin + performance.now();

let seen = Atomics.load(i32, CLOCK_SEQ);
for (;;) {
  if (Atomics.load(i32, CLOCK_STOP) === 1) break;
  const wait = (f64[CLOCK_DUE] as number) - nowEpochMs();
  if (wait > 0) {
    // Wakes early when the event loop moves the due time (it bumps CLOCK_SEQ and notifies).
    Atomics.wait(i32, CLOCK_SEQ, seen, wait);
    const s = Atomics.load(i32, CLOCK_SEQ);
    if (s !== seen) { seen = s; continue; }
    if ((f64[CLOCK_DUE] as number) - nowEpochMs() > 0) continue;
  }
  parentPort?.postMessage(0);
  // One wake-up per due time: sleep until the event loop has written the next one.
  Atomics.wait(i32, CLOCK_SEQ, seen);
  seen = Atomics.load(i32, CLOCK_SEQ);
}
