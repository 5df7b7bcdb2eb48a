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
  /** Records the alert unless this fill already raised it under this rule; true when it is new. */
  insert(alert: AmlAlert): Promise<boolean>;
}

export function pgAmlAlertStore(pool: pg.Pool): AmlAlertStore {
  return {
    async insert(a) {
      const r = await pool.query(
        `INSERT INTO aml_alerts (fill_id, portfolio_id, rule, severity, notional, details) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (fill_id, rule) DO NOTHING`,
        [a.fillId, a.portfolioId, a.rule, a.severity, a.notional, JSON.stringify(a.details)],
      );
      return (r.rowCount ?? 0) > 0;
    },
  };
}

export function memoryAmlAlertStore(): AmlAlertStore & { readonly alerts: AmlAlert[] } {
  const alerts: AmlAlert[] = [];
  return {
    alerts,
    async insert(a) {
      if (alerts.some((x) => x.fillId === a.fillId && x.rule === a.rule)) return false;
      alerts.push(a);
      return true;
    },
  };
}
