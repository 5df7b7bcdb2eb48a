/**
 * Rebuilds the actors' states from PostgreSQL at start: owner, positions, cash, open orders,
 * limits, trading state and its reason, and the order and fill sequences, exactly as the journal
 * committed them (float8 columns give the engine's doubles back bit for bit). Rows the engine could not have written
 * (an unknown instrument, limits that do not validate) stop the start with the portfolio named,
 * rather than running on a book that is not the one that was acknowledged.
 */
import type pg from 'pg';
import { createPortfolioState } from '../engine/actors/portfolio-actor.js';
import { instrumentOf } from '../engine/actors/instrument-symbol.js';
import type { Counterparty, Fill, Holding, Order, OrderSide, OrderStatus, OrderType, PortfolioState } from '../engine/actors/types.js';
import { makeRiskLimits } from '../engine/limits/risk-limits.js';
import { TRADING_STATE_REASONS, type TradingState, type TradingStateReason } from '../engine/limits/types.js';

export class RecoveryError extends Error {
  readonly code = 'RECOVERY_BAD_ROW';
  constructor(message: string) {
    super(message);
    this.name = 'RecoveryError';
  }
}

interface PortfolioRow {
  portfolio_id: string; owner_id: string | null; trading_state_reason: string | null; cash: number; closed_realised_pnl: number; trading_state: TradingState; next_order_seq: string; next_fill_seq: string; limits: unknown;
}
interface PositionRow { portfolio_id: string; instrument: string; qty: number; avg_price: number; realised_pnl: number; multiplier: number; vol: number | null; dividend_yield: number; style: 'european' | 'american' }
export interface OrderRow {
  order_id: string; portfolio_id: string; client_order_id: string; instrument: string; side: OrderSide; qty: number; order_type: OrderType;
  limit_price: number | null; stop_price: number | null; status: OrderStatus; filled_qty: number; submitted_by: string; created_ms: number; updated_ms: number; triggered_ms: number | null;
  /** Migration 0016; NULL for an order without a counterparty. */
  counterparty_name?: string | null; counterparty_country?: string | null;
}

/** The counterparty columns of an order or fill row as the engine's field (absent when the name is NULL). */
export function counterpartyFromRow(r: { counterparty_name?: string | null; counterparty_country?: string | null }): { counterparty?: Counterparty } {
  if (r.counterparty_name === null || r.counterparty_name === undefined) return {};
  const country = r.counterparty_country;
  return { counterparty: { name: r.counterparty_name, ...(country !== null && country !== undefined ? { country } : {}) } };
}

/** Limits as stored (non-finite numbers as strings, audit-chain.ts toJsonValue) → numbers again. */
export function limitsFromJson(v: unknown): unknown {
  if (typeof v === 'string' && (v === 'Infinity' || v === '-Infinity' || v === 'NaN')) return Number(v);
  if (Array.isArray(v)) return v.map(limitsFromJson);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, limitsFromJson(x)]));
  return v;
}

export function holdingFromRow(r: PositionRow): Holding {
  const instrument = instrumentOf(r.instrument);
  if (!instrument) throw new RecoveryError(`portfolio ${r.portfolio_id}: stored position in unknown instrument ${JSON.stringify(r.instrument)}`);
  return {
    instrument, qty: r.qty, multiplier: r.multiplier, ...(r.vol !== null ? { vol: r.vol } : {}), dividendYield: r.dividend_yield, style: r.style,
    avgPrice: r.avg_price, realisedPnl: r.realised_pnl,
  };
}

export function orderFromRow(r: OrderRow): Order {
  const parsed = instrumentOf(r.instrument);
  if (!parsed) throw new RecoveryError(`order ${r.order_id}: unknown instrument ${JSON.stringify(r.instrument)}`);
  return {
    orderId: r.order_id, portfolioId: r.portfolio_id, clientOrderId: r.client_order_id, instrument: r.instrument, parsed, side: r.side, qty: r.qty,
    orderType: r.order_type, ...(r.limit_price !== null ? { limitPrice: r.limit_price } : {}), ...(r.stop_price !== null ? { stopPrice: r.stop_price } : {}),
    status: r.status, filledQty: r.filled_qty, createdMs: r.created_ms, updatedMs: r.updated_ms, submittedBy: r.submitted_by,
    ...(r.triggered_ms !== null ? { triggeredMs: r.triggered_ms } : {}),
    ...counterpartyFromRow(r),
  };
}

/**
 * Which portfolios to load: those of the owned partitions (portfolio_partition, migration 0021,
 * is partitionOf in SQL). A takeover rebuilds only the partitions it took; a start that owns
 * everything passes no scope.
 */
export interface PartitionScope {
  /** The deployment's partition count. */
  readonly partitions: number;
  readonly owned: readonly number[];
}

/** A WHERE condition on `column` for the scope, with its parameters numbered from `from`. */
function scopeWhere(scope: PartitionScope | undefined, column: string, from: number): { sql: string; params: unknown[] } {
  if (!scope) return { sql: 'true', params: [] };
  // The partition is computed once per portfolio (the small table), and the other tables are read
  // through their portfolio_id indexes: computing it per order row made a takeover under load
  // take most of a second.
  return {
    sql: `${column} IN (SELECT portfolio_id FROM portfolios WHERE portfolio_partition(portfolio_id, $${from}) = ANY($${from + 1}::int[]))`,
    params: [scope.partitions, [...scope.owned]],
  };
}

