import { availableParallelism } from 'node:os';
import { DEFAULT_REALTIME_RISK_CONFIG, type ScenarioSet } from '../../engine/risk/realtime-risk.js';
import { ENGINE_DEFAULTS } from '../../engine/runtime/engine-defaults.js';
import type { SpanOptions } from '../../engine/margin/span-grid.js';
import { riskPoolErrors } from './errors.js';
import { stripUndefined } from '../../strip-undefined.js';

export interface RiskPoolOptions {
  /** Worker threads (default one per core). */
  readonly threads?: number;
  /** Portfolios per task; a larger recalculate() call is split into tasks of at most this many. */
  readonly maxBatch?: number;
  /** Tasks waiting for a thread before run() rejects with piscina's "Task queue is at limit". */
  readonly maxQueue?: number;
  /**
   * Tasks piscina posts to one worker before the previous one finishes (default 1: the engine refills
   * the pool as soon as a batch returns, so a second queued task only makes batches wait).
   */
  readonly tasksPerThread?: number;
  /**
   * Scheduling of the worker threads (default 'idle': recalculations then never delay an order ack).
   * 'low': nice 19, applied by piscina through @napi-rs/nice (per thread on Linux). 'idle': nice 19 and Linux SCHED_IDLE, set by each worker on
   * itself at start with util-linux `chrt` (no npm package sets a thread's policy); the pool reports
   * what it got in stats().priority.
   */
  readonly priority?: 'idle' | 'low' | 'normal';
  readonly scenarios: ScenarioSet;
  /** Confidence of the live VaR (VAR_CONFIDENCE_LEVEL), and of the live ES, which keeps its own. */
  readonly varConfidence?: number;
  readonly esConfidence?: number;
  /** SPAN grid parameters (span-grid.ts semantics), resolved per scenario underlying at start. */
  readonly span?: SpanOptions;
  /** dgv losses in WebAssembly SIMD (bit-identical to the JS loop; default true). */
  readonly simd?: boolean;
  /** Compiled worker entry (default: dist/src/workers/risk-pool/risk-worker-entry.cjs, see risk-pool.ts). */
  readonly workerFile?: URL;
}

/** The pool's defaults; src/config.ts maps the RISK_POOL_* variables and VAR_CONFIDENCE_LEVEL onto them. */
export const RISK_POOL_DEFAULTS = Object.freeze({
  threads: Math.max(1, availableParallelism()),
  // One engine batch is one task.
  maxBatch: ENGINE_DEFAULTS.maxBatch,
  maxQueue: 1024,
  tasksPerThread: 1,
  priority: 'idle' as 'idle' | 'low' | 'normal',
  varConfidence: DEFAULT_REALTIME_RISK_CONFIG.varConfidence,
  esConfidence: DEFAULT_REALTIME_RISK_CONFIG.esConfidence,
  simd: true,
});

export type NormalisedRiskPoolOptions = Required<Omit<RiskPoolOptions, 'span' | 'workerFile'>> &
  Pick<RiskPoolOptions, 'span' | 'workerFile'>;

/** Fills defaults and rejects bad values once, when the pool is created. */
export function normaliseRiskPoolOptions(opts: RiskPoolOptions): NormalisedRiskPoolOptions {
  const o = { ...RISK_POOL_DEFAULTS, ...stripUndefined(opts) } as NormalisedRiskPoolOptions;
  if (!['idle', 'low', 'normal'].includes(o.priority)) throw riskPoolErrors.badOption('priority', o.priority, "'idle', 'low' or 'normal'");
  const int = (name: 'threads' | 'maxBatch' | 'maxQueue' | 'tasksPerThread', min: number, max = Infinity): void => {
    const v = o[name];
    if (!(Number.isInteger(v) && v >= min && v <= max)) throw riskPoolErrors.badOption(name, v, `an integer in [${min}, ${max}]`);
  };
  int('threads', 1); int('maxBatch', 1); int('maxQueue', 0); int('tasksPerThread', 1);
  for (const name of ['varConfidence', 'esConfidence'] as const) {
    const c = o[name];
    if (!(c > 0 && c < 1)) throw riskPoolErrors.badOption(name, c, 'a probability strictly between 0 and 1');
  }
  return o;
}
