/**
 * The engine's three BullMQ queues: `persist` (write-behind of risk and market snapshots), `aml`
 * (every fill, for transaction monitoring) and `report` (report files). This module is the producer
 * side and the plumbing the workers share (src/workers/queue-jobs/queue-workers.ts supplies the processors):
 * the backend (Redis when a URL is given, else BullMQ's PostgreSQL backend in the engine's own
 * schema), retries with exponential backoff, dead letters, counts and an orderly shutdown.
 *
 * Dead letters are BullMQ's failed set, not a separate queue: a job lands there in the same atomic
 * step that records its last error (moveToFailed), whereas copying it into a dead-letter queue from
 * a 'failed' handler is a second write that a crash in between would lose. The failed set keeps the
 * payload, the reason and the attempt count, removeOnFail: false keeps it until someone acts, and
 * Job.retry() replays it under the same job id, which the processors' idempotent writes make safe.
 */
import { withBackend, type IQueueBackend, type Job, type JobProgress, type JobsOptions, type Queue, type Telemetry, type Worker } from 'bullmq';
import { createHash } from 'node:crypto';
import type { AuditSink } from '../gateway/identity/ports.js';
import { canonical, toJsonValue } from './audit-chain.js';
import type { LogFn } from '../logger.js';
import { postgresQueueBackend, redisQueueBackend, type QueueBackend, type QueueBackendKind, type SharedConnection, SHARED_CONNECTION } from './queue-backend.js';
import { redactUrl } from './database.js';
import { QueueError, queueErrors } from './queue-errors.js';
import { normaliseQueueOptions, type OpenQueuesOptions } from './queue-options.js';
import { withTimeout } from '../settles-within.js';
import { queueTelemetry } from '../tracing/queue-telemetry.js';
import {
  checkJobData,
  QUEUE_ROLES,
  rowsCopyJob,
  rowsJsonJob,
  AML_FILLS_PER_JOB,
  type AmlFillJob,
  type AmlJob,
  type MarketSnapshotRow,
  type PersistJob,
  type QueueRole,
  type ReportJob,
  type RiskSnapshotRow,
} from './queue-payloads.js';

export type { OpenQueuesOptions } from './queue-options.js';

export type JobQueue<D> = Queue<D, unknown, string, D, unknown, string, IQueueBackend, SharedConnection>;
export type JobWorker = Worker<unknown, unknown, string, IQueueBackend, JobProgress, SharedConnection>;
/** A processor sees job.data as unknown: it parses it (a queue is a trust boundary). */
export type JobProcessor = (job: Job<unknown, unknown, string>) => Promise<unknown>;

export interface WorkerOptions {
  /** Jobs of this queue processed at once by this process (default 1). */
  readonly concurrency?: number;
  /** An idle worker's longest wait before it looks for jobs unprompted (default 2 s; see DRAIN_DELAY_S). */
  readonly drainDelaySeconds?: number;
}

export interface QueueCounts {
  readonly waiting: number;
  readonly active: number;
  readonly delayed: number;
  readonly prioritized: number;
  /** Dead letters. */
  readonly failed: number;
  readonly completed: number;
}

export interface DeadLetter {
  /** `<queue>:<job id>`, what replayDeadLetter takes. */
  readonly id: string;
  readonly queue: QueueRole;
  readonly jobId: string;
  readonly name: string;
  /** The last error; a payload that failed validation reads `QUEUE_PAYLOAD_INVALID: ...`. */
  readonly reason: string;
  readonly attemptsMade: number;
  readonly failedAtMs: number | undefined;
  readonly data: unknown;
}

export interface ReplayOptions {
  /** Who replays it (the admin's subject): recorded in the audit trail with the replay. */
  readonly actor: string;
  /** Where the replay is recorded, durably, before it takes effect (the journal's audit chain). */
  readonly audit: AuditSink;
  /**
   * Corrected payload, checked in full before the job is replayed with it. A persist job's may be
   * in any form: `{ kind, rows: [...] }` (rows as objects), `{ kind, rowsJson }` or `{ kind, rowsCopy }`.
   */
  readonly data?: unknown;
}

export interface CloseOptions {
  /** First wait up to this long for every queue to empty (the write-behind flushed), then stop. */
  readonly drainTimeoutMs?: number;
}

