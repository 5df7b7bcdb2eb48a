/**
 * What a compliance officer reads of the AML alerts (table aml_alerts, migrations 0003 and 0014):
 * a filtered list newest first with a cursor, one alert, the alerts a notice names (for the live
 * stream), and the counts of GET /compliance/risk-metrics, each an SQL aggregate at request time.
 * The case of an alert (its history and notes) is aml-case-store.ts's.
 */
import type pg from 'pg';
import type { CaseState } from '../engine/compliance/aml/alert-case.js';
import type { AmlSeverity } from './aml-alert-store.js';
import { SCREENING_ALERT_RULES } from '../engine/compliance/screening-alert.js';

export const ALERT_SEVERITIES = ['low', 'medium', 'high'] as const satisfies readonly AmlSeverity[];
/** A case not closed yet: the officers' work in hand. */
export const UNRESOLVED_STATES = ['open', 'investigating', 'escalated'] as const satisfies readonly CaseState[];
// The page's "screening hits" count the alerts of SCREENING_ALERT_RULES (engine/compliance/
// screening-alert.ts), there being no other record of a hit.
export { SCREENING_ALERT_RULES };

/** An alert as the REST answers and the `alert` frame carry it. */
export interface AmlAlertView {
  /** aml_alerts.id as text (a bigint): the id of /compliance/alerts/{id} and the stream's order. */
  readonly alertId: string;
  readonly rule: string;
  readonly severity: AmlSeverity;
  readonly state: CaseState;
  /** The beneficial owner the rules screened; null in alerts raised before migration 0014. */
  readonly customerId: string | null;
  readonly portfolioId: string;
  /** The anchor fill: the one that completed the pattern. */
  readonly fillId: string;
  /** The anchor fill's notional, currency. */
  readonly notional: number;
  readonly assignee: string | null;
  readonly createdMs: number;
  readonly updatedMs: number;
  /** The fills and orders the pattern is made of and the figures that made the rule fire (alert.ts). */
  readonly evidence: { readonly fillIds: readonly string[]; readonly orderIds: readonly string[]; readonly figures: Readonly<Record<string, unknown>> };
}

export interface AlertFilter {
  readonly state?: CaseState;
  readonly severity?: AmlSeverity;
  readonly rule?: string;
  readonly customerId?: string;
  /** A page's cursor: only alerts older than this one (ids below it). */
  readonly beforeId?: string;
  readonly limit: number;
}

export interface AlertPage {
  readonly alerts: readonly AmlAlertView[];
  /** The cursor of the next (older) page; null on the last one. */
  readonly next: string | null;
}

type Counts<K extends string> = Record<K, number>;

export interface AlertMetrics {
  /** Unresolved alerts (open, investigating, escalated) by severity, and by age: < 1 day, 1 to 7 days, > 7 days. */
  readonly openBySeverity: Counts<AmlSeverity>;
  readonly openByAge: { readonly under1d: number; readonly from1dTo7d: number; readonly over7d: number };
  /** Per rule that ever fired: every alert of it and the unresolved ones. */
  readonly byRule: Readonly<Record<string, { readonly total: number; readonly open: number }>>;
  /** Alerts of SCREENING_ALERT_RULES: every one, the unresolved, and those of the last 7 days. */
  readonly screeningHits: { readonly total: number; readonly open: number; readonly last7d: number; readonly byRule: Counts<(typeof SCREENING_ALERT_RULES)[number]> };
}

export interface AmlAlertQueries {
  list(f: AlertFilter): Promise<AlertPage>;
  /** undefined when there is no such alert (or the id is not one). */
  get(alertId: string): Promise<AmlAlertView | undefined>;
  /** The alerts of these ids that exist, in id order. */
  byIds(ids: readonly string[]): Promise<AmlAlertView[]>;
  /** The alerts with from ≤ id ≤ to, in id order. */
  between(from: string, to: string): Promise<AmlAlertView[]>;
  /** At most `limit` alerts with an id above `afterId`, in id order. */
  after(afterId: string, limit: number): Promise<AmlAlertView[]>;
  /** The highest id so far ('0' when there is none). */
  lastId(): Promise<string>;
  metrics(nowMs: number): Promise<AlertMetrics>;
}

/** An id as aml_alerts makes them (bigint identity); anything else names no alert. */
export const ALERT_ID = /^[1-9]\d{0,17}$/;

interface Row {
  id: string; rule: string; severity: AmlSeverity; state: CaseState; customer_id: string | null; portfolio_id: string; fill_id: string;
  notional: number; assignee: string | null; details: Record<string, unknown> | null; created_ms: number; updated_ms: number;
}

const COLUMNS = `id::text, rule, severity, state, customer_id, portfolio_id, fill_id, notional, assignee, details,
  extract(epoch FROM created_at)::float8 * 1000 AS created_ms, extract(epoch FROM updated_at)::float8 * 1000 AS updated_ms`;

const LIST = `SELECT ${COLUMNS} FROM aml_alerts
  WHERE ($1::text IS NULL OR state = $1) AND ($2::text IS NULL OR severity = $2) AND ($3::text IS NULL OR rule = $3)
    AND ($4::text IS NULL OR customer_id = $4) AND ($5::bigint IS NULL OR id < $5::bigint)
  ORDER BY id DESC LIMIT $6`;

const OPEN = `state IN (${UNRESOLVED_STATES.map((s) => `'${s}'`).join(', ')})`;
const SCREENING = `rule IN (${SCREENING_ALERT_RULES.map((r) => `'${r}'`).join(', ')})`;

