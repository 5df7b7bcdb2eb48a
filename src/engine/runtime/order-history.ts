/**
 * Order history: the orders and fills the engine remembers (trade-history.ts, the archive behind
 * it) and the shaping of an actor's events into the answer to an order, cancel or replace.
 */
import type { Fill, Order, PortfolioEvent } from '../actors/types.js';
import type { OrderOutcome } from './engine-api.js';
import type { OrderArchive } from './order-archive.js';
import { TradeHistory } from './trade-history.js';

/** What asking an actor gave: its events, or why it was not asked. */
/**
 * `moved`: the portfolio's partition went to another engine before the change was durable
 * (scale-out, docs/SCALE-OUT.md): nothing was acknowledged, and the client may send it again.
 */
export type AskResult = readonly PortfolioEvent[] | 'busy' | 'unknown' | 'moved';

type Resent = Extract<PortfolioEvent, { type: 'OrderResent' }>;

const reject = (code: string, message: string, ids: { clientOrderId?: string; orderId?: string }): OrderOutcome => ({ ok: false, kind: 'reject', code, message, ...ids });

export class OrderHistory {
  readonly trades: TradeHistory;

  constructor(
    limit: number,
    private readonly archive: OrderArchive | undefined,
    private readonly warn: (msg: string, fields: Record<string, unknown>) => void,
    before?: { readonly orders: readonly Order[]; readonly fills: readonly Fill[] },
  ) {
    this.trades = new TradeHistory(limit);
    for (const o of before?.orders ?? []) this.trades.remember(o);
    for (const f of (before?.fills ?? []).slice(-limit)) this.trades.addFill(f);
  }

  /**
   * Orders and fills of portfolios that joined this engine (a partition taken), those it does not
   * know yet: they were made by the partition's previous owner.
   */
  adopt(more: { readonly orders: readonly Order[]; readonly fills: readonly Fill[] }): void {
    for (const o of more.orders) if (this.trades.get(o.orderId) === undefined) this.trades.remember(o);
    for (const f of more.fills) if (!this.trades.fillsOf(f.orderId).some((x) => x.fillId === f.fillId)) this.trades.addFill(f);
  }

  /**
   * Remembers the orders and fills among one message's events; true when an order changed (the
   * portfolio's index and quiet bands must follow).
   */
  record(events: readonly PortfolioEvent[]): boolean {
    let ordersChanged = false;
    for (const e of events) {
      switch (e.type) {
        case 'OrderAccepted': case 'OrderCancelled': case 'OrderReplaced': case 'OrderTriggered':
          this.trades.remember(e.order);
          ordersChanged = true;
          break;
        case 'OrderFilled':
          this.trades.remember(e.order);
          this.trades.addFill(e.fill);
          ordersChanged = true;
          break;
        default:
          break;
      }
    }
    return ordersChanged;
  }

  /** The answer to an order, cancel or replace, from what asking its actor gave. */
  outcomeOf(result: AskResult, portfolioId: string, clientOrderId?: string): OrderOutcome {
    const cid = clientOrderId !== undefined ? { clientOrderId } : {};
    if (result === 'unknown') return reject('UNKNOWN_PORTFOLIO', `no portfolio ${portfolioId}`, cid);
    if (result === 'busy') return reject('MAILBOX_FULL', `portfolio ${portfolioId} is busy: its mailbox is full, retry later`, cid);
    if (result === 'moved') return reject('PARTITION_MOVING', `portfolio ${portfolioId} is moving to another engine; nothing was done: send it again`, cid);
    const rejected = result.find((e) => e.type === 'OrderRejected');
    if (rejected?.type === 'OrderRejected') {
      return reject(rejected.code, rejected.reason, {
        ...(rejected.clientOrderId !== undefined ? { clientOrderId: rejected.clientOrderId } : cid),
        ...(rejected.orderId !== undefined ? { orderId: rejected.orderId } : {}),
      });
    }
    if (result.some((e) => e.type === 'ActorFailed')) return reject('INTERNAL_ERROR', 'the portfolio actor failed and was restarted; the request had no effect', cid);
    let order: Order | undefined;
    const fills: Fill[] = [];
    for (const e of result) {
      if (e.type === 'OrderAccepted' || e.type === 'OrderReplaced' || e.type === 'OrderCancelled' || e.type === 'OrderTriggered') order ??= e.order;
      if (e.type === 'OrderFilled') { fills.push(e.fill); order = e.order; }
    }
    if (!order) return reject('INTERNAL_ERROR', 'the request produced no order event', cid);
    return { ok: true, kind: 'ack', order, fills };
  }

  /**
   * The answer to a copy of an accepted order: that order as it is now and its fills. An order
   * that rested when the copy arrived is answered as it rested then (the copy's answer waited for
   * that state to be durable; a fill since may not be yet). A closed order no longer changes: it
   * comes from the history, or from the archive once the history has dropped it.
   */
  async answerResent(e: Resent): Promise<OrderOutcome> {
    if (e.open) return { ok: true, kind: 'ack', order: e.open, fills: [] }; // fills are whole: an open order has none
    const { orderId, clientOrderId } = e.accepted;
    const known = this.trades.get(orderId);
    const fills = this.trades.fillsOf(orderId);
    if (known && known.status !== 'open' && (known.status !== 'filled' || fills.length > 0)) return { ok: true, kind: 'ack', order: known, fills };
    let why = 'the engine no longer holds it in memory and has no archive';
    if (this.archive) {
      try {
        const stored = await this.archive.findOrder(orderId);
        if (stored) return { ok: true, kind: 'ack', order: stored.order, fills: stored.fills };
        why = 'it is not readable from the database yet';
      } catch (err) {
        why = 'reading it from the database failed (logged)';
        this.warn('reading an order for a resent copy failed', { orderId, error: (err as Error).message });
      }
    }
    return reject(
      'DUPLICATE_CLIENT_ORDER_ID',
      `clientOrderId ${clientOrderId} was already accepted as order ${orderId} with the same fields; it is not executed again, but its state cannot be given: ${why}`,
      { clientOrderId, ...(orderId !== undefined ? { orderId } : {}) },
    );
  }
}
