/**
 * Opens everything durable the engine needs at start, in the order recovery requires: the
 * database, its migrations, the partitions (created once, then all taken by this engine: it is
 * the only writer, embedded or behind the writer lock), the journal (projecting what was
 * committed, then continuing each partition's sequence and audit chain), then the actors' states.
 */
import type { AmlRuleParams } from '../engine/compliance/aml/rule-defaults.js';
import { CLIENT_ORDER_IDS_DEFAULTS } from '../engine/actors/client-order-ids.js';
import { ENGINE_DEFAULTS } from '../engine/runtime/engine-defaults.js';
import type { Fill, Order, PortfolioState } from '../engine/actors/types.js';
import type { OrderArchive } from '../engine/runtime/order-archive.js';
import type { AuditSink } from '../gateway/identity/ports.js';
import type { LogFn, LogLevel } from '../logger.js';
import { startQueueWorkers, type QueueWorkersOptions } from '../workers/queue-jobs/queue-workers.js';
import { startQueueThread, type QueueThreadStatus } from '../workers/queue-jobs/queue-worker-thread.js';
import { openDatabase, type Database } from './database.js';
import { openQueues, type Queues } from './queues.js';
import { hostname } from 'node:os';
import { DEFAULT_PARTITIONS } from '../engine/cluster/partitions.js';
import { ensurePartitions, ownAll } from './cluster/single-owner-rows.js';
import { journalAuditSink, PgJournal, type JournalStats } from './journal.js';
import type { PartitionGrant } from './cluster/ownership-port.js';
import { migrate } from './migrate.js';
import { pgOrderArchive } from './order-archive.js';
import { loadPortfolioStates, loadRecentHistory } from './recovery.js';
import { acquireWriterLock, type WriterLock } from './writer-lock.js';
import { settlesWithin } from '../settles-within.js';
import type { TracingSettings } from '../tracing/tracing-settings.js';

export interface PersistenceOptions {
  readonly databaseUrl?: string;
  readonly schema: string;
  readonly poolSize: number;
  readonly dataDir: string;
  readonly log: LogFn;
  /** Log level of the queue worker thread's own logger. */
  readonly logLevel?: LogLevel | 'silent';
  /** Orders and fills to reload into the engine's history (its historyLimit). */
  readonly historyLimit?: number;
  /** The engine's clientOrderId window (ms, default a day) and clock: the orders of the window are reloaded at start. */
  readonly clientOrderIdWindowMs?: number;
  readonly clock?: { nowMs(): number };
  /** Redis for the queues; without it they run on the database (BullMQ's PostgreSQL backend). */
  readonly redisUrl?: string;
  readonly queuePrefix: string;
  readonly amlLargeNotional?: number;
  /** Every AML rule's parameters (config.aml); without them the rules' defaults, amlLargeNotional the low-risk threshold. */
  readonly amlRules?: AmlRuleParams;
  /** AML_MONITORING_ENABLED (default true): false, and the aml queue raises no alert (queue-workers.ts). */
  readonly amlMonitoring?: boolean;
  /** Settings and master keys of the compliance reports (queue-workers.ts QueueWorkersOptions.reports). */
  readonly reports?: QueueWorkersOptions['reports'];
  /** The retention periods (queue-workers.ts QueueWorkersOptions.retention). */
  readonly retention?: QueueWorkersOptions['retention'];
  /** Tracing (config.tracing): when enabled, BullMQ jobs carry trace context and the queue thread exports its spans. */
  readonly tracing?: TracingSettings;
  /** How long start waits for the persist queue to drain before rebuilding the actors. */
  readonly drainTimeoutMs?: number;
  /**
   * Called when another engine took this schema's writer lock while this one was disconnected from
   * the server (writer-lock.ts): the caller must stop the engine. Without it, the error is logged only.
   */
  readonly onWriterLost?: (err: Error) => void;
  /** Told each journal commit's round trip in seconds (metrics); absent: only the journal's own figures. */
  readonly journalCommitSeconds?: { observe(seconds: number): void };
  /**
   * One of several engines on a PostgreSQL server (docs/SCALE-OUT.md): the writer lock is taken
   * shared, and no partition is owned at open (the ownership coordinator takes them). Without it
   * (and always on the embedded database) this engine is the only writer and owns every partition.
   */
  readonly scaleOut?: boolean;
  /** ENGINE_ID: names this engine as the partitions' owner (default host:pid). */
  readonly engineId?: string;
  /** PARTITIONS (default DEFAULT_PARTITIONS): fixed for the life of a database; another count is refused (PARTITIONS_MISMATCH). */
  readonly partitions?: number;
  /** Told the partitions a journal commit found fenced (another engine took them: PgJournal's onFenced). */
  readonly onFenced?: (partitions: readonly number[]) => void;
}

