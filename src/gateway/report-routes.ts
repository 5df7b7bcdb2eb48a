/**
 * Compliance reports over REST (docs/REPORTS.md):
 *   POST /compliance/report {type, date | from, to, portfolioId?, format?} → 202 {reportId, status}
 *   GET  /compliance/report?type=&from=&to=&limit=                        → {reports: [summary]}
 *   GET  /compliance/reports/{id}              → the report's status, hash, versions, and its content once done
 *   GET  /compliance/reports/{id}/content      → the content alone, as its format (CSV, XML, HTML, JSON)
 * The report queue makes them (src/workers/reports); these routes record the request and read the rows.
 *
 * Who: the reports naming customers or their suspicions (RTS 22, large positions, AML, privileged
 * changes) are compliance officers' (action `reports`); the risk reports (daily risk, capital) are
 * risk managers' too (`riskReports`), over the portfolios their grants cover: a whole-book report
 * needs a grant on every portfolio. Every request and every read of a content is audited, as the
 * KYC routes audit reads: these documents carry personal data.
 */
import { z } from 'zod';
import type { ReportListFilter, ReportRecord, ReportRows, ReportSummary } from '../persistence/reports/report-rows.js';
import { CONTENT_TYPES, REPORT_FORMATS, REPORT_TYPES, type ReportDefinition, type ReportFormat, type ReportRequest, type ReportType } from '../workers/reports/report-definition.js';
import { type Action, covers, hasRole, scopeOf } from './authorize.js';
import { type HttpResult, fail } from './http-util.js';
import type { AuditSink, Principal } from './identity/ports.js';
import { FORBIDDEN } from './route-doc.js';
import { type RouteContext, type RouteSpec, parseBody, parseQuery } from './route-spec.js';

export interface ReportRouteDeps {
  /** Undefined without a database (PERSISTENCE=memory): the routes answer REPORTS_UNAVAILABLE. */
  readonly rows?: ReportRows;
  /** Queues the job that makes the report. */
  readonly enqueue?: (reportId: string) => Promise<unknown>;
  readonly definitions: ReadonlyMap<ReportType, Pick<ReportDefinition<unknown>, 'formats' | 'period' | 'byPortfolio'>>;
  /** MIFID_II_REPORTING_ENABLED and SOX_COMPLIANCE_ENABLED. */
  readonly enabled: { readonly rts22: boolean; readonly privilegedChanges: boolean };
  readonly audit: AuditSink;
  readonly clock?: () => number;
}

/** The action a report type needs. */
export const REPORT_ACTION: { readonly [T in ReportType]: Action } = {
  rts22: 'reports', 'large-positions': 'reports', aml: 'reports', 'privileged-changes': 'reports',
  'daily-risk': 'riskReports', capital: 'riskReports',
};

/** Longest period of one report: a year and a day (a leap year's report of the year). */
export const MAX_REPORT_DAYS = 366;

const Day = z.iso.date();
const PortfolioId = z.string().trim().min(1).max(128).regex(/^[\p{L}\p{N}._:-]+$/u, 'letters, digits and . _ : - only');

export const ReportRequestBody = z.strictObject({
  type: z.enum(REPORT_TYPES),
  /** One business day (the day reports, or a range report of one day). */
  date: Day.optional(),
  from: Day.optional(),
  to: Day.optional(),
  portfolioId: PortfolioId.optional(),
  format: z.enum(REPORT_FORMATS).optional(),
});
export type ReportRequestBody = z.infer<typeof ReportRequestBody>;

