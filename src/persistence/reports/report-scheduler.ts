/**
 * The scheduled reports: each business day's reports are requested once its configured minute
 * (REPORT_TIME_UTC) has passed, and a start catches up the days it missed (the engine was down)
 * up to REPORT_CATCH_UP_DAYS business days back. A scheduled report of a day is one row
 * (migration 0018's unique index), so the catch-up, the minute timer and any other engine on the
 * same database cannot request it twice.
 *
 * It also queues again the reports whose job may have been lost (queued or running for longer
 * than `requeueAfterMs`: a Redis without persistence that restarted): the job is named by its
 * report, so a job that still exists is not added twice.
 *
 * The retention run (src/workers/retention) is requested here too, once a day, on the same queue.
 */
import type { LogFn } from '../../logger.js';
import { dueBusinessDays, isoDay } from '../../engine/reports/schedule.js';
import type { ReportDefinition, ReportFormat, ReportType } from '../../workers/reports/report-definition.js';
import type { ReportJob } from '../queue-payloads.js';
import type { ReportRows } from './report-rows.js';

export interface ReportSchedulerOptions {
  readonly rows: ReportRows;
  readonly requestReport: (job: ReportJob) => Promise<string>;
  /** The types scheduled each business day, with their definitions (the scheduled format is the first). */
  readonly scheduled: ReadonlyMap<ReportType, Pick<ReportDefinition<unknown>, 'formats'>>;
  /** Minute of the UTC day from which a day's reports are due. */
  readonly minuteUtc: number;
  readonly catchUpDays: number;
  /** YYYY-MM-DD: no report is scheduled for a day before it (when the database began keeping reports). */
  readonly notBefore: string;
  /** Request the day's retention run too. */
  readonly retention: boolean;
  readonly now?: () => number;
  readonly log?: LogFn;
  readonly intervalMs?: number;
  readonly requeueAfterMs?: number;
}

export const REPORT_SCHEDULER_DEFAULTS = Object.freeze({ intervalMs: 60_000, requeueAfterMs: 10 * 60_000 });

export interface ReportScheduler {
  /** One pass: schedule what is due, queue again what may be lost. Answers the reports it requested. */
  tick(): Promise<string[]>;
  stop(): void;
}

export function startReportScheduler(o: ReportSchedulerOptions): ReportScheduler {
  const now = o.now ?? Date.now;
  const requeueAfterMs = o.requeueAfterMs ?? REPORT_SCHEDULER_DEFAULTS.requeueAfterMs;
  let lastRetentionDay = '';
  let running: Promise<string[]> | undefined;

  async function pass(): Promise<string[]> {
    const nowMs = now();
    const days = dueBusinessDays(nowMs, o.minuteUtc, o.catchUpDays, o.notBefore);
    const requested: string[] = [];
    if (days.length > 0) {
      const first = days[0] as string, last = days.at(-1) as string;
      for (const [type, def] of o.scheduled) {
        const have = await o.rows.scheduledDays(type, first, last);
        for (const day of days) {
          if (have.has(day)) continue;
          const id = await o.rows.create({ type, from: day, to: day, format: def.formats[0] as ReportFormat }, 'scheduler', nowMs, true);
          if (id === undefined) continue; // another engine scheduled it first
          await o.requestReport({ kind: 'compliance_report', reportId: id });
          requested.push(id);
        }
      }
      if (requested.length > 0) o.log?.('info', 'scheduled reports requested', { reports: requested.length, from: first, to: last });
    }
    for (const id of await o.rows.unfinished(nowMs - requeueAfterMs, 100)) await o.requestReport({ kind: 'compliance_report', reportId: id });
    const today = isoDay(nowMs);
    if (o.retention && today !== lastRetentionDay && nowMs - Date.parse(`${today}T00:00:00Z`) >= o.minuteUtc * 60_000) {
      await o.requestReport({ kind: 'retention', asOf: today });
      lastRetentionDay = today;
    }
    return requested;
  }

  const tick = (): Promise<string[]> => {
    // One pass at a time: a slow database must not stack passes up.
    running ??= pass().finally(() => { running = undefined; });
    return running;
  };
  const timer = setInterval(() => {
    tick().catch((err: unknown) => o.log?.('warn', 'report scheduler: a pass failed; the next one retries', { error: err instanceof Error ? err.message : String(err) }));
  }, o.intervalMs ?? REPORT_SCHEDULER_DEFAULTS.intervalMs);
  timer.unref();
  return { tick, stop: () => clearInterval(timer) };
}

/** The day the database began keeping reports (migration 0018's application), for `notBefore`. */
export async function reportsKeptSince(pool: { query<R extends object>(sql: string): Promise<{ rows: R[] }> }): Promise<string> {
  const r = await pool.query<{ d: string | null }>(`SELECT to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS d FROM app_migrations WHERE version = 18`);
  return r.rows[0]?.d ?? isoDay(Date.now());
}
