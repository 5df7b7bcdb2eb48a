/** Every report type the report queue runs, by type. */
import type { ReportDefinition, ReportType } from '../report-definition.js';

export const REPORT_DEFINITIONS: ReadonlyMap<ReportType, ReportDefinition<unknown>> = new Map<ReportType, ReportDefinition<unknown>>([]);
