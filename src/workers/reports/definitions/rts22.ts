/**
 * The MiFIR RTS 22 transaction report: one record per execution of a listed option, as auth.016
 * XML (the default: what a regulator's reporting system takes) or CSV. Gated by
 * MIFID_II_REPORTING_ENABLED at the queue (the integrator's processor), not here.
 * docs/REPORTS.md ("MiFIR transaction report") describes every field.
 */
import { renderRts22Csv } from '../../../engine/reports/rts22/rts22-csv.js';
import type { Rts22Input } from '../../../engine/reports/rts22/rts22-record.js';
import { renderRts22Xml } from '../../../engine/reports/rts22/rts22-xml.js';
import { loadRts22 } from '../../../persistence/reports/rts22-source.js';
import { ReportError, type ReportDefinition } from '../report-definition.js';

export const rts22Report: ReportDefinition<Rts22Input> = {
  type: 'rts22',
  formats: ['xml', 'csv'],
  period: 'range',
  byPortfolio: true,
  load: loadRts22,
  render(input, _req, format) {
    if (format === 'xml') return renderRts22Xml(input);
    if (format === 'csv') return renderRts22Csv(input);
    throw new ReportError('REPORT_FORMAT_UNSUPPORTED', `the rts22 report renders xml or csv, not ${format}`);
  },
};
