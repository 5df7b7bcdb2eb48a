/**
 * Screening alerts (engine/compliance/screening-alert.ts) stored in aml_alerts, so officers work
 * them with the AML rules' alerts, and announced on the same channel by the statement that stores
 * them (aml-alert-channel.ts): the live `alerts` stream carries them like any other alert.
 *
 * aml_alerts is UNIQUE (fill_id, rule); a screening alert's key takes the anchor's place, so the
 * same hit stored twice (a resubmission, a re-screen under the same list) is one alert.
 */
import type pg from 'pg';
import type { ScreeningAlert } from '../engine/compliance/screening-alert.js';
import { AML_ALERT_CHANNEL_SQL } from './aml-alert-channel.js';

export interface ScreeningAlertSink {
  /** Stores the alerts not stored before (by key); resolves with how many were new. */
  raise(alerts: readonly ScreeningAlert[]): Promise<number>;
}

const RAISE = `
WITH input AS (
  SELECT * FROM json_to_recordset($1::json) AS x(fill_id text, portfolio_id text, customer_id text, rule text, severity text, details json)
), alert AS (
  INSERT INTO aml_alerts (fill_id, portfolio_id, customer_id, rule, severity, notional, details)
  SELECT fill_id, portfolio_id, customer_id, rule, severity, 0, details FROM input
  ON CONFLICT (fill_id, rule) DO NOTHING
  RETURNING id
), notice AS (
  SELECT pg_notify(${AML_ALERT_CHANNEL_SQL}, string_agg(id::text, ',' ORDER BY id)) FROM alert HAVING count(*) > 0
)
SELECT (SELECT count(*)::int FROM alert) AS n, (SELECT count(*)::int FROM notice) AS notices`;

export function pgScreeningAlerts(pool: pg.Pool): ScreeningAlertSink {
  return {
    async raise(alerts) {
      if (alerts.length === 0) return 0;
      const rows = alerts.map((a) => ({ fill_id: a.key, portfolio_id: a.portfolioId, customer_id: a.customerId, rule: a.rule, severity: a.severity, details: a.details }));
      const r = await pool.query<{ n: number }>(RAISE, [JSON.stringify(rows)]);
      return r.rows[0]?.n ?? 0;
    },
  };
}

/** PERSISTENCE=memory: kept in this process (no alert routes there; the log says each hit). */
export function memoryScreeningAlerts(): ScreeningAlertSink & { readonly alerts: ScreeningAlert[] } {
  const alerts: ScreeningAlert[] = [];
  return {
    alerts,
    async raise(list) {
      let added = 0;
      for (const a of list) {
        if (alerts.some((x) => x.key === a.key && x.rule === a.rule)) continue;
        alerts.push(a);
        added++;
      }
      return added;
    },
  };
}