export interface Persistence {
  readonly db: Database;
  readonly journal: PgJournal;
  /** The audit trail for security and operations events (journalAuditSink of the journal). */
  readonly audit: AuditSink;
  readonly queues: Queues;
  /** Portfolios rebuilt from the database, for the engine to adopt. */
  readonly restored: readonly PortfolioState[];
  /** The newest orders and fills, for the engine's in-memory history. */
  readonly history: { readonly orders: readonly Order[]; readonly fills: readonly Fill[] };
  /** Orders and fills by orderId, for those the engine's history no longer holds. */
  readonly archive: OrderArchive;
  health(): { database: Database['kind']; queues: Queues['backend']; queueWorkers: QueueThreadStatus; writerLock?: ReturnType<WriterLock['state']>; journal: JournalStats };
  close(): Promise<void>;
}

/** The defaults of what openPersistence is not given (historyLimit: the engine's, ENGINE_DEFAULTS). */
export const PERSISTENCE_DEFAULTS = Object.freeze({ drainTimeoutMs: 5000 });

/** How long a shutdown waits for the journal's last commits (a database that is gone must not hang it). */
const CLOSE_FLUSH_MS = 10_000;
/** How long a shutdown waits for the queue workers, then the queues, to stop (a Redis in a bad state must not hang it). */
const CLOSE_QUEUES_MS = 10_000;


