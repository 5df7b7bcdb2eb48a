/**
 * What the AML report reads: the alerts created in the period (aml_alerts) and, for each, the case
 * changes and the number of notes made before the end of the period (aml_case_changes,
 * aml_case_notes). The stored state of an alert is not read (it is now's, not the period's), except
 * for an alert with no recorded change at all (closed before case histories existed).
 * Reasons and note texts are not read: the report does not hold them.
 */
import type { CaseState } from '../../engine/compliance/aml/alert-case.js';
import type { AmlAlertFacts, AmlReportInput, AmlSeverity, CaseTransition } from '../../engine/reports/aml/aml-report.js';
import { periodMs } from '../../engine/reports/period-bounds.js';
import type { LoadedInput, ReportSources } from '../../workers/reports/report-definition.js';

interface AlertRow {
  id: string; rule: string; severity: AmlSeverity; created_ms: number; fill_id: string; portfolio_id: string; customer_id: string | null;
  notional: number; state: CaseState; changes_ever: number;
}

const ALERTS = (byPortfolio: boolean) => `
SELECT a.id::text AS id, a.rule, a.severity, extract(epoch FROM a.created_at)::float8 * 1000 AS created_ms, a.fill_id, a.portfolio_id,
       a.customer_id, a.notional, a.state, (SELECT count(*)::int FROM aml_case_changes c WHERE c.alert_id = a.id) AS changes_ever
  FROM aml_alerts a
 WHERE a.created_at >= to_timestamp($1::float8 / 1000) AND a.created_at < to_timestamp($2::float8 / 1000) ${byPortfolio ? 'AND a.portfolio_id = $3' : ''}
 ORDER BY a.id`;

export async function loadAml(src: ReportSources, from: string, to: string, portfolioId?: string): Promise<LoadedInput<AmlReportInput>> {
  const { startMs, endMs } = periodMs(from, to);
  const one = portfolioId !== undefined;
  const alerts = (await src.pool.query<AlertRow>(ALERTS(one), one ? [startMs, endMs, portfolioId] : [startMs, endMs])).rows;
  const ids = alerts.map((a) => a.id);
  const [changes, notes] = await Promise.all([
    src.pool.query<{ alert_id: string; at_ms: number; actor: string; from_state: CaseState; to_state: CaseState }>(
      `SELECT alert_id::text AS alert_id, at_ms, actor, from_state, to_state FROM aml_case_changes
        WHERE alert_id = ANY($1::bigint[]) AND at_ms < $2 ORDER BY alert_id, seq`, [ids, endMs]),
    src.pool.query<{ alert_id: string; n: number }>(
      `SELECT alert_id::text AS alert_id, count(*)::int AS n FROM aml_case_notes WHERE alert_id = ANY($1::bigint[]) AND at_ms < $2 GROUP BY alert_id`, [ids, endMs]),
  ]);
  const transitions = new Map<string, CaseTransition[]>();
  for (const c of changes.rows) {
    const list = transitions.get(c.alert_id) ?? [];
    list.push({ atMs: c.at_ms, actor: c.actor, from: c.from_state, to: c.to_state });
    transitions.set(c.alert_id, list);
  }
  const noteCount = new Map(notes.rows.map((n) => [n.alert_id, n.n]));
  const facts: AmlAlertFacts[] = alerts.map((a) => ({
    alertId: a.id, rule: a.rule, severity: a.severity, createdMs: a.created_ms, fillId: a.fill_id, portfolioId: a.portfolio_id,
    customerId: a.customer_id, notional: a.notional, transitions: transitions.get(a.id) ?? [], noteCount: noteCount.get(a.id) ?? 0,
    legacyState: a.changes_ever === 0 && a.state !== 'open' ? a.state : null,
  }));
  return {
    input: { from, to, portfolioId: portfolioId ?? null, endMs, alerts: facts },
    versions: {
      alerts: alerts.length, lastAlertId: ids.at(-1) ?? 0, caseChanges: changes.rows.length,
      caseNotes: notes.rows.reduce((s, n) => s + n.n, 0), casesAsOfMs: endMs,
    },
  };
}
