/**
 * Runs one compliance report (a `compliance_report` job of the report queue): reads the request
 * from its row, loads the inputs, renders them, and stores the bytes with their sha256 and the
 * versions the load read. The row says how it ended:
 * - done: the content, its hash and versions;
 * - failed with the definition's ReportError code: the inputs cannot make a valid report (a bad
 *   LEI, a missing ISIN, no prices). Not retried: the same inputs fail the same way. The officer
 *   fixes the data or the settings and asks again;
 * - anything else (the database went away) is retried by the queue with its backoff, and only the
 *   last attempt marks the row failed (REPORT_GENERATION_FAILED), so a transient fault is not
 *   reported as a failed report.
 */
import { createHash } from 'node:crypto';
import type { Job } from 'bullmq';
import type { ReportRows } from '../../persistence/reports/report-rows.js';
import type { LogFn } from '../../logger.js';
import { type ReportDefinition, ReportError, type ReportSources, type ReportType } from './report-definition.js';

export interface ComplianceReportDeps {
  readonly rows: ReportRows;
  /** Made per job (report-sources.ts says why). */
  sources(): ReportSources;
  readonly definitions: ReadonlyMap<ReportType, ReportDefinition<unknown>>;
  readonly now?: () => number;
  readonly log?: LogFn;
}

export type ReportOutcome =
  | { readonly reportId: string; readonly status: 'done'; readonly sha256: string; readonly bytes: number }
  | { readonly reportId: string; readonly status: 'failed'; readonly code: string }
  | { readonly reportId: string; readonly status: 'skipped' };

export const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

export function complianceReportProcessor(d: ComplianceReportDeps) {
  const now = d.now ?? Date.now;
  return async (job: Job<unknown, unknown, string>, { reportId }: { readonly reportId: string }): Promise<ReportOutcome> => {
    const req = await d.rows.start(reportId, now());
    // Gone, or done by an earlier attempt whose completion the queue did not hear: nothing to do.
    if (!req) return { reportId, status: 'skipped' };
    const def = d.definitions.get(req.type);
    if (!def) {
      await d.rows.fail(reportId, 'REPORT_TYPE_UNAVAILABLE', `this engine has no ${req.type} report`, now());
      return { reportId, status: 'failed', code: 'REPORT_TYPE_UNAVAILABLE' };
    }
    try {
      const { input, versions } = await def.load(d.sources(), req);
      const content = def.render(input, req, req.format);
      const sha256 = sha256Hex(content);
      await d.rows.finish(reportId, content, sha256, versions, now());
      d.log?.('info', 'report done', { reportId, type: req.type, from: req.from, to: req.to, format: req.format, sha256 });
      return { reportId, status: 'done', sha256, bytes: Buffer.byteLength(content, 'utf8') };
    } catch (err) {
      if (err instanceof ReportError) {
        await d.rows.fail(reportId, err.code, err.message, now());
        d.log?.('warn', 'report failed', { reportId, type: req.type, code: err.code, error: err.message });
        return { reportId, status: 'failed', code: err.code };
      }
      const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (last) await d.rows.fail(reportId, 'REPORT_GENERATION_FAILED', (err as Error).message, now()).catch(() => {});
      throw err;
    }
  };
}
