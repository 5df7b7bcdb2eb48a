/**
 * Open-loop load: each stream has a fixed rate, and message i of a stream is due at
 * start + i / rate. The loop wakes at the next due time and sends every message whose due time has
 * passed, never waiting for a reply, so a slow server cannot slow the offered load (coordinated
 * omission). Latencies are measured from the due time, not the actual send, so the client's own
 * lateness counts against the result rather than hiding it; hence the punctual wake-up of
 * clock-thread.ts rather than setTimeout's millisecond.
 */
import { performance } from 'node:perf_hooks';
import type { ClockThread } from './clock-thread.js';

export interface LoadStream {
  readonly name: string;
  readonly ratePerSec: number;
  /**
   * How late a send of this stream may be before the loop wakes for it (default 0). Lets a dense
   * stream ride along with the punctual wake-ups of another instead of waking the client thousands
   * of times a second; its lateness is still measured from the due time.
   */
  readonly slackMs?: number;
  /** Sends message `i`, due at `dueMs` (performance.now() clock). */
  send(i: number, dueMs: number): void;
}

export interface OpenLoopResult {
  readonly sent: Record<string, number>;
  /** Largest lateness of a send behind its due time, ms: how far the client itself fell behind. */
  readonly maxSendLagMs: number;
}

export interface OpenLoopOptions {
  /** performance.now() of message 0 of every stream; default now. */
  readonly startMs?: number;
  /**
   * Within this many ms of the next due time the loop spins on setImmediate instead of sleeping:
   * setTimeout wakes up to ~1 ms late, which would otherwise dominate sub-millisecond latencies.
   * At 5,000 ticks/s (0.2 ms apart) this means the client keeps one core busy.
   */
  readonly spinMs?: number;
  /** Wakes the loop at the next due time (default: setTimeout, up to ~1 ms late). */
  readonly clock?: ClockThread;
  /** Receives each send's lateness behind its due time, ms. */
  readonly onLag?: (lagMs: number) => void;
}

export function runOpenLoop(streams: readonly LoadStream[], durationMs: number, opts: OpenLoopOptions = {}): Promise<OpenLoopResult> {
  const startMs = opts.startMs ?? performance.now();
  const spinMs = opts.spinMs ?? 1;
  const onLag = opts.onLag;
  const next = streams.map(() => 0);
  const total = streams.map((s) => Math.floor((s.ratePerSec * durationMs) / 1000));
  let maxSendLagMs = 0;
  return new Promise((resolve) => {
    const loop = (): void => {
      const now = performance.now();
      let done = true;
      let earliestDue = Infinity;
      for (let k = 0; k < streams.length; k++) {
        const s = streams[k] as LoadStream;
        const n = total[k] as number;
        let i = next[k] as number;
        for (; i < n; i++) {
          const due = startMs + (i * 1000) / s.ratePerSec;
          if (due > now) break;
          if (now - due > maxSendLagMs) maxSendLagMs = now - due;
          onLag?.(now - due);
          s.send(i, due);
        }
        next[k] = i;
        if (i < n) {
          done = false;
          earliestDue = Math.min(earliestDue, startMs + (i * 1000) / s.ratePerSec + (s.slackMs ?? 0));
        }
      }
      if (done) {
        resolve({ sent: Object.fromEntries(streams.map((s, k) => [s.name, total[k] as number])), maxSendLagMs });
        return;
      }
      // Lateness is measured, not hidden; spinning near the due time keeps it small.
      const waitMs = earliestDue - performance.now();
      if (waitMs <= spinMs) setImmediate(loop);
      else if (opts.clock) opts.clock.wakeAt(earliestDue - spinMs, loop);
      else setTimeout(loop, waitMs - spinMs);
    };
    loop();
  });
}