export async function openPersistence(opts: PersistenceOptions): Promise<Persistence> {
  let queues: Queues | undefined;
  let workers: { close(): Promise<void>; status?: () => QueueThreadStatus } | undefined;
  let writer: WriterLock | undefined;
  const db = await openDatabase({ ...(opts.databaseUrl !== undefined ? { url: opts.databaseUrl } : {}), schema: opts.schema, dataDir: opts.dataDir, poolSize: opts.poolSize, log: opts.log });
  try {
    const scaleOut = opts.scaleOut === true && db.kind === 'external';
    if (db.kind === 'external') {
      writer = await acquireWriterLock(db.connection, db.schema, { log: opts.log, onLost: (err) => opts.onWriterLost?.(err), shared: scaleOut });
    }
    const m = await migrate(db.pool);
    if (m.applied.length > 0) opts.log('info', 'database migrated', { applied: m.applied, version: m.current });
    const traced = opts.tracing?.enabled === true;
    queues = await openQueues({ ...(opts.redisUrl !== undefined ? { redisUrl: opts.redisUrl } : {}), db, prefix: opts.queuePrefix, log: opts.log, traced });
    const aml = {
      ...(opts.amlLargeNotional !== undefined ? { amlLargeNotional: opts.amlLargeNotional } : {}),
      ...(opts.amlRules !== undefined ? { amlRules: opts.amlRules } : {}),
      ...(opts.amlMonitoring !== undefined ? { amlMonitoring: opts.amlMonitoring } : {}),
      ...(opts.reports !== undefined ? { reports: opts.reports } : {}),
      ...(opts.retention !== undefined ? { retention: opts.retention } : {}),
    };
    // On a server the workers get a thread of their own (queue-worker-thread.ts says why).
    workers = db.kind === 'external'
      ? await startQueueThread({
          ...(opts.redisUrl !== undefined ? { redisUrl: opts.redisUrl } : {}), connection: db.connection, schema: db.schema, dataDir: opts.dataDir,
          prefix: opts.queuePrefix, logLevel: opts.logLevel ?? 'info', ...aml, ...(traced ? { tracing: opts.tracing } : {}),
        }, opts.log)
      : startQueueWorkers({ queues, db, dataDir: opts.dataDir, log: opts.log, ...aml });
    // The actors' state is the journal's (committed before any ack), so it does not depend on
    // the write-behind; draining first only makes the snapshot tables current. Jobs a killed
    // engine held are retried once their lock lapses (~15 s): start does not wait that long.
    try {
      await queues.drain(opts.drainTimeoutMs ?? PERSISTENCE_DEFAULTS.drainTimeoutMs);
    } catch (err) {
      opts.log('warn', 'persist queue not drained at start; its jobs continue in the background', { error: (err as Error).message });
    }
    // This engine owns every partition: taking them bumps their epochs first (a commit of a
    // previous owner still in flight is fenced), then opening the journal projects what was
    // committed, so the tables and the chain heads `own` reads are complete.
    // With scaleOut the engine owns nothing yet: the ownership coordinator takes partitions and
    // rebuilds them (cluster/partition-owner.ts); the journal projects what was committed now.
    const partitions = opts.partitions ?? DEFAULT_PARTITIONS;
    let grants: PartitionGrant[] = [];
    if (!scaleOut) {
      await ensurePartitions(db.pool, partitions, db.schema);
      grants = await ownAll(db.pool, opts.engineId ?? `${hostname()}:${process.pid}`, null, partitions);
    }
    const journal = await PgJournal.open(db.pool, {
      log: opts.log, namedStatements: db.kind === 'external', partitions,
      ...(opts.journalCommitSeconds ? { commitSeconds: opts.journalCommitSeconds } : {}), ...(opts.onFenced ? { onFenced: opts.onFenced } : {}),
    });
    await journal.own(grants);
    const nowMs = opts.clock?.nowMs() ?? Date.now();
    const restored = scaleOut ? [] : await loadPortfolioStates(db.pool, nowMs - (opts.clientOrderIdWindowMs ?? CLIENT_ORDER_IDS_DEFAULTS.windowMs));
    const history = scaleOut ? { orders: [], fills: [] } : await loadRecentHistory(db.pool, opts.historyLimit ?? ENGINE_DEFAULTS.historyLimit);
    const q = queues, w = workers, lock = writer;
    opts.log('info', 'state rebuilt from the database', { database: db.kind, schema: db.schema, portfolios: restored.length });
    return {
      db, journal, audit: journalAuditSink(journal), queues, restored, history, archive: pgOrderArchive(db.pool),
      // In-process workers (embedded database) share the engine's fate, so they are running while it runs.
      health: () => ({
        database: db.kind, queues: q.backend, queueWorkers: w.status?.() ?? { state: 'running', restarts: 0 },
        ...(lock ? { writerLock: lock.state() } : {}), journal: journal.stats(),
      }),
      async close() {
        if (!(await settlesWithin(journal.flush(), CLOSE_FLUSH_MS))) {
          opts.log('error', 'shutting down with changes not yet committed; their clients were never acknowledged', { backlog: journal.stats().backlog, lastError: journal.stats().lastError });
        } else {
          await settlesWithin(journal.project().catch(() => {}), CLOSE_FLUSH_MS);
        }
        journal.stopProjection();
        // The queue thread bounds its own close (it is terminated when it does not stop in time).
        if (!(await settlesWithin(w.close(), CLOSE_QUEUES_MS))) opts.log('error', 'queue workers did not stop in time; shutting down without them', { timeoutMs: CLOSE_QUEUES_MS });
        if (!(await settlesWithin(q.close(), CLOSE_QUEUES_MS))) opts.log('error', 'queue connections did not close in time; shutting down without them', { timeoutMs: CLOSE_QUEUES_MS });
        await lock?.release();
        await db.close();
      },
    };
  } catch (err) {
    await workers?.close().catch(() => {});
    await queues?.close().catch(() => {});
    await writer?.release();
    await db.close().catch(() => {});
    throw err;
  }
}
