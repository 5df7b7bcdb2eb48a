/**
 * Where the engine finds an order that has left its in-memory history (historyLimit) or was made
 * before a restart: a copy of an order accepted up to a window ago (a day by default) is answered
 * with that order as it is now and its fills, which can be older than the history holds. The
 * PostgreSQL implementation is src/persistence/order-archive.ts; without one (PERSISTENCE=memory)
 * such a copy is rejected with the order named instead.
 */
import type { Fill, Order } from '../actors/types.js';

export interface OrderArchive {
  /** The order as stored and its fills, or undefined when it is not stored (yet). May reject (database away). */
  findOrder(orderId: string): Promise<{ readonly order: Order; readonly fills: readonly Fill[] } | undefined>;
}
