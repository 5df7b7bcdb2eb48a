/**
 * An order may name its counterparty (a negotiated / OTC or give-up trade: docs/PROTOCOL.md), and
 * its fills carry it: the AML rule HIGH_RISK_COUNTRY reads the country of the other side of each
 * fill (src/persistence/aml-activity.ts), and recovery gives the orders back with it.
 *
 * Nullable columns: an exchange order has none, and rows stored before this migration keep NULL.
 * The country is checked here as at the gateway (two upper-case letters) so a row the engine could
 * not have written is refused; the name is bounded as the frame bounds it. The counterparty never
 * changes after the order is accepted, so the order upsert does not update it.
 *
 * journal_commit_tables (the projection of the tables, so named by migration 0016, which wraps it
 * in journal_commit) is replaced whole with the two columns added to its orders and fills
 * statements; journal rows committed before it (without the keys) project NULL.
 */
export const sql = `
ALTER TABLE orders
  ADD COLUMN counterparty_name    text CHECK (char_length(counterparty_name) BETWEEN 1 AND 200),
  ADD COLUMN counterparty_country text CHECK (counterparty_country ~ '^[A-Z]{2}$');
ALTER TABLE fills
  ADD COLUMN counterparty_name    text CHECK (char_length(counterparty_name) BETWEEN 1 AND 200),
  ADD COLUMN counterparty_country text CHECK (counterparty_country ~ '^[A-Z]{2}$');

CREATE OR REPLACE FUNCTION journal_commit_tables(batch jsonb) RETURNS void LANGUAGE plpgsql AS $$
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
    submitted_by, created_ms, updated_ms, triggered_ms, counterparty_name, counterparty_country)
    SELECT o.order_id, o.portfolio_id, o.client_order_id, o.instrument, o.side, o.qty, o.order_type, o.limit_price, o.stop_price, o.status, o.filled_qty,
    o.submitted_by, o.created_ms, o.updated_ms, o.triggered_ms, o.counterparty_name, o.counterparty_country
    FROM jsonb_to_recordset(batch->'orders') AS o(order_id text, portfolio_id text, client_order_id text, instrument text, side text, qty float8,
    order_type text, limit_price float8, stop_price float8, status text, filled_qty float8, submitted_by text, created_ms float8, updated_ms float8, triggered_ms float8,
    counterparty_name text, counterparty_country text)
    ON CONFLICT (order_id) DO UPDATE SET qty = excluded.qty, limit_price = excluded.limit_price, stop_price = excluded.stop_price, status = excluded.status,
    filled_qty = excluded.filled_qty, updated_ms = excluded.updated_ms, triggered_ms = excluded.triggered_ms;
  END IF;
  IF batch ? 'fills' THEN
    INSERT INTO fills (fill_id, order_id, client_order_id, portfolio_id, instrument, side, qty, price, ts_ms, counterparty_name, counterparty_country)
    SELECT f.fill_id, f.order_id, f.client_order_id, f.portfolio_id, f.instrument, f.side, f.qty, f.price, f.ts_ms, f.counterparty_name, f.counterparty_country
    FROM jsonb_to_recordset(batch->'fills') AS f(fill_id text, order_id text, client_order_id text, portfolio_id text, instrument text, side text,
    qty float8, price float8, ts_ms float8, counterparty_name text, counterparty_country text)
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
`;
