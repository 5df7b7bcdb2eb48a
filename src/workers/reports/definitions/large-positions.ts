/** The large options position report (FINRA 2360(b)(5)) of one day: docs/REPORTS.md. */
import { type LargePositionsInput, renderLargePositionsCsv, renderLargePositionsJson } from '../../../engine/reports/large-positions/large-positions-report.js';
import { loadLargePositions } from '../../../persistence/reports/large-positions-source.js';
import { type ReportDefinition, ReportError } from '../report-definition.js';

export const largePositionsReport: ReportDefinition<LargePositionsInput> = {
  type: 'large-positions',
  formats: ['json', 'csv'],
  period: 'day',
  // The rule aggregates an account across its portfolios: one portfolio alone would hide the aggregate.
  byPortfolio: false,
  load: (src, req) => loadLargePositions(src, req.to),
  render(input, _req, format) {
    if (format === 'json') return renderLargePositionsJson(input);
    if (format === 'csv') return renderLargePositionsCsv(input);
    throw new ReportError('REPORT_FORMAT_UNSUPPORTED', `the large-positions report renders json or csv, not ${format}`);
  },
};
