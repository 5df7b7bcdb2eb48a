/** The AML report of a period: docs/REPORTS.md. */
import { type AmlReportInput, renderAmlCsv, renderAmlJson } from '../../../engine/reports/aml/aml-report.js';
import { loadAml } from '../../../persistence/reports/aml-source.js';
import { type ReportDefinition, type ReportFormat, ReportError } from '../report-definition.js';

export const amlReport: ReportDefinition<AmlReportInput> = {
  type: 'aml',
  formats: ['json', 'csv'],
  period: 'range',
  byPortfolio: true,
  load: (src, req) => loadAml(src, req.from, req.to, req.portfolioId),
  render(input, _req, format: ReportFormat) {
    if (format === 'json') return renderAmlJson(input);
    if (format === 'csv') return renderAmlCsv(input);
    throw new ReportError('REPORT_FORMAT_UNSUPPORTED', `the aml report renders json or csv, not ${format}`);
  },
};