/**
 * The actors' states. `clientOrderIdsSinceMs`: orders accepted from then on (engine clock minus
 * the clientOrderId window), with the open ones, are what each actor remembers of the
 * clientOrderIds it accepted (client-order-ids.ts); by default only the open ones. `scope`: only
 * the portfolios of these partitions (a takeover); without it, every portfolio.
 */
export async function loadPortfolioStates(pool: pg.Pool, clientOrderIdsSinceMs = Infinity, scope?: PartitionScope): Promise<PortfolioState[]> {
  const p1 = scopeWhere(scope, 'p.portfolio_id', 1);
  const p2 = scopeWhere(scope, 'portfolio_id', 1);
  const p3 = scopeWhere(scope, 'portfolio_id', 2);
  const [portfolios, positions, orders] = await Promise.all([
    pool.query<PortfolioRow>(`SELECT p.portfolio_id, p.owner_id, p.trading_state_reason, p.cash, p.closed_realised_pnl, p.trading_state, p.next_order_seq, p.next_fill_seq, l.limits
                              FROM portfolios p LEFT JOIN risk_limits l USING (portfolio_id) WHERE ${p1.sql} ORDER BY p.portfolio_id`, p1.params),
    pool.query<PositionRow>(`SELECT * FROM positions WHERE qty <> 0 AND ${p2.sql} ORDER BY portfolio_id, instrument`, p2.params),
    // Both arms are indexed (orders_open_by_portfolio, orders_by_created: migration 0010).
    pool.query<OrderRow>(`SELECT * FROM orders WHERE (status = 'open' OR created_ms >= $1) AND ${p3.sql} ORDER BY portfolio_id, created_ms, order_id`, [clientOrderIdsSinceMs, ...p3.params]),
  ]);
  const holdingsOf = groupBy(positions.rows, (r) => r.portfolio_id);
  const ordersOf = groupBy(orders.rows, (r) => r.portfolio_id);
  return portfolios.rows.map((p) => {
    let limits;
    if (p.limits !== null && p.limits !== undefined) {
      const l = makeRiskLimits(limitsFromJson(p.limits));
      if (!l.ok) throw new RecoveryError(`portfolio ${p.portfolio_id}: stored limits do not validate: ${l.errors.join('; ')}`);
      limits = l.value;
    }
    const reason = p.trading_state_reason;
    if (reason !== null && !(TRADING_STATE_REASONS as readonly string[]).includes(reason)) {
      throw new RecoveryError(`portfolio ${p.portfolio_id}: stored trading state reason ${JSON.stringify(reason)} is none of ${TRADING_STATE_REASONS.join(', ')}`);
    }
    const accepted = (ordersOf.get(p.portfolio_id) ?? []).map(orderFromRow);
    const base = createPortfolioState({
      portfolioId: p.portfolio_id, ...(p.owner_id !== null ? { ownerId: p.owner_id } : {}),
      ...(reason !== null ? { tradingStateReason: reason as TradingStateReason } : {}), cash: p.cash, holdings: (holdingsOf.get(p.portfolio_id) ?? []).map(holdingFromRow),
      ...(limits ? { limits } : {}), tradingState: p.trading_state, nextOrderSeq: Number(p.next_order_seq), nextFillSeq: Number(p.next_fill_seq),
      acceptedOrders: accepted,
    });
    const openOrders = new Map(accepted.filter((o) => o.status === 'open').map((o) => [o.orderId, o] as const));
    return { ...base, openOrders, closedRealisedPnl: p.closed_realised_pnl };
  });
}

function groupBy<T>(rows: readonly T[], key: (r: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const r of rows) {
    const k = key(r);
    const list = m.get(k);
    if (list) list.push(r);
    else m.set(k, [r]);
  }
  return m;
}

export interface FillRow {
  fill_id: string; order_id: string; client_order_id: string; portfolio_id: string; instrument: string; side: OrderSide; qty: number; price: number; ts_ms: number;
  counterparty_name?: string | null; counterparty_country?: string | null;
}

/**
 * The newest orders and fills, oldest first, for the engine's in-memory history (GET /trades
 * after a restart shows what it showed before); with `scope`, those of the partitions' portfolios.
 */
export async function loadRecentHistory(pool: pg.Pool, limit: number, scope?: PartitionScope): Promise<{ orders: Order[]; fills: Fill[] }> {
  const w = scopeWhere(scope, 'portfolio_id', 2);
  const [orders, fills] = await Promise.all([
    pool.query<OrderRow>(`SELECT * FROM (SELECT * FROM orders WHERE ${w.sql} ORDER BY updated_ms DESC, order_id DESC LIMIT $1) o ORDER BY updated_ms, order_id`, [limit, ...w.params]),
    pool.query<FillRow>(`SELECT * FROM (SELECT * FROM fills WHERE ${w.sql} ORDER BY ts_ms DESC, fill_id DESC LIMIT $1) f ORDER BY ts_ms, fill_id`, [limit, ...w.params]),
  ]);
  return {
    orders: orders.rows.map(orderFromRow),
    fills: fills.rows.map(fillFromRow),
  };
}

export const fillFromRow = (r: FillRow): Fill => ({
  fillId: r.fill_id, orderId: r.order_id, clientOrderId: r.client_order_id, portfolioId: r.portfolio_id, instrument: r.instrument,
  side: r.side, qty: r.qty, price: r.price, ts: r.ts_ms, ...counterpartyFromRow(r),
});
