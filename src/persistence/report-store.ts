/** What the report worker reads (positions and the newest risk of each portfolio) and records (report_runs). */
import type pg from 'pg';

/** One open position with its portfolio's newest risk snapshot (null fields when it has none yet). */
export interface PositionRiskRow {
  readonly portfolioId: string;
  readonly instrument: string;
  readonly qty: number;
  readonly avgPrice: number;
  readonly multiplier: number;
  readonly realisedPnl: number;
  readonly riskSeq: number | null;
  readonly riskTickTs: number | null;
  readonly riskComputedMs: number | null;
  readonly riskFigures: object | null;
}

export interface ReportRun {
  readonly kind: string;
  /** YYYY-MM-DD. */
  readonly asOf: string;
  readonly path: string;
  readonly rowCount: number;
  readonly sha256: string;
}

export interface ReportStore {
  /** Positions with qty != 0, ordered by portfolio and instrument. */
  positionsWithRisk(): Promise<PositionRiskRow[]>;
  /** Upserts the run of (kind, asOf): a rerun replaces the row, as it replaces the file. */
  recordRun(run: ReportRun): Promise<void>;
}

// LATERAL ... ORDER BY computed_ms DESC, seq DESC LIMIT 1 reads one row backwards from the
// (portfolio_id, computed_ms, seq) primary key per position, however long the history grows.
const POSITIONS_WITH_RISK = `
SELECT p.portfolio_id AS "portfolioId", p.instrument, p.qty, p.avg_price AS "avgPrice", p.multiplier, p.realised_pnl AS "realisedPnl",
       r.seq::float8 AS "riskSeq", r.tick_ts AS "riskTickTs", r.computed_ms AS "riskComputedMs", r.figures AS "riskFigures"
FROM positions p
LEFT JOIN LATERAL (
  SELECT s.seq, s.tick_ts, s.computed_ms, s.figures FROM risk_snapshots s WHERE s.portfolio_id = p.portfolio_id ORDER BY s.computed_ms DESC, s.seq DESC LIMIT 1
) r ON true
WHERE p.qty <> 0
ORDER BY p.portfolio_id, p.instrument`;

export function pgReportStore(pool: pg.Pool): ReportStore {
  return {
    async positionsWithRisk() {
      return (await pool.query<PositionRiskRow>(POSITIONS_WITH_RISK)).rows;
    },
    async recordRun(run) {
      await pool.query(
        `INSERT INTO report_runs (kind, as_of, path, row_count, sha256) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (kind, as_of) DO UPDATE SET path = excluded.path, row_count = excluded.row_count, sha256 = excluded.sha256, generated_at = now()`,
        [run.kind, run.asOf, run.path, run.rowCount, run.sha256],
      );
    },
  };
}
