/** The market-risk capital report (`capital`), Basel 2.5 style: VaR and stressed VaR charges with every step. */
import { capitalCsv, capitalJson } from '../../../engine/reports/capital/capital-render.js';
import type { CapitalDocument } from '../../../engine/reports/capital/capital-document.js';
import { loadCapital } from '../../../persistence/reports/capital-source.js';
import type { ReportDefinition } from '../report-definition.js';

export const capitalReport: ReportDefinition<CapitalDocument> = {
  type: 'capital',
  formats: ['json', 'csv'],
  period: 'day',
  byPortfolio: true,
  load: loadCapital,
  render: (doc, _req, format) => (format === 'csv' ? capitalCsv(doc) : capitalJson(doc)),
};