export interface Queues {
  readonly backend: QueueBackendKind;
  /** The BullMQ queue names, `<prefix>.<role>`. */
  readonly names: Readonly<Record<QueueRole, string>>;
  readonly persist: JobQueue<PersistJob>;
  readonly aml: JobQueue<AmlJob>;
  readonly report: JobQueue<ReportJob>;
  /**
   * Enqueues the rows in jobs of `rowsPerJob`, each carrying its rows as one text: COPY lines on
   * a server database (PersistRowsCopyJob), a JSON array on the embedded one (PersistRowsJsonJob);
   * resolves with the job ids once they are stored.
   */
  addRiskSnapshots(rows: readonly RiskSnapshotRow[]): Promise<string[]>;
  addMarketSnapshots(rows: readonly MarketSnapshotRow[]): Promise<string[]>;
  /** One aml job per AML_FILLS_PER_JOB fills, in order. */
  addFills(fills: readonly AmlFillJob[]): Promise<string[]>;
  requestReport(job: ReportJob): Promise<string>;
  /** A worker on this queue's backend, closed by close() before the connections. */
  createWorker(role: QueueRole, processor: JobProcessor, opts?: WorkerOptions): JobWorker;
  /** Jobs that exhausted their retries or failed validation, newest first, over the three queues. */
  listDeadLetters(limit?: number): Promise<DeadLetter[]>;
  /**
   * Puts a dead letter back in its queue with a fresh set of attempts (and corrected data, if
   * given), audited first: who, which dead letter, its failure, and whether (and to what, by hash)
   * its data was corrected.
   */
  replayDeadLetter(id: string, opts: ReplayOptions): Promise<void>;
  counts(): Promise<Record<QueueRole, QueueCounts>>;
  /** Resolves when the queues (default: persist) have no waiting, active or delayed job; QUEUE_DRAIN_TIMEOUT after timeoutMs. */
  drain(timeoutMs: number, roles?: readonly QueueRole[]): Promise<void>;
  /**
   * Lets active jobs finish, closes workers, then queues, then the queue connections; call it
   * before Database.close(), whose pool the processors write with. Idempotent.
   */
  close(opts?: CloseOptions): Promise<void>;
}

const COUNT_TYPES = ['waiting', 'active', 'delayed', 'prioritized', 'failed', 'completed'] as const;

/**
 * Completed jobs: a persist job's rows are in PostgreSQL once it completes, so it is removed at
 * once (1000 rows a job would otherwise fill Redis's memory); aml and report keep their last
 * thousand for debugging (aml_alerts and report_runs are the record).
 */
const REMOVE_ON_COMPLETE: Record<QueueRole, JobsOptions['removeOnComplete']> = { persist: true, aml: { count: 1000 }, report: { count: 1000 } };

/**
 * An idle worker's longest wait before it checks for jobs without being told (seconds). A new job
 * wakes it at once on Redis and on PostgreSQL (LISTEN/NOTIFY); this bounds the delay when a wake-up
 * is lost (a dropped LISTEN connection) at little cost: three small queries per wait per worker.
 */
const DRAIN_DELAY_S = 2;

