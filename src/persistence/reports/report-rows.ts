/**
 * The compliance_reports table (migration 0018): requests, their progress and their content.
 * Every statement names its columns; times are epoch ms from the caller's clock.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { ReportFormat, ReportRequest, ReportType } from '../../workers/reports/report-definition.js';

export type ReportStatus = 'queued' | 'running' | 'done' | 'failed';

/** A report without its content (what lists show). */
export interface ReportSummary {
  readonly id: string;
  readonly type: ReportType;
  readonly from: string;
  readonly to: string;
  readonly portfolioId: string | null;
  readonly format: ReportFormat;
  readonly status: ReportStatus;
  readonly scheduled: boolean;
  readonly requestedBy: string;
  readonly requestedMs: number;
  readonly startedMs: number | null;
  readonly finishedMs: number | null;
  readonly attempts: number;
  readonly sha256: string | null;
  readonly bytes: number | null;
  readonly versions: Readonly<Record<string, string | number>> | null;
  readonly error: { readonly code: string; readonly message: string } | null;
}

export interface ReportRecord extends ReportSummary {
  readonly content: string | null;
}

const COLUMNS = `id, type, to_char(period_from, 'YYYY-MM-DD') AS "from", to_char(period_to, 'YYYY-MM-DD') AS "to", portfolio_id AS "portfolioId", format, status,
  scheduled, requested_by AS "requestedBy", requested_ms::float8 AS "requestedMs", started_ms::float8 AS "startedMs", finished_ms::float8 AS "finishedMs",
  attempts, sha256, bytes, versions, error_code, error_message`;

type Row = Omit<ReportSummary, 'error'> & { error_code: string | null; error_message: string | null; content?: string | null };

function summary(r: Row): ReportRecord {
  const { error_code, error_message, content, ...rest } = r;
  return { ...rest, error: error_code === null ? null : { code: error_code, message: error_message ?? '' }, content: content ?? null };
}

export interface ReportListFilter {
  readonly types: readonly ReportType[];
  /** Reports whose period overlaps [from, to] (either may be absent). */
  readonly from?: string;
  readonly to?: string;
  readonly limit: number;
}

export interface ReportRows {
  /** A new report request; scheduled ones exist once per (type, day): answers undefined when it already did. */
  create(req: ReportRequest, requestedBy: string, nowMs: number, scheduled?: boolean): Promise<string | undefined>;
  get(id: string): Promise<ReportRecord | undefined>;
  list(f: ReportListFilter): Promise<ReportSummary[]>;
  /** Marks a run started (attempts + 1); answers the request, or undefined when the row is gone or already done. */
  start(id: string, nowMs: number): Promise<(ReportRequest & { readonly attempts: number }) | undefined>;
  finish(id: string, content: string, sha256: string, versions: Readonly<Record<string, string | number>>, nowMs: number): Promise<void>;
  fail(id: string, code: string, message: string, nowMs: number): Promise<void>;
  /** Scheduled days of a type already requested in [from, to]. */
  scheduledDays(type: ReportType, from: string, to: string): Promise<Set<string>>;
  /**
   * Reports requested at or after `sinceMs`, counted by type and status (the metrics). A failed
   * report is counted only while no later request of the same period is done: a failure fixed by
   * asking again stops counting (and alerting).
   */
  recentCounts(sinceMs: number): Promise<{ type: ReportType; status: ReportStatus; n: number }[]>;
  /** Reports still queued or running, requested before `beforeMs`: their jobs may be lost (a Redis without persistence). */
  unfinished(beforeMs: number, limit: number): Promise<string[]>;
}

