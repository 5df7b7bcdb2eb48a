/**
 * Open-loop load: each stream has a fixed rate, and message i of a stream is due at
 * start + i / rate. A timer loop wakes about every millisecond and sends every message whose due
 * time has passed, never waiting for a reply, so a slow server cannot slow the offered load
 * (coordinated omission). Latencies are measured from the due time, not the actual send, so the
 * client's own lateness counts against the result rather than hiding it.
 */
import { performance } from 'node:perf_hooks';

export interface LoadStream {
  readonly name: string;
  readonly ratePerSec: number;
  /** Sends message `i`, due at `dueMs` (performance.now() clock). */
  send(i: number, dueMs: number): void;
}

export interface OpenLoopResult {
  readonly sent: Record<string, number>;
  /** Largest lateness of a send behind its due time, ms: how far the client itself fell behind. */
  readonly maxSendLagMs: number;
}

export function runOpenLoop(streams: readonly LoadStream[], durationMs: number, startMs = performance.now()): Promise<OpenLoopResult> {
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
          s.send(i, due);
        }
        next[k] = i;
        if (i < n) {
          done = false;
          earliestDue = Math.min(earliestDue, startMs + (i * 1000) / s.ratePerSec);
        }
      }
      if (done) {
        resolve({ sent: Object.fromEntries(streams.map((s, k) => [s.name, total[k] as number])), maxSendLagMs });
        return;
      }
      // setTimeout has ~1 ms granularity: good enough, as lateness is measured, not hidden.
      setTimeout(loop, Math.max(0, earliestDue - performance.now() - 0.2));
    };
    loop();
  });
}
