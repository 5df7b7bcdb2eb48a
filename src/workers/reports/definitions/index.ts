/** Every report type the report queue runs, by type. */
import type { ReportDefinition, ReportType } from '../report-definition.js';
import { amlReport } from './aml.js';
import { capitalReport } from './capital.js';
import { dailyRiskReport } from './daily-risk.js';
import { largePositionsReport } from './large-positions.js';
import { privilegedChangesReport } from './privileged-changes.js';
import { rts22Report } from './rts22.js';

// Each definition is typed by its own input; the queue only passes what its load made to its render.
const ALL = [rts22Report, dailyRiskReport, capitalReport, largePositionsReport, amlReport, privilegedChangesReport] as unknown as readonly ReportDefinition<unknown>[];

export const REPORT_DEFINITIONS: ReadonlyMap<ReportType, ReportDefinition<unknown>> = new Map(ALL.map((d) => [d.type, d]));
