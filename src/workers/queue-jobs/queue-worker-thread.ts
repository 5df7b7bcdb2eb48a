/**
 * The queue workers (persist, aml, report) on a thread of their own: their job handling (BullMQ's
 * fetching and parsing, milliseconds of JavaScript per job) must not run on the gateway's event
 * loop, where it would hold up order acks and risk fan-out. The thread has its own pg pool and
 * queue connections; the main thread keeps the producers. Used with a PostgreSQL server only:
 * with the embedded database every query runs on the main thread anyway, and BullMQ's wake-up
 * NOTIFY on PGlite reaches only connections of the same process-local queue set (queues.ts).
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import pg from 'pg';
import type { Database } from '../../persistence/database.js';
import { openQueues } from '../../persistence/queues.js';
import { createLogger, type LogFn, type LogLevel } from '../../logger.js';
import { startQueueWorkers, type QueueWorkers, type QueueWorkersOptions } from './queue-workers.js';
import type { KeyWithId } from '../../persistence/field-crypto.js';
import type { AmlRuleParams } from '../../engine/compliance/aml/rule-defaults.js';
import { settlesWithin } from '../../settles-within.js';
import type { Tracing } from '../../tracing/start-tracing.js';
import type { TracingSettings } from '../../tracing/tracing-settings.js';

export interface QueueThreadData {
  readonly redisUrl?: string;
  /** Connection settings of the database server (no functions: they cross a thread boundary). */
  readonly connection: pg.PoolConfig;
  readonly schema: string;
  readonly dataDir: string;
  readonly prefix: string;
  readonly amlLargeNotional?: number;
  /** Every AML rule's parameters (plain data: they cross the thread boundary). */
  readonly amlRules?: AmlRuleParams;
  /** AML_MONITORING_ENABLED (queue-workers.ts); default true. */
  readonly amlMonitoring?: boolean;
  /** The compliance reports' settings and master keys (queue-workers.ts); Buffers arrive as Uint8Arrays. */
  readonly reports?: QueueWorkersOptions['reports'];
  /** The retention periods (plain data). */
  readonly retention?: QueueWorkersOptions['retention'];
  readonly logLevel: LogLevel | 'silent';
  /**
   * Tracing on (config.tracing): the thread starts an SDK of its own (OTel's providers are per
   * thread) and its workers make BullMQ's consumer spans. Its pg and ioredis are loaded before the
   * SDK starts, so they are not patched: queries of a job show only in the job's span timing.
   */
  readonly tracing?: TracingSettings;
}

type ToThread = { readonly type: 'close' };
type FromThread = { readonly type: 'ready' } | { readonly type: 'closed' } | { readonly type: 'failed'; readonly error: string };

/** `running`: the thread's workers take jobs; `restarting`: it died and a new one is due (jobs wait in their queues). */
export interface QueueThreadStatus {
  readonly state: 'running' | 'restarting' | 'stopped';
  /** Threads started after the first, since start. */
  readonly restarts: number;
  readonly lastFailure?: string;
}

export interface QueueThread {
  status(): QueueThreadStatus;
  close(): Promise<void>;
}

export interface QueueThreadOptions {
  /** Delay before the first restart after a thread died; doubled per consecutive failure (default 500 ms). */
  readonly restartDelayMs?: number;
  readonly maxRestartDelayMs?: number;
  /** A thread that ran this long resets the delay (default 30 s). */
  readonly stableAfterMs?: number;
  /** Sees each thread started (tests use it to kill one). */
  readonly onThread?: (worker: Worker) => void;
  /** How long close() waits for the thread to stop its workers before terminating it (default 8 s). */
  readonly closeMs?: number;
}

function threadFile(): URL {
  const here = import.meta.url;
  return here.endsWith('.ts') ? new URL('../../../dist/src/workers/queue-jobs/queue-worker-thread.js', here) : new URL(here);
}

/**
 * Starts the thread and resolves once its workers run (rejects with the thread's error, so a
 * misconfiguration stops the start). Afterwards it is supervised: a thread that dies (an uncaught
 * error, an out-of-memory abort) is replaced after a growing delay. Nothing is lost meanwhile: the
 * jobs wait in their queues, and BullMQ hands the jobs a dead thread held to the next one once
 * their locks lapse.
 */
