/**
 * What crosses the thread boundary of the risk pool, declared once for both sides. The byte
 * layouts of the leg store and of a task buffer are in leg-store-layout.ts.
 */
import type { RealtimeRiskConfig } from '../../engine/risk/realtime-risk.js';
import type { SweepShared } from './sweep-layout.js';

/** A batch task: `buffer` (a task buffer) is in the transfer list and comes back. */
export interface BatchTask {
  readonly buffer: ArrayBuffer;
}

/** A sweep task: the worker sweeps `shard` until the market's STOP is set (sweep-loop.ts), then answers 0. */
export interface SweepTask {
  readonly sweep: SweepShared;
  readonly shard: number;
}

export type RiskTask = BatchTask | SweepTask;

/** What every worker receives once, at start. */
export interface RiskWorkerData {
  /** Underlying-major returns (ScenarioSet.returns), in a SharedArrayBuffer so threads share one copy. */
  readonly returns: SharedArrayBuffer;
  readonly fallbackReturns: SharedArrayBuffer;
  readonly nScenarios: number;
  readonly underlyings: readonly string[];
  readonly config: RealtimeRiskConfig;
  /** Use the WebAssembly SIMD loss kernel (same figures, faster); JS loop when false or unavailable. */
  readonly simd: boolean;
  /** Put the worker thread under SCHED_IDLE at start (thread-priority.ts). */
  readonly schedIdle: boolean;
  /**
   * Int32[2] the workers count into at start: [0] threads now under SCHED_IDLE, [1] threads that
   * asked and failed. The pool reports them in its stats.
   */
  readonly priorityReport: SharedArrayBuffer;
  /** The leg store (growable): every portfolio's legs and result regions. */
  readonly legStore: SharedArrayBuffer;
}
