/**
 * The queue workers (persist, aml, report) on a thread of their own: their job handling (BullMQ's
 * fetching and parsing, ~1.3 ms of JavaScript per 1000-row snapshot job, more for AML) must not
 * run on the gateway's event loop, where it would hold up order acks and risk fan-out. The thread has its own pg pool and
 * queue connections; the main thread keeps the producers. Used with a PostgreSQL server only:
 * with the embedded database every query runs on the main thread anyway, and BullMQ's wake-up
 * NOTIFY on PGlite reaches only connections of the same process-local queue set (queues.ts).
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import pg from 'pg';
import type { Database } from '../persistence/database.js';
import { openQueues } from '../persistence/queues.js';
import { createLogger, type LogFn, type LogLevel } from '../logger.js';
import { startQueueWorkers, type QueueWorkers } from './queue-workers.js';

export interface QueueThreadData {
  readonly redisUrl?: string;
  /** Connection settings of the database server (no functions: they cross a thread boundary). */
  readonly connection: pg.PoolConfig;
  readonly schema: string;
  readonly dataDir: string;
  readonly prefix: string;
  readonly amlLargeNotional?: number;
  readonly logLevel: LogLevel | 'silent';
}

type ToThread = { readonly type: 'close' };
type FromThread = { readonly type: 'ready' } | { readonly type: 'closed' } | { readonly type: 'failed'; readonly error: string };

export interface QueueThread {
  close(): Promise<void>;
}

function threadFile(): URL {
  const here = import.meta.url;
  return here.endsWith('.ts') ? new URL('../../dist/src/workers/queue-worker-thread.js', here) : new URL(here);
}

/** Starts the thread and resolves once its workers run (rejects with the thread's error). */
export function startQueueThread(data: QueueThreadData, log: LogFn): Promise<QueueThread> {
  const worker = new Worker(threadFile(), { workerData: data, name: 'queue-workers' });
  return new Promise((resolve, reject) => {
    let closing: (() => void) | undefined;
    worker.on('message', (m: FromThread) => {
      if (m.type === 'ready') {
        resolve({
          close: () => new Promise<void>((done) => {
            closing = done;
            worker.postMessage({ type: 'close' } satisfies ToThread);
          }),
        });
      } else if (m.type === 'closed') {
        void worker.terminate().then(() => closing?.());
      } else {
        reject(new Error(`queue workers failed to start: ${m.error}`));
      }
    });
    worker.on('error', (err) => {
      log('error', 'queue worker thread failed', { error: err.stack ?? err.message });
      reject(err);
    });
    worker.on('exit', (code) => {
      if (closing) closing();
      else if (code !== 0) log('error', 'queue worker thread exited', { code });
    });
  });
}

async function runThread(data: QueueThreadData): Promise<void> {
  const log = createLogger(data.logLevel).log;
  const pool = new pg.Pool({ ...data.connection, max: 4 });
  pool.on('error', (err) => log('warn', 'idle PostgreSQL connection failed (queue workers)', { error: err.message }));
  const db: Database = { kind: 'external', schema: data.schema, pool, connection: data.connection, close: () => pool.end() };
  let workers: QueueWorkers | undefined;
  try {
    const queues = await openQueues({ ...(data.redisUrl !== undefined ? { redisUrl: data.redisUrl } : {}), db, prefix: data.prefix, log });
    workers = startQueueWorkers({ queues, db, dataDir: data.dataDir, log, ...(data.amlLargeNotional !== undefined ? { amlLargeNotional: data.amlLargeNotional } : {}) });
    parentPort!.on('message', (m: ToThread) => {
      if (m.type !== 'close') return;
      void (async () => {
        await workers?.close();
        await queues.close();
        await pool.end();
        parentPort!.postMessage({ type: 'closed' } satisfies FromThread);
      })();
    });
    parentPort!.postMessage({ type: 'ready' } satisfies FromThread);
  } catch (err) {
    await pool.end().catch(() => {});
    parentPort!.postMessage({ type: 'failed', error: (err as Error).message } satisfies FromThread);
  }
}

if (!isMainThread && (workerData as { connection?: unknown } | null)?.connection !== undefined) void runThread(workerData as QueueThreadData);
