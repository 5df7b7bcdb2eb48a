/**
 * What the export reads straight from PostgreSQL, beyond the identity and KYC stores: login
 * sessions (when they are kept in PostgreSQL), the portfolios the person owns with their orders and
 * fills, the AML alerts about them (officers only) and the audit entries naming them.
 * PERSISTENCE=memory has none of these tables: the export says so instead (gdpr-export.ts).
 */
import type pg from 'pg';

export interface SessionRow { readonly id: string; readonly amr: readonly string[]; readonly createdAt: string; readonly expiresAt: string; readonly revokedAt: string | null }
export interface OrderRow {
  readonly orderId: string; readonly portfolioId: string; readonly clientOrderId: string; readonly instrument: string; readonly side: string; readonly qty: number;
  readonly orderType: string; readonly limitPrice: number | null; readonly stopPrice: number | null; readonly status: string; readonly filledQty: number; readonly createdAt: string;
}
export interface FillRow { readonly fillId: string; readonly orderId: string; readonly portfolioId: string; readonly instrument: string; readonly side: string; readonly qty: number; readonly price: number; readonly at: string }
export interface AuditRow { readonly seq: number; readonly at: string; readonly actor: string; readonly action: string; readonly entityType: string; readonly entityId: string; readonly ip: string | null }
export interface AmlAlertRow { readonly id: number; readonly rule: string; readonly severity: string; readonly state: string; readonly portfolioId: string; readonly createdAt: string }

export interface PersonalRecords {
  sessions(userId: string): Promise<SessionRow[]>;
  trading(userId: string): Promise<{ portfolios: string[]; orders: OrderRow[]; fills: FillRow[] }>;
  amlAlerts(userId: string): Promise<AmlAlertRow[]>;
  /** The newest `limit` entries whose actor or entity is the person, oldest first (by time; `seq` is within its chain). */
  audit(userId: string, limit: number): Promise<AuditRow[]>;
}

const iso = (ms: string | number | null): string | null => (ms === null ? null : new Date(Number(ms)).toISOString());

export class PgPersonalRecords implements PersonalRecords {
  constructor(private readonly pool: pg.Pool) {}

  async sessions(userId: string): Promise<SessionRow[]> {
    const r = await this.pool.query<{ id: string; amr: string[]; created_ms: string; expires_ms: string; revoked_ms: string | null }>(
      'SELECT id, amr, created_ms, expires_ms, revoked_ms FROM user_sessions WHERE user_id = $1 ORDER BY created_ms', [userId]);
    return r.rows.map((s) => ({ id: s.id, amr: s.amr, createdAt: iso(s.created_ms) as string, expiresAt: iso(s.expires_ms) as string, revokedAt: iso(s.revoked_ms) }));
  }

  async trading(userId: string): Promise<{ portfolios: string[]; orders: OrderRow[]; fills: FillRow[] }> {
    const portfolios = (await this.pool.query<{ portfolio_id: string }>('SELECT portfolio_id FROM portfolios WHERE owner_id = $1 ORDER BY portfolio_id', [userId])).rows.map((r) => r.portfolio_id);
    const orders = await this.pool.query<{
      order_id: string; portfolio_id: string; client_order_id: string; instrument: string; side: string; qty: number; order_type: string;
      limit_price: number | null; stop_price: number | null; status: string; filled_qty: number; created_ms: number;
    }>('SELECT * FROM orders WHERE portfolio_id = ANY($1) ORDER BY created_ms, order_id', [portfolios]);
    const fills = await this.pool.query<{ fill_id: string; order_id: string; portfolio_id: string; instrument: string; side: string; qty: number; price: number; ts_ms: number }>(
      'SELECT * FROM fills WHERE portfolio_id = ANY($1) ORDER BY ts_ms, fill_id', [portfolios]);
    return {
      portfolios,
      orders: orders.rows.map((o) => ({
        orderId: o.order_id, portfolioId: o.portfolio_id, clientOrderId: o.client_order_id, instrument: o.instrument, side: o.side, qty: o.qty, orderType: o.order_type,
        limitPrice: o.limit_price, stopPrice: o.stop_price, status: o.status, filledQty: o.filled_qty, createdAt: iso(o.created_ms) as string,
      })),
      fills: fills.rows.map((f) => ({ fillId: f.fill_id, orderId: f.order_id, portfolioId: f.portfolio_id, instrument: f.instrument, side: f.side, qty: f.qty, price: f.price, at: iso(f.ts_ms) as string })),
    };
  }

  async amlAlerts(userId: string): Promise<AmlAlertRow[]> {
    const r = await this.pool.query<{ id: string; rule: string; severity: string; state: string; portfolio_id: string; created_at: Date }>(
      'SELECT id, rule, severity, state, portfolio_id, created_at FROM aml_alerts WHERE customer_id = $1 ORDER BY id', [userId]);
    return r.rows.map((a) => ({ id: Number(a.id), rule: a.rule, severity: a.severity, state: a.state, portfolioId: a.portfolio_id, createdAt: a.created_at.toISOString() }));
  }

  async audit(userId: string, limit: number): Promise<AuditRow[]> {
    const r = await this.pool.query<{ seq: string; at_us: string; actor: string; action: string; entity_type: string; entity_id: string; ip: string | null }>(
      // The trail is several chains (a partition's, the control chain: migration 0021), each with
      // its own seq: time orders entries across them (then chain and seq, for a stable order).
      `SELECT * FROM (SELECT chain, seq, at_us, actor, action, entity_type, entity_id, after->>'ip' AS ip FROM audit_log
         WHERE actor = $1 OR entity_id = $1 ORDER BY at_us DESC, chain DESC, seq DESC LIMIT $2) newest ORDER BY at_us, chain, seq`, [userId, limit]);
    return r.rows.map((a) => ({ seq: Number(a.seq), at: new Date(Number(a.at_us) / 1000).toISOString(), actor: a.actor, action: a.action, entityType: a.entity_type, entityId: a.entity_id, ip: a.ip }));
  }
}
