import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { type Job, UnrecoverableError } from 'bullmq';
import { ReportJob } from '../../persistence/queue-payloads.js';
import type { JobProcessor } from '../../persistence/queues.js';
import type { ReportStore } from '../../persistence/report-store.js';
import { writeFileAtomic } from './atomic-write.js';
import { buildPositionsRiskReport } from './positions-risk-report.js';
import { parseJob } from './parse-job.js';

/** `<reportsDir>/positions-risk-<asOf>.json`, one file per business date; a rerun replaces it. */
export const positionsRiskReportPath = (reportsDir: string, asOf: string): string => join(reportsDir, `positions-risk-${asOf}.json`);

/**
 * The report queue's jobs, each to its processor by kind: the positions-and-risk file, compliance
 * reports (src/workers/reports) and the retention run (src/workers/retention). A kind without a
 * processor here (the compliance reports of an engine without their settings) fails unrecoverably.
 */
export const reportQueueProcessor =
  (by: { readonly [K in ReportJob['kind']]?: (job: Job<unknown, unknown, string>, data: Extract<ReportJob, { kind: K }>) => Promise<unknown> }): JobProcessor =>
  async (job) => {
    const data = parseJob(ReportJob, job);
    const run = by[data.kind] as ((job: Job<unknown, unknown, string>, data: ReportJob) => Promise<unknown>) | undefined;
    if (!run) throw new UnrecoverableError(`REPORT_KIND_UNAVAILABLE: this engine does not run ${data.kind} jobs`);
    return run(job, data);
  };

/** The positions-and-risk file of a day: build it from the database, write it atomically, record the run. */
export const reportProcessor =
  (store: ReportStore, reportsDir: string, now: () => Date = () => new Date()) =>
  async (_job: Job<unknown, unknown, string>, { kind, asOf }: Extract<ReportJob, { kind: 'daily_positions_risk' }>): Promise<unknown> => {
    const rows = await store.positionsWithRisk();
    const content = `${JSON.stringify(buildPositionsRiskReport(asOf, rows, now()), null, 2)}\n`;
    const path = positionsRiskReportPath(reportsDir, asOf);
    await writeFileAtomic(path, content);
    await store.recordRun({ kind, asOf, path, rowCount: rows.length, sha256: createHash('sha256').update(content).digest('hex') });
    return { path, rows: rows.length };
  };
