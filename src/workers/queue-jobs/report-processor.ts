import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { ReportJob } from '../../persistence/queue-payloads.js';
import type { JobProcessor } from '../../persistence/queues.js';
import type { ReportStore } from '../../persistence/report-store.js';
import { writeFileAtomic } from './atomic-write.js';
import { buildPositionsRiskReport } from './positions-risk-report.js';
import { parseJob } from './parse-job.js';

/** `<reportsDir>/positions-risk-<asOf>.json`, one file per business date; a rerun replaces it. */
export const positionsRiskReportPath = (reportsDir: string, asOf: string): string => join(reportsDir, `positions-risk-${asOf}.json`);

/** The report queue: build the report from the database, write it atomically, record the run. */
export const reportProcessor =
  (store: ReportStore, reportsDir: string, now: () => Date = () => new Date()): JobProcessor =>
  async (job) => {
    const { kind, asOf } = parseJob(ReportJob, job);
    const rows = await store.positionsWithRisk();
    const content = `${JSON.stringify(buildPositionsRiskReport(asOf, rows, now()), null, 2)}\n`;
    const path = positionsRiskReportPath(reportsDir, asOf);
    await writeFileAtomic(path, content);
    await store.recordRun({ kind, asOf, path, rowCount: rows.length, sha256: createHash('sha256').update(content).digest('hex') });
    return { path, rows: rows.length };
  };
