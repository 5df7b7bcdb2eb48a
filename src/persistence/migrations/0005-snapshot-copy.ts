/**
 * The persist worker COPYs snapshot rows from text for a server database (copy-text.ts), where a
 * float8 field takes `NaN` and `Infinity`, which the JSON forms could not carry. The tables refuse
 * them: a sample's time or price is a finite number. (In PostgreSQL NaN sorts above Infinity, so
 * the bounds exclude it too.)
 *
 * NOT VALID, as in 0004: stored rows came through JSON, which has no such numbers.
 */
export const sql = `
ALTER TABLE risk_snapshots
  ADD CONSTRAINT risk_snapshots_tick_ts_finite CHECK (tick_ts > '-Infinity' AND tick_ts < 'Infinity') NOT VALID,
  ADD CONSTRAINT risk_snapshots_computed_ms_finite CHECK (computed_ms > '-Infinity' AND computed_ms < 'Infinity') NOT VALID;

ALTER TABLE market_snapshots
  ADD CONSTRAINT market_snapshots_ts_ms_finite CHECK (ts_ms > '-Infinity' AND ts_ms < 'Infinity') NOT VALID,
  ADD CONSTRAINT market_snapshots_price_finite CHECK (price > '-Infinity' AND price < 'Infinity') NOT VALID;
`;
