/**
 * The orders and fills kept in memory for GET /trades and GET /trades/{id}: the newest
 * `limit` orders (open ones are never evicted) and fills, with pages read in creation order.
 *
 * Paging: every order gets a position in two append-only logs when first seen, one over all
 * portfolios and one of its own portfolio. A cursor is a position in one of them, so a page starts
 * where the last one stopped in O(1) and reads at most a bounded number of entries: no request
 * walks every order. Evicted orders leave a hole in a log, skipped on read and trimmed from its head.
 */
import type { Fill, Order } from '../actors/types.js';

/** Entries one page may read past (holes, other portfolios' orders) per order it returns. */
const SCAN_PER_RESULT = 8;

class IdLog {
  /** Absolute position of ids[0]. */
  base = 0;
  ids: string[] = [];

  get end(): number {
    return this.base + this.ids.length;
  }

  /** Drops leading ids that are gone; compacts the array once the dead head is large. */
  trim(alive: (id: string) => boolean): void {
    let i = 0;
    while (i < this.ids.length && !alive(this.ids[i] as string)) i++;
    if (i === 0) return;
    this.ids = this.ids.slice(i);
    this.base += i;
  }
}

export interface TradePage {
  readonly orders: readonly Order[];
  readonly fills: readonly Fill[];
  /** Position to continue from, or undefined at the end of the log. */
  readonly next?: number;
}

export class TradeHistory {
  private readonly orders = new Map<string, Order>();
  private readonly all = new IdLog();
  private readonly byPortfolio = new Map<string, IdLog>();
  private readonly fills: Fill[] = [];
  private fillHead = 0;
  private readonly fillsByOrder = new Map<string, Fill[]>();

  constructor(private readonly limit: number) {}

  get(orderId: string): Order | undefined {
    return this.orders.get(orderId);
  }

  /** Records a new or changed order; evicts the oldest closed order beyond the limit. */
  remember(order: Order): void {
    const known = this.orders.has(order.orderId);
    this.orders.delete(order.orderId); // re-insert so that eviction order follows the last update
    this.orders.set(order.orderId, order);
    if (!known) {
      this.all.ids.push(order.orderId);
      let log = this.byPortfolio.get(order.portfolioId);
      if (!log) this.byPortfolio.set(order.portfolioId, (log = new IdLog()));
      log.ids.push(order.orderId);
    }
    if (this.orders.size > this.limit) {
      for (const [id, o] of this.orders) {
        if (o.status !== 'open') {
          this.orders.delete(id);
          this.fillsByOrder.delete(id);
          break;
        }
      }
      const alive = (id: string) => this.orders.has(id);
      this.all.trim(alive);
      this.byPortfolio.get(order.portfolioId)?.trim(alive);
    }
  }

  addFill(fill: Fill): void {
    this.fills.push(fill);
    let list = this.fillsByOrder.get(fill.orderId);
    if (!list) this.fillsByOrder.set(fill.orderId, (list = []));
    list.push(fill);
    if (this.fills.length - this.fillHead > this.limit) {
      const old = this.fills[this.fillHead++] as Fill;
      const l = this.fillsByOrder.get(old.orderId);
      if (l && l[0] === old) l.shift();
      // Compact once the dead head is as long as the live part.
      if (this.fillHead > this.limit) {
        this.fills.splice(0, this.fillHead);
        this.fillHead = 0;
      }
    }
  }

  fillsOf(orderId: string): readonly Fill[] {
    return this.fillsByOrder.get(orderId) ?? [];
  }

  listOrders(portfolioId?: string): readonly Order[] {
    const out: Order[] = [];
    for (const o of this.orders.values()) if (portfolioId === undefined || o.portfolioId === portfolioId) out.push(o);
    return out;
  }

  listFills(portfolioId?: string): readonly Fill[] {
    const out: Fill[] = [];
    for (let i = this.fillHead; i < this.fills.length; i++) {
      const f = this.fills[i] as Fill;
      if (portfolioId === undefined || f.portfolioId === portfolioId) out.push(f);
    }
    return out;
  }

  /**
   * Up to `limit` orders in creation order from position `from` of the portfolio's log (or the log
   * of all portfolios, filtered by `include`), with their fills. A page may hold fewer than `limit`
   * orders when it stopped at its scan bound; `next` then says where to go on.
   */
  page(scope: { readonly portfolioId?: string; readonly include?: (portfolioId: string) => boolean }, from: number, limit: number): TradePage {
    const log = scope.portfolioId === undefined ? this.all : this.byPortfolio.get(scope.portfolioId);
    if (!log) return { orders: [], fills: [] };
    const orders: Order[] = [];
    const fills: Fill[] = [];
    let pos = Math.max(from, log.base);
    const scanEnd = Math.min(log.end, pos + limit * SCAN_PER_RESULT);
    for (; pos < scanEnd && orders.length < limit; pos++) {
      const o = this.orders.get(log.ids[pos - log.base] as string);
      if (o === undefined || (scope.include !== undefined && !scope.include(o.portfolioId))) continue;
      orders.push(o);
      for (const f of this.fillsOf(o.orderId)) fills.push(f);
    }
    return pos < log.end ? { orders, fills, next: pos } : { orders, fills };
  }
}
