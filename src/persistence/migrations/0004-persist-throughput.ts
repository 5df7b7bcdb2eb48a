/**
 * The persist worker hands each batch to PostgreSQL as the JSON text the job carried, unparsed
 * (src/persistence/snapshot-store.ts), so the tables themselves refuse what RiskSnapshotRow and
 * MarketSnapshotRow forbid beyond a JSON type or a missing field: an empty key, a negative seq,
 * figures that are not an object.
 *
 * NOT VALID: rows already stored came through the zod schemas, which forbid the same, and
 * validating would scan a possibly large table under an exclusive lock while serve starts. New rows
 * are checked all the same.
 */
export const sql = `
ALTER TABLE risk_snapshots
  ADD CONSTRAINT risk_snapshots_portfolio_id_not_empty CHECK (portfolio_id <> '') NOT VALID,
  ADD CONSTRAINT risk_snapshots_seq_not_negative CHECK (seq >= 0) NOT VALID,
  ADD CONSTRAINT risk_snapshots_figures_object CHECK (json_typeof(figures) = 'object') NOT VALID;

ALTER TABLE market_snapshots
  ADD CONSTRAINT market_snapshots_symbol_not_empty CHECK (symbol <> '') NOT VALID;
`;