// $1 is now (epoch ms): the ages are the request's, and a test's fixture can pin them.
const BY_SEVERITY_AGE = `
SELECT severity,
  count(*) FILTER (WHERE created_at > to_timestamp($1::float8 / 1000) - interval '1 day')::int AS under1d,
  count(*) FILTER (WHERE created_at <= to_timestamp($1::float8 / 1000) - interval '1 day' AND created_at > to_timestamp($1::float8 / 1000) - interval '7 days')::int AS from1d_to7d,
  count(*) FILTER (WHERE created_at <= to_timestamp($1::float8 / 1000) - interval '7 days')::int AS over7d
FROM aml_alerts WHERE ${OPEN} GROUP BY severity`;
const BY_RULE = `SELECT rule, count(*)::int AS total, count(*) FILTER (WHERE ${OPEN})::int AS open FROM aml_alerts GROUP BY rule ORDER BY rule`;
const SCREENING_HITS = `
SELECT rule, count(*)::int AS total, count(*) FILTER (WHERE ${OPEN})::int AS open,
  count(*) FILTER (WHERE created_at > to_timestamp($1::float8 / 1000) - interval '7 days')::int AS last7d
FROM aml_alerts WHERE ${SCREENING} GROUP BY rule`;

function view(r: Row): AmlAlertView {
  const d = r.details ?? {};
  const e = (d.evidence ?? {}) as { fillIds?: unknown; orderIds?: unknown; figures?: unknown };
  const strings = (v: unknown): string[] | undefined => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : undefined);
  // Alerts raised before the rules kept evidence (LARGE_NOTIONAL of migration 0003): the anchor fill and its order.
  const orderId = typeof d.orderId === 'string' ? [d.orderId] : [];
  return {
    alertId: r.id, rule: r.rule, severity: r.severity, state: r.state, customerId: r.customer_id, portfolioId: r.portfolio_id, fillId: r.fill_id,
    notional: r.notional, assignee: r.assignee, createdMs: r.created_ms, updatedMs: r.updated_ms,
    evidence: {
      fillIds: strings(e.fillIds) ?? [r.fill_id], orderIds: strings(e.orderIds) ?? orderId,
      figures: typeof e.figures === 'object' && e.figures !== null ? (e.figures as Record<string, unknown>) : {},
    },
  };
}

const zeros = <K extends string>(keys: readonly K[]): Counts<K> => Object.fromEntries(keys.map((k) => [k, 0])) as Counts<K>;

export function pgAmlAlertQueries(pool: pg.Pool): AmlAlertQueries {
  const rows = async (sql: string, params: readonly unknown[]) => (await pool.query<Row>(sql, [...params])).rows.map(view);
  return {
    async list(f) {
      const found = await rows(LIST, [f.state ?? null, f.severity ?? null, f.rule ?? null, f.customerId ?? null, f.beforeId ?? null, f.limit + 1]);
      const page = found.slice(0, f.limit);
      return { alerts: page, next: found.length > f.limit ? page[page.length - 1]!.alertId : null };
    },
    async get(alertId) {
      if (!ALERT_ID.test(alertId)) return undefined;
      return (await rows(`SELECT ${COLUMNS} FROM aml_alerts WHERE id = $1::bigint`, [alertId]))[0];
    },
    byIds(ids) {
      const valid = ids.filter((id) => ALERT_ID.test(id));
      return valid.length === 0 ? Promise.resolve([]) : rows(`SELECT ${COLUMNS} FROM aml_alerts WHERE id = ANY ($1::bigint[]) ORDER BY id`, [valid]);
    },
    between(from, to) {
      return rows(`SELECT ${COLUMNS} FROM aml_alerts WHERE id BETWEEN $1::bigint AND $2::bigint ORDER BY id`, [from, to]);
    },
    after(afterId, limit) {
      return rows(`SELECT ${COLUMNS} FROM aml_alerts WHERE id > $1::bigint ORDER BY id LIMIT $2`, [afterId, limit]);
    },
    async lastId() {
      return (await pool.query<{ id: string }>('SELECT coalesce(max(id), 0)::text AS id FROM aml_alerts')).rows[0]?.id ?? '0';
    },
    async metrics(nowMs) {
      const [ages, rules, screening] = await Promise.all([
        pool.query<{ severity: AmlSeverity; under1d: number; from1d_to7d: number; over7d: number }>(BY_SEVERITY_AGE, [nowMs]),
        pool.query<{ rule: string; total: number; open: number }>(BY_RULE),
        pool.query<{ rule: (typeof SCREENING_ALERT_RULES)[number]; total: number; open: number; last7d: number }>(SCREENING_HITS, [nowMs]),
      ]);
      const openBySeverity = zeros(ALERT_SEVERITIES);
      const openByAge = { under1d: 0, from1dTo7d: 0, over7d: 0 };
      for (const r of ages.rows) {
        openBySeverity[r.severity] += r.under1d + r.from1d_to7d + r.over7d;
        openByAge.under1d += r.under1d;
        openByAge.from1dTo7d += r.from1d_to7d;
        openByAge.over7d += r.over7d;
      }
      const hits = { total: 0, open: 0, last7d: 0, byRule: zeros(SCREENING_ALERT_RULES) };
      for (const r of screening.rows) {
        hits.total += r.total;
        hits.open += r.open;
        hits.last7d += r.last7d;
        hits.byRule[r.rule] = r.total;
      }
      return { openBySeverity, openByAge, byRule: Object.fromEntries(rules.rows.map((r) => [r.rule, { total: r.total, open: r.open }])), screeningHits: hits };
    },
  };
}
