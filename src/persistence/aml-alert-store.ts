/** Alerts raised by the AML worker (table aml_alerts, migration 0003). */
import type pg from 'pg';

export type AmlSeverity = 'low' | 'medium' | 'high';

export interface AmlAlert {
  readonly fillId: string;
  readonly portfolioId: string;
  /** A stable rule code, e.g. LARGE_NOTIONAL. */
  readonly rule: string;
  readonly severity: AmlSeverity;
  /** Currency. */
  readonly notional: number;
  readonly details: object;
}

export interface AmlAlertStore {
  /**
   * Records that the fill was screened, with the alert it raised if any, at once: unless this fill
   * already raised it under this rule; true when the alert is new.
   */
  screened(fillId: string, alert: AmlAlert | null, atMs: number): Promise<boolean>;
}

// One statement, so a fill is never marked screened without its alert (nor the reverse).
const SCREENED = `
WITH screened AS (
  INSERT INTO aml_screened (fill_id, screened_ms) VALUES ($1, $2) ON CONFLICT (fill_id) DO NOTHING
), alert AS (
  INSERT INTO aml_alerts (fill_id, portfolio_id, rule, severity, notional, details)
  SELECT $1, $3::text, $4::text, $5::text, $6::float8, $7::json WHERE $3::text IS NOT NULL
  ON CONFLICT (fill_id, rule) DO NOTHING
  RETURNING 1
)
SELECT count(*)::int AS n FROM alert`;

export function pgAmlAlertStore(pool: pg.Pool): AmlAlertStore {
  return {
    async screened(fillId, a, atMs) {
      const r = await pool.query<{ n: number }>(SCREENED, [
        fillId, atMs, a?.portfolioId ?? null, a?.rule ?? null, a?.severity ?? null, a?.notional ?? null, a ? JSON.stringify(a.details) : null,
      ]);
      return (r.rows[0]?.n ?? 0) > 0;
    },
  };
}

export function memoryAmlAlertStore(): AmlAlertStore & { readonly alerts: AmlAlert[]; readonly screenedFills: Set<string> } {
  const alerts: AmlAlert[] = [];
  const screenedFills = new Set<string>();
  return {
    alerts,
    screenedFills,
    async screened(fillId, a) {
      screenedFills.add(fillId);
      if (!a || alerts.some((x) => x.fillId === a.fillId && x.rule === a.rule)) return false;
      alerts.push(a);
      return true;
    },
  };
}
