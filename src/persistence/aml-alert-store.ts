/** Alerts raised by the AML worker (table aml_alerts, migrations 0003 and 0014). */
import type pg from 'pg';
import { AML_ALERT_CHANNEL_SQL, IDS_PER_NOTICE } from './aml-alert-channel.js';

export type AmlSeverity = 'low' | 'medium' | 'high';

export interface AmlAlert {
  readonly fillId: string;
  readonly portfolioId: string;
  /** The beneficial owner the rules screened (absent in alerts raised before migration 0014). */
  readonly customerId?: string;
  /** A stable rule code, e.g. LARGE_NOTIONAL. */
  readonly rule: string;
  readonly severity: AmlSeverity;
  /** Currency. */
  readonly notional: number;
  readonly details: object;
}

/** One screened fill and the alert it raised, if any. */
export interface ScreenedFill {
  readonly fillId: string;
  readonly alert: AmlAlert | null;
}

export interface AmlAlertStore {
  /**
   * Records that these fills were screened, with the alerts they raised, at once: an alert is
   * stored unless its fill already raised it under its rule. Resolves with the number of new alerts.
   */
  screened(fills: readonly ScreenedFill[], atMs: number): Promise<number>;
}

// One statement for the whole batch, so a fill is never marked screened without its alert (nor the
// reverse). The fills travel as one json array, PostgreSQL unpacks them. The new alerts are
// announced (aml-alert-channel.ts) by the same statement: PostgreSQL delivers a NOTIFY at commit
// only, so no alert is announced that is not stored, and none is stored unannounced while the
// listener is connected (aml-alert-relay.ts reads what it missed while it was not).
const SCREENED = `
WITH input AS (
  SELECT * FROM json_to_recordset($1::json)
    AS x(fill_id text, portfolio_id text, customer_id text, rule text, severity text, notional float8, details json)
), screened AS (
  INSERT INTO aml_screened (fill_id, screened_ms) SELECT DISTINCT fill_id, $2::float8 FROM input
  ON CONFLICT (fill_id) DO NOTHING
), alert AS (
  INSERT INTO aml_alerts (fill_id, portfolio_id, customer_id, rule, severity, notional, details)
  SELECT DISTINCT ON (fill_id, rule) fill_id, portfolio_id, customer_id, rule, severity, notional, details FROM input WHERE rule IS NOT NULL
  ON CONFLICT (fill_id, rule) DO NOTHING
  RETURNING id
), notice AS (
  SELECT pg_notify(${AML_ALERT_CHANNEL_SQL},
    CASE WHEN count(*) <= ${IDS_PER_NOTICE} THEN string_agg(id::text, ',' ORDER BY id) ELSE min(id)::text || '-' || max(id)::text END)
  FROM alert HAVING count(*) > 0
)
SELECT (SELECT count(*)::int FROM alert) AS n, (SELECT count(*)::int FROM notice) AS notices`;

export function pgAmlAlertStore(pool: pg.Pool): AmlAlertStore {
  return {
    async screened(fills, atMs) {
      if (fills.length === 0) return 0;
      const rows = fills.map(({ fillId, alert: a }) => ({
        fill_id: fillId, portfolio_id: a?.portfolioId ?? null, customer_id: a?.customerId ?? null, rule: a?.rule ?? null, severity: a?.severity ?? null,
        notional: a?.notional ?? null, details: a?.details ?? null,
      }));
      const r = await pool.query<{ n: number }>(SCREENED, [JSON.stringify(rows), atMs]);
      return r.rows[0]?.n ?? 0;
    },
  };
}

export function memoryAmlAlertStore(): AmlAlertStore & { readonly alerts: AmlAlert[]; readonly screenedFills: Set<string> } {
  const alerts: AmlAlert[] = [];
  const screenedFills = new Set<string>();
  return {
    alerts,
    screenedFills,
    async screened(fills) {
      let added = 0;
      for (const { fillId, alert: a } of fills) {
        screenedFills.add(fillId);
        if (!a || alerts.some((x) => x.fillId === a.fillId && x.rule === a.rule)) continue;
        alerts.push(a);
        added++;
      }
      return added;
    },
  };
}