export function pgReportRows(pool: pg.Pool): ReportRows {
  return {
    async create(req, requestedBy, nowMs, scheduled = false) {
      const id = randomUUID();
      const r = await pool.query(
        `INSERT INTO compliance_reports (id, type, period_from, period_to, portfolio_id, format, status, scheduled, requested_by, requested_ms)
         VALUES ($1, $2, $3, $4, $5, $6, 'queued', $7, $8, $9) ON CONFLICT DO NOTHING`,
        [id, req.type, req.from, req.to, req.portfolioId ?? null, req.format, scheduled, requestedBy, nowMs],
      );
      return r.rowCount === 1 ? id : undefined;
    },
    async get(id) {
      const r = await pool.query<Row>(`SELECT ${COLUMNS}, content FROM compliance_reports WHERE id = $1`, [id]);
      return r.rows[0] ? summary(r.rows[0]) : undefined;
    },
    async list(f) {
      const r = await pool.query<Row>(
        `SELECT ${COLUMNS} FROM compliance_reports
         WHERE type = ANY($1) AND ($2::date IS NULL OR period_to >= $2::date) AND ($3::date IS NULL OR period_from <= $3::date)
         ORDER BY requested_ms DESC, id LIMIT $4`,
        [f.types, f.from ?? null, f.to ?? null, f.limit],
      );
      return r.rows.map((x) => {
        const { content: _c, ...s } = summary(x);
        return s;
      });
    },
    async start(id, nowMs) {
      const r = await pool.query<ReportRequest & { portfolioId: string | null; attempts: number }>(
        `UPDATE compliance_reports SET status = 'running', started_ms = $2, attempts = attempts + 1, error_code = NULL, error_message = NULL
         WHERE id = $1 AND status <> 'done'
         RETURNING type, to_char(period_from, 'YYYY-MM-DD') AS "from", to_char(period_to, 'YYYY-MM-DD') AS "to", portfolio_id AS "portfolioId", format, attempts`,
        [id, nowMs],
      );
      const row = r.rows[0];
      if (!row) return undefined;
      const { portfolioId, ...rest } = row;
      return { ...rest, ...(portfolioId !== null ? { portfolioId } : {}) };
    },
    async finish(id, content, sha256, versions, nowMs) {
      await pool.query(
        `UPDATE compliance_reports SET status = 'done', content = $2, sha256 = $3, bytes = $4, versions = $5, finished_ms = $6, error_code = NULL, error_message = NULL
         WHERE id = $1`,
        [id, content, sha256, Buffer.byteLength(content, 'utf8'), JSON.stringify(versions), nowMs],
      );
    },
    async fail(id, code, message, nowMs) {
      await pool.query(
        `UPDATE compliance_reports SET status = 'failed', error_code = $2, error_message = $3, finished_ms = $4 WHERE id = $1 AND status <> 'done'`,
        [id, code, message.slice(0, 2000), nowMs],
      );
    },
    async scheduledDays(type, from, to) {
      const r = await pool.query<{ d: string }>(
        `SELECT to_char(period_from, 'YYYY-MM-DD') AS d FROM compliance_reports WHERE scheduled AND type = $1 AND period_from BETWEEN $2 AND $3`,
        [type, from, to],
      );
      return new Set(r.rows.map((x) => x.d));
    },
    async recentCounts(sinceMs) {
      const r = await pool.query<{ type: ReportType; status: ReportStatus; n: number }>(
        `SELECT type, status, count(*)::int AS n FROM compliance_reports r
         WHERE requested_ms >= $1
           AND NOT (status = 'failed' AND EXISTS (
             SELECT 1 FROM compliance_reports d WHERE d.status = 'done' AND d.type = r.type AND d.period_from = r.period_from
               AND d.period_to = r.period_to AND d.portfolio_id IS NOT DISTINCT FROM r.portfolio_id AND d.requested_ms > r.requested_ms))
         GROUP BY type, status ORDER BY type, status`, [sinceMs]);
      return r.rows;
    },
    async unfinished(beforeMs, limit) {
      const r = await pool.query<{ id: string }>(
        `SELECT id FROM compliance_reports WHERE status IN ('queued', 'running') AND requested_ms < $1 ORDER BY requested_ms LIMIT $2`,
        [beforeMs, limit],
      );
      return r.rows.map((x) => x.id);
    },
  };
}