export const ReportListQuery = z.strictObject({
  type: z.enum(REPORT_TYPES).optional(),
  from: Day.optional(),
  to: Day.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

const REPORT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const unavailable = (): HttpResult => fail(503, { code: 'REPORTS_UNAVAILABLE', message: 'no reports without a database (PERSISTENCE=memory): the report queue does not run' });
const invalid = (message: string): HttpResult => fail(400, { code: 'REPORT_REQUEST_INVALID', message });
const notFound = (id: string): HttpResult => fail(404, { code: 'REPORT_NOT_FOUND', message: `report ${id.slice(0, 64)} not found` });
const forbidden = (why: string): HttpResult => fail(403, { code: 'FORBIDDEN', message: why });

const daysBetween = (from: string, to: string): number => (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000;

/** The body as a request, or why not (the caller's fault: 400). Pure. */
export function checkReportRequest(
  b: ReportRequestBody, def: Pick<ReportDefinition<unknown>, 'formats' | 'period' | 'byPortfolio'>, todayUtc: string,
): { ok: true; value: ReportRequest } | { ok: false; message: string } {
  if (b.date !== undefined && (b.from !== undefined || b.to !== undefined)) return { ok: false, message: 'give date, or from and to, not both' };
  const from = b.date ?? b.from;
  const to = b.date ?? b.to ?? (def.period === 'day' ? b.from : undefined);
  if (from === undefined || to === undefined) return { ok: false, message: def.period === 'day' ? 'date: the business day of the report' : 'from and to: the period of the report (UTC days, inclusive), or date' };
  if (to < from) return { ok: false, message: `from ${from} is after to ${to}` };
  if (def.period === 'day' && from !== to) return { ok: false, message: `a ${b.type} report is of one day: give date (or from = to)` };
  if (daysBetween(from, to) + 1 > MAX_REPORT_DAYS) return { ok: false, message: `a report covers at most ${MAX_REPORT_DAYS} days` };
  if (to > todayUtc) return { ok: false, message: `${to} is in the future (today is ${todayUtc} UTC)` };
  const format: ReportFormat = b.format ?? (def.formats[0] as ReportFormat);
  if (!def.formats.includes(format)) return { ok: false, message: `format: a ${b.type} report is ${def.formats.join(' or ')}` };
  if (b.portfolioId !== undefined && !def.byPortfolio) return { ok: false, message: `portfolioId: a ${b.type} report covers every portfolio` };
  return { ok: true, value: { type: b.type, from, to, format, ...(b.portfolioId !== undefined ? { portfolioId: b.portfolioId } : {}) } };
}

/** Null when `p` may see reports of this type (of this portfolio, or of every portfolio when none). */
function mayAccess(p: Principal, type: ReportType, portfolioId: string | null | undefined): string | null {
  const action = REPORT_ACTION[type];
  if (portfolioId !== null && portfolioId !== undefined) return covers(p, action, portfolioId) ? null : `no grant allows ${type} reports of portfolio ${portfolioId}`;
  if (!hasRole(p, action)) return `no grant allows ${type} reports`;
  return scopeOf(p, action) === null ? null : `a ${type} report of every portfolio needs a grant on every portfolio; give portfolioId`;
}

const summaryOut = (r: ReportSummary) => r;

export function reportRoutes(deps: ReportRouteDeps): RouteSpec[] {
  const now = deps.clock ?? Date.now;

  async function readable(c: RouteContext): Promise<{ ok: true; report: ReportRecord } | { ok: false; result: HttpResult }> {
    if (!hasRole(c.principal, 'reports') && !hasRole(c.principal, 'riskReports')) return { ok: false, result: forbidden('no grant allows reports') };
    if (deps.rows === undefined) return { ok: false, result: unavailable() };
    const id = c.req.params[0] ?? '';
    if (!REPORT_ID.test(id)) return { ok: false, result: notFound(id) };
    const report = await deps.rows.get(id);
    // Another type's report is answered as absent, not forbidden: its existence is not the caller's to learn.
    if (report === undefined || mayAccess(c.principal, report.type, report.portfolioId) !== null) return { ok: false, result: notFound(id) };
    return { ok: true, report };
  }

  return [
    {
      method: 'post', pattern: '/compliance/report', paramCount: 0, hasBody: true,
      doc: {
        summary: 'Request a report: the report queue makes it; poll GET /compliance/reports/{id}', tags: ['reports'], body: ReportRequestBody,
        bodyExample: { type: 'daily-risk', date: '2026-12-04', format: 'html' },
        responses: { 202: { description: '{reportId, status: queued}; the Location header names the report' } },
        errors: { 400: ['INVALID_MESSAGE', 'REPORT_REQUEST_INVALID'], ...FORBIDDEN, 409: ['REPORT_TYPE_DISABLED'], 503: ['REPORTS_UNAVAILABLE'] },
      },
      async handle(c) {
        const b = parseBody(ReportRequestBody, c.body);
        if (!b.ok) return b.result;
        const why = mayAccess(c.principal, b.value.type, b.value.portfolioId);
        if (why !== null) return forbidden(why);
        if (b.value.type === 'rts22' && !deps.enabled.rts22) return fail(409, { code: 'REPORT_TYPE_DISABLED', message: 'the RTS 22 report is off (MIFID_II_REPORTING_ENABLED=false)' });
        if (b.value.type === 'privileged-changes' && !deps.enabled.privilegedChanges) return fail(409, { code: 'REPORT_TYPE_DISABLED', message: 'the privileged-change report is off (SOX_COMPLIANCE_ENABLED=false)' });
        const def = deps.definitions.get(b.value.type);
        if (def === undefined) return fail(409, { code: 'REPORT_TYPE_DISABLED', message: `this engine has no ${b.value.type} report` });
        if (deps.rows === undefined || deps.enqueue === undefined) return unavailable();
        const nowMs = now();
        const checked = checkReportRequest(b.value, def, new Date(nowMs).toISOString().slice(0, 10));
        if (!checked.ok) return invalid(checked.message);
        const reportId = await deps.rows.create(checked.value, c.principal.sub, nowMs) as string;
        await deps.audit({ actor: c.principal.sub, action: 'report.requested', entityType: 'report', entityId: reportId, before: null, after: { ...checked.value } });
        // Queued after the row exists: a job never names a missing row. A failed add leaves the row
        // queued, and the scheduler's sweep of unfinished reports queues it again.
        await deps.enqueue(reportId);
        return { status: 202, body: { reportId, status: 'queued' }, headers: [['location', `/compliance/reports/${reportId}`]] };
      },
    },
    {
      method: 'get', pattern: '/compliance/report', paramCount: 0, hasBody: false,
      doc: {
        summary: 'Reports whose period overlaps from..to, newest request first, of the types the caller may read', tags: ['reports'], query: ReportListQuery,
        responses: { 200: { description: '{reports: [{id, type, from, to, portfolioId, format, status, scheduled, requestedBy, requestedMs, finishedMs, sha256, bytes, versions, error}]}' } },
        errors: { 400: ['BAD_QUERY'], ...FORBIDDEN, 503: ['REPORTS_UNAVAILABLE'] },
      },
      async handle(c) {
        const types = REPORT_TYPES.filter((t) => hasRole(c.principal, REPORT_ACTION[t]));
        if (types.length === 0) return forbidden('no grant allows reports');
        if (deps.rows === undefined) return unavailable();
        const q = parseQuery(ReportListQuery, c.req.query);
        if (!q.ok) return q.result;
        const { type, from, to, limit } = q.value;
        if (type !== undefined && !types.includes(type)) return forbidden(`no grant allows ${type} reports`);
        const filter: ReportListFilter = { types: type !== undefined ? [type] : types, limit, ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) };
        const reports = (await deps.rows.list(filter)).filter((r) => mayAccess(c.principal, r.type, r.portfolioId) === null);
        return { status: 200, body: { reports: reports.map(summaryOut) } };
      },
    },
    {
      method: 'get', pattern: '/compliance/reports/:id', paramCount: 1, hasBody: false,
      doc: {
        summary: 'A report: its status, hash and versions, its content once done, or why it failed', tags: ['reports'],
        responses: { 200: { description: '{id, type, from, to, portfolioId, format, status, sha256, bytes, versions, error, contentType, content}' } },
        errors: { ...FORBIDDEN, 404: ['REPORT_NOT_FOUND'], 503: ['REPORTS_UNAVAILABLE'] },
      },
      async handle(c) {
        const r = await readable(c);
        if (!r.ok) return r.result;
        const { content, ...summary } = r.report;
        if (content !== null) await deps.audit({ actor: c.principal.sub, action: 'report.read', entityType: 'report', entityId: summary.id, before: null, after: { type: summary.type, sha256: summary.sha256 } });
        return { status: 200, body: { ...summary, contentType: CONTENT_TYPES[summary.format], content } };
      },
    },
    {
      method: 'get', pattern: '/compliance/reports/:id/content', paramCount: 1, hasBody: false,
      doc: {
        summary: 'A done report\'s content as its format (CSV, XML, HTML or JSON), with its sha256 in X-Content-SHA256', tags: ['reports'],
        responses: { 200: { description: 'the report\'s bytes, exactly those its sha256 is of' } },
        errors: { ...FORBIDDEN, 404: ['REPORT_NOT_FOUND'], 409: ['REPORT_NOT_READY'], 503: ['REPORTS_UNAVAILABLE'] },
      },
      async handle(c) {
        const r = await readable(c);
        if (!r.ok) return r.result;
        const { content, status, sha256, format, id, type } = r.report;
        if (content === null || sha256 === null) return fail(409, { code: 'REPORT_NOT_READY', message: `report ${id} is ${status}${r.report.error ? ` (${r.report.error.code}: ${r.report.error.message})` : ''}` });
        await deps.audit({ actor: c.principal.sub, action: 'report.read', entityType: 'report', entityId: id, before: null, after: { type, sha256 } });
        return {
          status: 200,
          raw: { contentType: CONTENT_TYPES[format], bytes: Buffer.from(content, 'utf8') },
          headers: [['x-content-sha256', sha256], ['content-disposition', `attachment; filename="${type}-${r.report.from}${r.report.to !== r.report.from ? `_${r.report.to}` : ''}.${format}"`]],
        };
      },
    },
  ];
}
