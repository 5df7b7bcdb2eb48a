/**
 * Write-behind storage of risk and market snapshots (the persist queue's writes). One statement per
 * batch: the rows travel as one JSON argument that json_to_recordset turns back into rows, so 1000
 * rows cost one round trip and one plan instead of 1000, and ON CONFLICT DO NOTHING on the engine's
 * keys makes a retried or replayed batch write nothing twice.
 */
import type pg from 'pg';
import type { MarketSnapshotRow, RiskSnapshotRow } from './queue-payloads.js';

export interface SnapshotStore {
  /** Inserts the rows whose (portfolio_id, seq) is new; resolves with how many were. */
  insertRiskSnapshots(rows: readonly RiskSnapshotRow[]): Promise<number>;
  /** Inserts the rows whose (symbol, ts_ms) is new; resolves with how many were. */
  insertMarketSnapshots(rows: readonly MarketSnapshotRow[]): Promise<number>;
}

// json for the argument and for figures (a json column, migration 0003): the text is checked
// once by json_to_recordset and stored as it came, with no conversion of every number to numeric.
const INSERT_RISK = `
INSERT INTO risk_snapshots (portfolio_id, seq, tick_ts, computed_ms, figures)
SELECT r.portfolio_id, r.seq, r.tick_ts, r.computed_ms, r.figures
FROM json_to_recordset($1::json) AS r(portfolio_id text, seq bigint, tick_ts float8, computed_ms float8, figures json)
ON CONFLICT (portfolio_id, computed_ms, seq) DO NOTHING`;

const INSERT_MARKET = `
INSERT INTO market_snapshots (symbol, ts_ms, price)
SELECT r.symbol, r.ts_ms, r.price
FROM json_to_recordset($1::json) AS r(symbol text, ts_ms float8, price float8)
ON CONFLICT (symbol, ts_ms) DO NOTHING`;

export function pgSnapshotStore(pool: pg.Pool): SnapshotStore {
  const insert = async (sql: string, rows: readonly object[]): Promise<number> => {
    if (rows.length === 0) return 0;
    return (await pool.query(sql, [JSON.stringify(rows)])).rowCount ?? 0;
  };
  return {
    insertRiskSnapshots: (rows) => insert(INSERT_RISK, rows),
    insertMarketSnapshots: (rows) => insert(INSERT_MARKET, rows),
  };
}

/** For unit tests: the same keys and the same first-write-wins rule, in maps. */
export function memorySnapshotStore(): SnapshotStore & { readonly risk: Map<string, RiskSnapshotRow>; readonly market: Map<string, MarketSnapshotRow> } {
  const risk = new Map<string, RiskSnapshotRow>();
  const market = new Map<string, MarketSnapshotRow>();
  const put = <T>(map: Map<string, T>, key: (r: T) => string, rows: readonly T[]): number => {
    let n = 0;
    for (const r of rows) {
      const k = key(r);
      if (!map.has(k)) {
        map.set(k, r);
        n++;
      }
    }
    return n;
  };
  return {
    risk,
    market,
    insertRiskSnapshots: async (rows) => put(risk, (r) => `${r.portfolio_id}\u0000${r.seq}`, rows),
    insertMarketSnapshots: async (rows) => put(market, (r) => `${r.symbol}\u0000${r.ts_ms}`, rows),
  };
}
