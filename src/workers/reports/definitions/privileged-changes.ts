/** The privileged-change audit of a period, SOX style (SOX_COMPLIANCE_ENABLED): docs/REPORTS.md. */
import {
  type PrivilegedChangesInput, renderPrivilegedChangesCsv, renderPrivilegedChangesJson,
} from '../../../engine/reports/privileged-changes/privileged-changes-report.js';
import { loadPrivilegedChanges } from '../../../persistence/reports/privileged-changes-source.js';
import { type ReportDefinition, ReportError } from '../report-definition.js';

export const privilegedChangesReport: ReportDefinition<PrivilegedChangesInput> = {
  type: 'privileged-changes',
  formats: ['json', 'csv'],
  period: 'range',
  // Each chain is verified whole over the period: a portfolio's share of its partition's chain cannot be verified apart.
  byPortfolio: false,
  load: (src, req) => loadPrivilegedChanges(src, req.from, req.to),
  render(input, _req, format) {
    if (format === 'json') return renderPrivilegedChangesJson(input);
    if (format === 'csv') return renderPrivilegedChangesCsv(input);
    throw new ReportError('REPORT_FORMAT_UNSUPPORTED', `the privileged-changes report renders json or csv, not ${format}`);
  },
};