export async function openQueues(options: OpenQueuesOptions): Promise<Queues> {
  const o = normaliseQueueOptions(options);
  const log: LogFn = o.log ?? (() => {});
  const backend: QueueBackend = o.redisUrl !== undefined ? redisQueueBackend(o.redisUrl, o.prefix, log) : postgresQueueBackend(o.db, log);
  const where = o.redisUrl !== undefined ? `Redis ${redactUrl(o.redisUrl)}` : `PostgreSQL schema ${o.db.schema} (${o.db.kind})`;
  const { Queue, Worker } = withBackend(backend.factory);
  // Loaded only with tracing on (queue-telemetry.ts); the same instance serves producers and workers.
  const telemetry = o.traced ? await queueTelemetry() : undefined;
  const names = Object.freeze(Object.fromEntries(QUEUE_ROLES.map((r) => [r, `${o.prefix}.${r}`])) as Record<QueueRole, string>);

  const jobOptions = (role: QueueRole): { connection: SharedConnection; defaultJobOptions: JobsOptions; telemetry?: Telemetry } => ({
    connection: SHARED_CONNECTION,
    ...(telemetry ? { telemetry } : {}),
    defaultJobOptions: {
      attempts: o.attempts,
      backoff: { type: 'exponential', delay: o.backoffMs },
      removeOnComplete: REMOVE_ON_COMPLETE[role],
      removeOnFail: false,
    },
  });
  const persist: JobQueue<PersistJob> = new Queue<PersistJob, unknown>(names.persist, jobOptions('persist'));
  const aml: JobQueue<AmlJob> = new Queue<AmlJob, unknown>(names.aml, jobOptions('aml'));
  const report: JobQueue<ReportJob> = new Queue<ReportJob, unknown>(names.report, jobOptions('report'));
  for (const role of QUEUE_ROLES) {
    const q = { persist, aml, report }[role];
    q.on('error', (err: Error) => log('warn', 'queue error', { queue: names[role], error: err.message }));
  }
  // For what is the same on the three (counts, dead letters); the cast only forgets the payload type.
  const byRole = { persist, aml, report } as Record<QueueRole, JobQueue<unknown>>;
  const workers = new Set<JobWorker>();
  let closing: Promise<void> | undefined;

  try {
    await withTimeout(Promise.all([persist, aml, report].map((q) => q.waitUntilReady())), o.connectTimeoutMs, `not ready after ${o.connectTimeoutMs} ms`);
  } catch (err) {
    await Promise.allSettled([persist, aml, report].map((q) => q.close()));
    await backend.close().catch(() => {});
    throw queueErrors.unavailable(where, err);
  }
  log('info', 'queues open', { backend: backend.kind, where, queues: Object.values(names) });

  const live = (): void => {
    if (closing !== undefined) throw queueErrors.closed();
  };
  const chunks = <T>(rows: readonly T[]): T[][] => {
    const out: T[][] = [];
    for (let i = 0; i < rows.length; i += o.rowsPerJob) out.push(rows.slice(i, i + o.rowsPerJob));
    return out;
  };
  const ids = (jobs: readonly { id?: string | undefined }[]): string[] => jobs.map((j) => String(j.id));
  // COPY text for a server (half the database's work of rowsJson); rowsJson for the embedded
  // database, whose socket server does not take COPY FROM STDIN (PersistRowsCopyJob).
  const copyForm = o.db.kind === 'external';

  const countsOf = async (role: QueueRole): Promise<QueueCounts> => {
    const c = await byRole[role].getJobCounts(...COUNT_TYPES);
    const n = (t: (typeof COUNT_TYPES)[number]): number => c[t] ?? 0;
    return { waiting: n('waiting'), active: n('active'), delayed: n('delayed'), prioritized: n('prioritized'), failed: n('failed'), completed: n('completed') };
  };
  const counts = async (): Promise<Record<QueueRole, QueueCounts>> => {
    const [p, a, r] = await Promise.all([countsOf('persist'), countsOf('aml'), countsOf('report')]);
    return { persist: p, aml: a, report: r };
  };

  const drain = async (timeoutMs: number, roles: readonly QueueRole[] = ['persist']): Promise<void> => {
    const deadline = performance.now() + timeoutMs;
    let pauseMs = 5;
    for (;;) {
      const c = await counts();
      const pending = roles
        .map((r) => [r, c[r].waiting + c[r].active + c[r].delayed + c[r].prioritized] as const)
        .filter(([, n]) => n > 0);
      if (pending.length === 0) return;
      const left = deadline - performance.now();
      if (left <= 0) throw queueErrors.drainTimeout(timeoutMs, pending.map(([r, n]) => `${r}: ${n}`).join(', '));
      await new Promise((resolve) => setTimeout(resolve, Math.min(pauseMs, left)));
      pauseMs = Math.min(pauseMs * 2, 100);
    }
  };

  const parseDeadLetterId = (id: string): { role: QueueRole; jobId: string } => {
    const at = id.indexOf(':');
    const role = id.slice(0, at) as QueueRole;
    const jobId = id.slice(at + 1);
    if (at < 0 || !QUEUE_ROLES.includes(role) || jobId === '') throw queueErrors.deadLetterId(id);
    return { role, jobId };
  };

  return {
    backend: backend.kind,
    names,
    persist,
    aml,
    report,

    async addRiskSnapshots(rows) {
      live();
      if (rows.length === 0) return [];
      return ids(await persist.addBulk(chunks(rows).map((part) => ({ name: 'risk_snapshots', data: copyForm ? rowsCopyJob('risk_snapshots', part) : rowsJsonJob('risk_snapshots', part) }))));
    },
    async addMarketSnapshots(rows) {
      live();
      if (rows.length === 0) return [];
      return ids(await persist.addBulk(chunks(rows).map((part) => ({ name: 'market_snapshots', data: copyForm ? rowsCopyJob('market_snapshots', part) : rowsJsonJob('market_snapshots', part) }))));
    },
    async addFills(fills) {
      live();
      if (fills.length === 0) return [];
      const jobs: { name: string; data: AmlJob }[] = [];
      for (let i = 0; i < fills.length; i += AML_FILLS_PER_JOB) jobs.push({ name: 'fills', data: { fills: fills.slice(i, i + AML_FILLS_PER_JOB) } });
      return ids(await aml.addBulk(jobs));
    },
    async requestReport(job) {
      live();
      // A compliance report's job is named by its report: queued again (the start-up catch-up of
      // a job Redis lost), it is one job, not two runs of the same report.
      // The day's retention run likewise, whichever engine asks first.
      const jobId = job.kind === 'compliance_report' ? job.reportId : job.kind === 'retention' ? `retention-${job.asOf}` : undefined;
      return String((await report.add(job.kind, job, jobId !== undefined ? { jobId } : undefined)).id);
    },

    createWorker(role, processor, opts = {}) {
      live();
      backend.workersStarting();
      const w: JobWorker = new Worker<unknown, unknown, string>(names[role], processor, {
        connection: SHARED_CONNECTION,
        ...(telemetry ? { telemetry } : {}),
        concurrency: opts.concurrency ?? 1,
        drainDelay: opts.drainDelaySeconds ?? DRAIN_DELAY_S,
        lockDuration: o.lockDurationMs,
        stalledInterval: o.stalledIntervalMs,
      });
      w.on('error', (err: Error) => log('error', 'queue worker error', { queue: names[role], error: err.message }));
      w.on('failed', (job: Job | undefined, err: Error) => {
        const final = job === undefined || err.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
        const fields = { queue: names[role], jobId: job?.id, attemptsMade: job?.attemptsMade, error: err.message };
        if (final) log('error', 'job moved to dead letters', fields);
        else log('warn', 'job failed, will retry', fields);
      });
      workers.add(w);
      return w;
    },

    async listDeadLetters(limit = 100) {
      if (!(limit >= 1)) return [];
      const perQueue = await Promise.all(QUEUE_ROLES.map(async (role) => ({ role, jobs: await byRole[role].getFailed(0, Math.max(0, limit - 1)) })));
      return perQueue
        .flatMap(({ role, jobs }) =>
          jobs.filter((j): j is Job<unknown, unknown, string> => j !== undefined).map(
            (j): DeadLetter => ({
              id: `${role}:${j.id}`,
              queue: role,
              jobId: String(j.id),
              name: j.name,
              reason: j.failedReason,
              attemptsMade: j.attemptsMade,
              failedAtMs: j.finishedOn,
              data: j.data,
            }),
          ),
        )
        .sort((a, b) => (b.failedAtMs ?? 0) - (a.failedAtMs ?? 0))
        .slice(0, limit);
    },

    async replayDeadLetter(id, opts) {
      live();
      const { role, jobId } = parseDeadLetterId(id);
      const job = await byRole[role].getJob(jobId);
      const state = job === undefined ? 'unknown' : await job.getState();
      if (job === undefined || state !== 'failed') throw queueErrors.deadLetterNotFound(id, state);
      const checked = opts.data === undefined ? undefined : checkJobData(role, opts.data);
      if (checked !== undefined && !checked.ok) throw queueErrors.replayInvalid(id, checked.issues);
      // Recorded before it takes effect, so no replay goes unaudited (a replay that then fails is
      // answered with the error, and recorded again when the operator retries). The payloads
      // themselves are not copied into the trail (a persist job's is megabytes): their hashes are.
      await opts.audit({
        actor: opts.actor, action: 'dead_letter.replayed', entityType: 'dead_letter', entityId: id,
        before: { queue: role, queueName: names[role], jobId, reason: job.failedReason ?? null, attemptsMade: job.attemptsMade, dataSha256: sha256Json(job.data) },
        after: { corrected: checked !== undefined, dataSha256: checked !== undefined ? sha256Json(checked.data) : sha256Json(job.data) },
      });
      if (checked !== undefined) await job.updateData(checked.data);
      await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
      log('info', 'dead letter replayed', { id, by: opts.actor, corrected: checked !== undefined });
    },

    counts,
    drain,

    close(opts = {}) {
      closing ??= (async () => {
        if (opts.drainTimeoutMs !== undefined && workers.size > 0) {
          await drain(opts.drainTimeoutMs, QUEUE_ROLES).catch((err: unknown) =>
            log('warn', 'closing with jobs still queued', { error: err instanceof QueueError ? err.message : String(err) }),
          );
        }
        backend.workersStopping();
        // Worker.close() without force waits for the jobs in hand to finish.
        await Promise.all([...workers].map((w) => w.close()));
        await Promise.all([persist, aml, report].map((q) => q.close()));
        await backend.close();
        log('info', 'queues closed', { backend: backend.kind });
      })();
      return closing;
    },
  };
}

/** A job payload's fingerprint for the audit trail: of its canonical JSON, as a backend may give its keys back in another order. */
export function sha256Json(data: unknown): string {
  return createHash('sha256').update(canonical(toJsonValue(data))).digest('hex');
}
