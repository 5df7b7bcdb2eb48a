/**
 * The engine's OrderArchive on PostgreSQL: an order and its fills by orderId, as the journal last
 * projected them (a primary-key read and an index read, fills_by_order of migration 0010). The
 * engine asks only for orders its in-memory history has dropped, which the projection, a few
 * milliseconds behind the acks, has long written.
 */
import type pg from 'pg';
import type { OrderArchive } from '../engine/runtime/order-archive.js';
import { type FillRow, type OrderRow, fillFromRow, orderFromRow } from './recovery.js';

export function pgOrderArchive(pool: pg.Pool): OrderArchive {
  return {
    async findOrder(orderId) {
      const [order, fills] = await Promise.all([
        pool.query<OrderRow>('SELECT * FROM orders WHERE order_id = $1', [orderId]),
        pool.query<FillRow>('SELECT * FROM fills WHERE order_id = $1 ORDER BY ts_ms, fill_id', [orderId]),
      ]);
      const row = order.rows[0];
      return row ? { order: orderFromRow(row), fills: fills.rows.map(fillFromRow) } : undefined;
    },
  };
}