export function startQueueThread(data: QueueThreadData, log: LogFn, opts: QueueThreadOptions = {}): Promise<QueueThread> {
  const baseDelay = opts.restartDelayMs ?? 500, maxDelay = opts.maxRestartDelayMs ?? 30_000, stableMs = opts.stableAfterMs ?? 30_000;
  const closeMs = opts.closeMs ?? 8000;
  let state: QueueThreadStatus['state'] = 'restarting';
  let restarts = 0, delay = baseDelay;
  let lastFailure: string | undefined;
  let current: Worker | undefined;
  let timer: NodeJS.Timeout | undefined;
  let closing: Promise<void> | undefined;

  /** Starts one thread; resolves when it is ready, rejects when it fails before. */
  const spawnThread = (): Promise<void> => new Promise((resolve, reject) => {
    const worker = new Worker(threadFile(), { workerData: data, name: 'queue-workers' });
    current = worker;
    opts.onThread?.(worker);
    let ready = false, startedAt = 0, failure: string | undefined;
    worker.on('message', (m: FromThread) => {
      if (m.type === 'ready') {
        ready = true;
        startedAt = Date.now();
        resolve();
      } else if (m.type === 'failed') {
        failure = m.error;
        void worker.terminate();
      }
    });
    worker.on('error', (err) => {
      failure = err.stack ?? err.message;
    });
    worker.on('exit', (code) => {
      if (current === worker) current = undefined;
      if (closing) return;
      const why = failure ?? `thread exited with code ${code}`;
      if (!ready) {
        reject(new Error(`queue workers failed to start: ${why}`));
        return;
      }
      if (Date.now() - startedAt >= stableMs) delay = baseDelay;
      died(why);
    });
  });

  function died(why: string): void {
    state = 'restarting';
    lastFailure = why;
    log('error', 'queue worker thread died; restarting it (queued jobs wait)', { error: why, inMs: delay, restarts });
    timer = setTimeout(() => {
      timer = undefined;
      restarts++;
      spawnThread().then(
        () => {
          state = 'running';
          log('info', 'queue worker thread restarted', { restarts });
        },
        (err: unknown) => {
          if (!closing) died((err as Error).message);
        },
      );
    }, delay);
    delay = Math.min(maxDelay, delay * 2);
  }

  return spawnThread().then(() => {
    state = 'running';
    return {
      status: () => ({ state, restarts, ...(lastFailure !== undefined ? { lastFailure } : {}) }),
      close() {
        closing ??= (async () => {
          clearTimeout(timer);
          const w = current;
          if (w) {
            const exited = new Promise<void>((r) => w.once('exit', () => r()));
            w.on('message', (m: FromThread) => { if (m.type === 'closed') void w.terminate(); });
            w.postMessage({ type: 'close' } satisfies ToThread);
            if (!(await settlesWithin(exited, closeMs))) {
              // Seen after Redis restarted under it, in about one run in three: BullMQ's Worker.close()
              // never settled, its blocking client parked in ioredis' "reconnecting" state, waiting
              // for an "end" event that never comes (taskforcesh/bullmq#4656, fix still open).
              // Terminating the thread ends it; jobs it held go back once their locks lapse.
              log('error', 'queue worker thread did not stop in time; terminating it (jobs it held are retried once their locks lapse)', { timeoutMs: closeMs });
              await w.terminate();
            }
          }
          state = 'stopped';
        })();
        return closing;
      },
    };
  });
}

async function runThread(data: QueueThreadData): Promise<void> {
  const log = createLogger(data.logLevel).log;
  const pool = new pg.Pool({ ...data.connection, max: 4 });
  pool.on('error', (err) => log('warn', 'idle PostgreSQL connection failed (queue workers)', { error: err.message }));
  const db: Database = { kind: 'external', schema: data.schema, pool, connection: data.connection, close: () => pool.end() };
  let workers: QueueWorkers | undefined;
  let tracing: Tracing | undefined;
  try {
    if (data.tracing?.enabled) tracing = await (await import('../../tracing/start-tracing.js')).startTracing(data.tracing, { hookImports: false });
    const queues = await openQueues({ ...(data.redisUrl !== undefined ? { redisUrl: data.redisUrl } : {}), db, prefix: data.prefix, log, traced: tracing !== undefined });
    workers = startQueueWorkers({ queues, db, dataDir: data.dataDir, log, ...(data.amlLargeNotional !== undefined ? { amlLargeNotional: data.amlLargeNotional } : {}),
      ...(data.amlRules !== undefined ? { amlRules: data.amlRules } : {}), ...(data.amlMonitoring !== undefined ? { amlMonitoring: data.amlMonitoring } : {}),
      ...(data.reports !== undefined ? { reports: reportsFromThreadData(data.reports) } : {}),
      ...(data.retention !== undefined ? { retention: data.retention } : {}) });
    parentPort!.on('message', (m: ToThread) => {
      if (m.type !== 'close') return;
      void (async () => {
        await workers?.close();
        await queues.close();
        await pool.end();
        await tracing?.shutdown();
        parentPort!.postMessage({ type: 'closed' } satisfies FromThread);
      })();
    });
    parentPort!.postMessage({ type: 'ready' } satisfies FromThread);
  } catch (err) {
    await pool.end().catch(() => {});
    await tracing?.shutdown();
    parentPort!.postMessage({ type: 'failed', error: (err as Error).message } satisfies FromThread);
  }
}

/** The structured clone made the keys' Buffers plain Uint8Arrays: the crypto code wants Buffers. */
function reportsFromThreadData(r: NonNullable<QueueWorkersOptions['reports']>): NonNullable<QueueWorkersOptions['reports']> {
  const key = (k: KeyWithId): KeyWithId => ({ ...k, key: Buffer.from(k.key) });
  return { settings: r.settings, masterKeys: { current: key(r.masterKeys.current), previous: r.masterKeys.previous.map(key) } };
}

if (!isMainThread && (workerData as { connection?: unknown } | null)?.connection !== undefined) void runThread(workerData as QueueThreadData);
