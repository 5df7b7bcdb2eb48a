/** The daily risk report (`daily-risk`): VaR/ES, Greeks, margin, breaches and the backtest of one day's book. */
import type { DailyRiskDocument } from '../../../engine/reports/daily-risk/daily-risk-document.js';
import { dailyRiskHtml } from '../../../engine/reports/daily-risk/daily-risk-html.js';
import { dailyRiskJson } from '../../../engine/reports/daily-risk/daily-risk-json.js';
import { loadDailyRisk } from '../../../persistence/reports/daily-risk-source.js';
import type { ReportDefinition } from '../report-definition.js';

export const dailyRiskReport: ReportDefinition<DailyRiskDocument> = {
  type: 'daily-risk',
  formats: ['json', 'html'],
  period: 'day',
  byPortfolio: true,
  load: loadDailyRisk,
  render: (doc, _req, format) => (format === 'html' ? dailyRiskHtml(doc) : dailyRiskJson(doc)),
};
