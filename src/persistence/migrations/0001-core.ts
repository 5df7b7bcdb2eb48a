/**
 * The engine's tables. Money and quantities are double precision on purpose: the engine computes
 * in IEEE doubles, float8 gives them back bit for bit, and a restart must rebuild exactly the
 * positions and cash the actors had (numeric would too, at more cost, for no exactness gained).
 * Room is left for what comes next (users, KYC, alerts, reports): portfolios carry an owner and
 * every row its creation time, without building those tables now.
 */
export const sql = `
CREATE TABLE portfolios (
  portfolio_id        text PRIMARY KEY,
  owner_id            text,
  created_by          text NOT NULL,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  initial_cash        double precision NOT NULL,
  -- Positions the portfolio was opened with: reconcile re-derives positions as these plus fills.
  initial_positions   jsonb NOT NULL DEFAULT '[]',
  cash                double precision NOT NULL,
  closed_realised_pnl double precision NOT NULL DEFAULT 0,
  trading_state       text NOT NULL CHECK (trading_state IN ('active', 'reducing', 'halted')),
  next_order_seq      bigint NOT NULL,
  next_fill_seq       bigint NOT NULL
);

-- Limits change rarely and are read whole: one row per portfolio, non-finite values as strings.
CREATE TABLE risk_limits (
  portfolio_id text PRIMARY KEY REFERENCES portfolios,
  limits       jsonb NOT NULL,
  updated_at   timestamptz NOT NULL DEFAULT now()
);

-- Current positions, written in the same transaction as the fills that moved them. A closed
-- position keeps its row at qty 0 (its realised P&L has moved to portfolios.closed_realised_pnl).
CREATE TABLE positions (
  portfolio_id   text NOT NULL REFERENCES portfolios,
  instrument     text NOT NULL,
  qty            double precision NOT NULL,
  avg_price      double precision NOT NULL,
  realised_pnl   double precision NOT NULL,
  multiplier     double precision NOT NULL,
  vol            double precision,
  dividend_yield double precision NOT NULL,
  style          text NOT NULL CHECK (style IN ('european', 'american')),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (portfolio_id, instrument)
);

CREATE TABLE orders (
  order_id        text PRIMARY KEY,
  portfolio_id    text NOT NULL REFERENCES portfolios,
  client_order_id text NOT NULL,
  instrument      text NOT NULL,
  side            text NOT NULL CHECK (side IN ('buy', 'sell')),
  qty             double precision NOT NULL CHECK (qty > 0),
  order_type      text NOT NULL CHECK (order_type IN ('market', 'limit', 'stop', 'take_profit')),
  limit_price     double precision,
  stop_price      double precision,
  status          text NOT NULL CHECK (status IN ('open', 'filled', 'cancelled')),
  filled_qty      double precision NOT NULL,
  submitted_by    text NOT NULL,
  created_ms      double precision NOT NULL,
  updated_ms      double precision NOT NULL,
  triggered_ms    double precision
);
CREATE INDEX orders_open_by_portfolio ON orders (portfolio_id) WHERE status = 'open';

CREATE TABLE fills (
  fill_id         text PRIMARY KEY,
  order_id        text NOT NULL REFERENCES orders,
  client_order_id text NOT NULL,
  portfolio_id    text NOT NULL REFERENCES portfolios,
  instrument      text NOT NULL,
  side            text NOT NULL CHECK (side IN ('buy', 'sell')),
  qty             double precision NOT NULL CHECK (qty > 0),
  price           double precision NOT NULL,
  ts_ms           double precision NOT NULL
);
CREATE INDEX fills_by_portfolio ON fills (portfolio_id, ts_ms);

-- Write-behind (persist queue): the newest figures of a portfolio at a point in time.
-- Figures are stored as json, not jsonb: they are written at tens of
-- thousands of rows a second and read back whole (the daily report, a chart), rarely searched.
-- jsonb converts every number to numeric on the way in, which makes a batch two to three times
-- slower to write (docs/BENCHMARKS.md).
-- Nothing else reads the column yet, and the operators (->, ->>) work on both.
CREATE TABLE risk_snapshots (
  portfolio_id text NOT NULL,
  seq          bigint NOT NULL,
  tick_ts      double precision NOT NULL,
  computed_ms  double precision NOT NULL,
  figures      json NOT NULL,
  -- seq starts again at 1 when the engine restarts; the time keeps the key unique across restarts.
  PRIMARY KEY (portfolio_id, computed_ms, seq)
);

-- Write-behind (persist queue): last prices, sampled.
CREATE TABLE market_snapshots (
  symbol text NOT NULL,
  ts_ms  double precision NOT NULL,
  price  double precision NOT NULL,
  PRIMARY KEY (symbol, ts_ms)
);

-- Append-only and hash-chained (see src/persistence/audit-chain.ts).
CREATE TABLE audit_log (
  seq         bigint PRIMARY KEY,
  at_us       bigint NOT NULL,
  actor       text NOT NULL,
  action      text NOT NULL,
  entity_type text NOT NULL,
  entity_id   text NOT NULL,
  before      jsonb,
  after       jsonb,
  prev_hash   text NOT NULL,
  hash        text NOT NULL
);
CREATE INDEX audit_log_by_entity ON audit_log (entity_type, entity_id, seq);

CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM PUBLIC;
`;
