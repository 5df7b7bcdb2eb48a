import type { LogFn } from '../logger.js';
import type { Database } from './database.js';
import { MAX_ROWS_PER_JOB } from './queue-payloads.js';
import { queueErrors } from './queue-errors.js';
import { stripUndefined } from '../strip-undefined.js';

export interface OpenQueuesOptions {
  /** redis:// URL: the queues run on that Redis. Absent: on BullMQ's PostgreSQL backend in db's schema. */
  readonly redisUrl?: string;
  /** The engine's database: the processors write to it, and without Redis the queues live in it. */
  readonly db: Database;
  /** Namespaces the queues (`<prefix>.persist`, `<prefix>.aml`, `<prefix>.report`): letters, digits, _ and - (default risk-engine). */
  readonly prefix?: string;
  readonly log?: LogFn;
  /** Tries per job before it becomes a dead letter (default 5). */
  readonly attempts?: number;
  /** Delay before the first retry; each next one doubles it (default 1000 ms: 1+2+4+8 s over 5 tries). */
  readonly backoffMs?: number;
  /** Rows per persist job when a batch is added (default 1000). */
  readonly rowsPerJob?: number;
  /** How long openQueues waits for the backend to be ready (default 10 s). */
  readonly connectTimeoutMs?: number;
  /**
   * A worker's hold on a job, renewed every half of it while the job runs (default 10 s). When the
   * process dies holding jobs, they go back to waiting once the hold lapses and a stalled-job check
   * runs (every stalledIntervalMs, default 5 s): so drain() after a crash may wait up to ~15 s.
   */
  readonly lockDurationMs?: number;
  readonly stalledIntervalMs?: number;
  /**
   * Tracing is on: queues and workers get BullMQ's OpenTelemetry telemetry (bullmq-otel), so adding
   * a job makes a producer span and processing it a consumer span in the same trace (default false).
   */
  readonly traced?: boolean;
}

/** The queues' defaults; src/config.ts maps QUEUE_PREFIX onto `prefix`. */
export const QUEUE_DEFAULTS = Object.freeze({
  prefix: 'risk-engine',
  attempts: 5,
  backoffMs: 1000,
  // bench/persist.bench.ts: 1000 rows make one INSERT of a few hundred kB, large enough that the
  // per-job queue overhead is small next to the insert, small enough to retry cheaply.
  rowsPerJob: 1000,
  connectTimeoutMs: 10_000,
  // BullMQ's defaults are 30 s each; jobs here take milliseconds, and a restart after a crash
  // waits for the dead process's jobs to come back, so shorter is better while far above a job.
  lockDurationMs: 10_000,
  stalledIntervalMs: 5_000,
  traced: false,
});

export type NormalisedQueueOptions = Required<Omit<OpenQueuesOptions, 'redisUrl' | 'log'>> & Pick<OpenQueuesOptions, 'redisUrl' | 'log'>;

/** Fills defaults and rejects bad values once, when the queues are opened. */
export function normaliseQueueOptions(opts: OpenQueuesOptions): NormalisedQueueOptions {
  const o: NormalisedQueueOptions = {
    ...QUEUE_DEFAULTS,
    ...stripUndefined(opts),
    db: opts.db,
  };
  // ':' is BullMQ's key separator on Redis; the name also travels as a NOTIFY payload on PostgreSQL.
  if (typeof o.prefix !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(o.prefix)) {
    throw queueErrors.badOption('prefix', o.prefix, '1 to 64 letters, digits, _ or -');
  }
  const int = (name: 'attempts' | 'backoffMs' | 'rowsPerJob' | 'connectTimeoutMs' | 'lockDurationMs' | 'stalledIntervalMs', min: number, max: number): void => {
    const v = o[name];
    if (!(Number.isInteger(v) && v >= min && v <= max)) throw queueErrors.badOption(name, v, `an integer in [${min}, ${max}]`);
  };
  int('attempts', 1, 100);
  int('backoffMs', 1, 3_600_000);
  int('rowsPerJob', 1, MAX_ROWS_PER_JOB);
  int('connectTimeoutMs', 1, 600_000);
  int('lockDurationMs', 100, 600_000);
  int('stalledIntervalMs', 50, 600_000);
  if (o.redisUrl !== undefined && !/^rediss?:\/\//.test(o.redisUrl)) throw queueErrors.badOption('redisUrl', '<redacted>', 'a redis:// or rediss:// URL');
  return o;
}
