/**
 * The journal (src/persistence/journal.ts). A group commit is one INSERT of one row into
 * `journal`: the batch as json, under its sequence number. That row is what makes a change
 * durable, so the acknowledgement waits for that INSERT alone. `journal_apply()` then projects
 * committed batches, in order, into the tables (portfolios, orders, fills, positions, limits,
 * audit_log) through journal_commit, and forgets them: many batches per transaction, off the
 * acknowledgement path. The engine runs it right after commits and at start, before rebuilding
 * the actors; the CLI commands run it before reading.
 *
 * journal_commit applies one batch. A section the batch does not have (most carry orders,
 * fills and positions only) costs no statement. Every write is an upsert of absolute values or
 * an insert that ignores a key it already has, so applying a batch twice writes nothing twice.
 */
export const sql = `
CREATE TABLE journal (
  seq          bigint PRIMARY KEY,
  entries      json NOT NULL,
  committed_at timestamptz NOT NULL DEFAULT now()
);

-- The newest batch projected into the tables (one row).
CREATE TABLE journal_applied (
  one boolean PRIMARY KEY DEFAULT true CHECK (one),
  seq bigint NOT NULL
);
INSERT INTO journal_applied VALUES (true, 0);

CREATE FUNCTION journal_commit(batch jsonb) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF batch ? 'created' THEN
    INSERT INTO portfolios (portfolio_id, owner_id, created_by, initial_cash, initial_positions, cash, closed_realised_pnl, trading_state, next_order_seq, next_fill_seq)
    SELECT p.portfolio_id, p.owner_id, p.created_by, p.initial_cash, p.initial_positions, p.cash, p.closed_realised_pnl, p.trading_state, p.next_order_seq, p.next_fill_seq
    FROM jsonb_to_recordset(batch->'created') AS p(portfolio_id text, owner_id text, created_by text, initial_cash float8, initial_positions jsonb,
    cash float8, closed_realised_pnl float8, trading_state text, next_order_seq bigint, next_fill_seq bigint)
    ON CONFLICT (portfolio_id) DO NOTHING;
  END IF;
  IF batch ? 'states' THEN
    UPDATE portfolios t SET cash = p.cash, closed_realised_pnl = p.closed_realised_pnl, trading_state = p.trading_state,
    next_order_seq = p.next_order_seq, next_fill_seq = p.next_fill_seq, updated_at = now()
    FROM jsonb_to_recordset(batch->'states') AS p(portfolio_id text, cash float8, closed_realised_pnl float8, trading_state text, next_order_seq bigint, next_fill_seq bigint)
    WHERE t.portfolio_id = p.portfolio_id;
  END IF;
  IF batch ? 'limits' THEN
    INSERT INTO risk_limits (portfolio_id, limits)
    SELECT l.portfolio_id, l.limits FROM jsonb_to_recordset(batch->'limits') AS l(portfolio_id text, limits jsonb)
    ON CONFLICT (portfolio_id) DO UPDATE SET limits = excluded.limits, updated_at = now();
  END IF;
  IF batch ? 'orders' THEN
    INSERT INTO orders (order_id, portfolio_id, client_order_id, instrument, side, qty, order_type, limit_price, stop_price, status, filled_qty,
    submitted_by, created_ms, updated_ms, triggered_ms)
    SELECT o.order_id, o.portfolio_id, o.client_order_id, o.instrument, o.side, o.qty, o.order_type, o.limit_price, o.stop_price, o.status, o.filled_qty,
    o.submitted_by, o.created_ms, o.updated_ms, o.triggered_ms
    FROM jsonb_to_recordset(batch->'orders') AS o(order_id text, portfolio_id text, client_order_id text, instrument text, side text, qty float8,
    order_type text, limit_price float8, stop_price float8, status text, filled_qty float8, submitted_by text, created_ms float8, updated_ms float8, triggered_ms float8)
    ON CONFLICT (order_id) DO UPDATE SET qty = excluded.qty, limit_price = excluded.limit_price, stop_price = excluded.stop_price, status = excluded.status,
    filled_qty = excluded.filled_qty, updated_ms = excluded.updated_ms, triggered_ms = excluded.triggered_ms;
  END IF;
  IF batch ? 'fills' THEN
    INSERT INTO fills (fill_id, order_id, client_order_id, portfolio_id, instrument, side, qty, price, ts_ms)
    SELECT f.fill_id, f.order_id, f.client_order_id, f.portfolio_id, f.instrument, f.side, f.qty, f.price, f.ts_ms
    FROM jsonb_to_recordset(batch->'fills') AS f(fill_id text, order_id text, client_order_id text, portfolio_id text, instrument text, side text,
    qty float8, price float8, ts_ms float8)
    ON CONFLICT (fill_id) DO NOTHING;
  END IF;
  IF batch ? 'positions' THEN
    INSERT INTO positions (portfolio_id, instrument, qty, avg_price, realised_pnl, multiplier, vol, dividend_yield, style)
    SELECT p.portfolio_id, p.instrument, p.qty, p.avg_price, p.realised_pnl, p.multiplier, p.vol, p.dividend_yield, p.style
    FROM jsonb_to_recordset(batch->'positions') AS p(portfolio_id text, instrument text, qty float8, avg_price float8, realised_pnl float8,
    multiplier float8, vol float8, dividend_yield float8, style text)
    ON CONFLICT (portfolio_id, instrument) DO UPDATE SET qty = excluded.qty, avg_price = excluded.avg_price, realised_pnl = excluded.realised_pnl,
    multiplier = excluded.multiplier, vol = excluded.vol, dividend_yield = excluded.dividend_yield, style = excluded.style, updated_at = now();
  END IF;
  IF batch ? 'audit' THEN
    INSERT INTO audit_log (seq, at_us, actor, action, entity_type, entity_id, before, after, prev_hash, hash)
    SELECT a.seq, a.at_us, a.actor, a.action, a.entity_type, a.entity_id, a.before, a.after, a.prev_hash, a.hash
    FROM jsonb_to_recordset(batch->'audit') AS a(seq bigint, at_us bigint, actor text, action text, entity_type text, entity_id text,
    before jsonb, after jsonb, prev_hash text, hash text)
    ON CONFLICT (seq) DO NOTHING;
  END IF;
END $$;

CREATE FUNCTION journal_apply() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  r record;
  last bigint;
BEGIN
  -- One projector at a time (the engine, or a CLI command beside it).
  PERFORM pg_advisory_xact_lock(7311042518);
  SELECT seq INTO last FROM journal_applied;
  FOR r IN SELECT seq, entries FROM journal WHERE seq > last ORDER BY seq LOOP
    PERFORM journal_commit(r.entries::jsonb);
    last := r.seq;
  END LOOP;
  UPDATE journal_applied SET seq = last;
  DELETE FROM journal WHERE seq <= last;
  RETURN last;
END $$;
`;
