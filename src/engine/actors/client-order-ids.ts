import type { Counterparty, Order } from './types.js';

/** How long an accepted clientOrderId is remembered at least (CLIENT_ORDER_ID_WINDOW_MS), by default: a day. */
export const CLIENT_ORDER_IDS_DEFAULTS = Object.freeze({ windowMs: 86_400_000 });

/** Entries examined at most per accepted order, so that no order pays for a whole expired backlog. */
const PRUNE_PER_ADD = 4;

/**
 * The clientOrderIds one portfolio accepted, each with its order as accepted (the fields as the
 * client sent them, its orderId and createdMs), so that a copy of an order is never executed
 * twice. An id is remembered while its order is open and for at least `windowMs` after it was
 * accepted; `find` answers exactly that, whatever pruning has or has not caught up with, so the
 * answer is the same before and after a restart (recovery reloads the same set).
 *
 * Successive states of one actor share this object and it is changed in place: at a window of a
 * day it holds millions of entries, which no transition can copy per order. Only two things
 * change it: `add`, which a transition calls last, once it can no longer fail (so a state that
 * safeHandle keeps after a throw has nothing of that message here), and pruning, which removes
 * only what `find` no longer shows (out of the window, not open).
 *
 * Layout: `recent` in acceptance order, so that the expired ones are at its front; an order
 * still open when it leaves the window moves to `pinned`, which is swept once it has grown to
 * twice its size after the last sweep (amortised: a sweep pays for the pins since the previous).
 */
export class ClientOrderIds {
  private readonly recent = new Map<string, Order>();
  private readonly pinned = new Map<string, Order>();
  private pinnedSweepAt = 64;

  /** Orders in acceptance order (recovery), all remembered whatever their age until the first `add` prunes. */
  constructor(accepted: Iterable<Order> = []) {
    for (const o of accepted) this.recent.set(o.clientOrderId, o);
  }

  get size(): number {
    return this.recent.size + this.pinned.size;
  }

  /**
   * The order accepted under `clientOrderId`, if it is still remembered: open, or accepted at or
   * after `sinceMs` (the engine clock minus the window).
   */
  find(clientOrderId: string, sinceMs: number, openOrders: ReadonlyMap<string, Order>): Order | undefined {
    const o = this.recent.get(clientOrderId) ?? this.pinned.get(clientOrderId);
    if (o === undefined) return undefined;
    return o.createdMs >= sinceMs || openOrders.has(o.orderId) ? o : undefined;
  }

  /** Remembers an order just accepted, and forgets a few that `find` no longer shows. */
  add(order: Order, sinceMs: number, openOrders: ReadonlyMap<string, Order>): void {
    const id = order.clientOrderId;
    // An id reused after it was forgotten: the old entry may still be here, at an older position.
    if (!this.recent.delete(id)) this.pinned.delete(id);
    this.recent.set(id, order);
    let n = 0;
    for (const [key, o] of this.recent) {
      if (o.createdMs >= sinceMs || n++ === PRUNE_PER_ADD) break;
      this.recent.delete(key);
      if (openOrders.has(o.orderId)) this.pinned.set(key, o);
    }
    if (this.pinned.size >= this.pinnedSweepAt) {
      for (const [key, o] of this.pinned) if (!openOrders.has(o.orderId)) this.pinned.delete(key);
      this.pinnedSweepAt = Math.max(64, 2 * this.pinned.size);
    }
  }
}

/** Whether a request asks for exactly what an accepted order was accepted with (fields as sent). */
export function sameOrderFields(accepted: Order, r: { readonly instrument: string; readonly side: string; readonly qty: number; readonly orderType: string; readonly limitPrice?: number; readonly stopPrice?: number; readonly counterparty?: Counterparty }): boolean {
  return accepted.instrument === r.instrument && accepted.side === r.side && accepted.qty === r.qty && accepted.orderType === r.orderType
    && accepted.limitPrice === r.limitPrice && accepted.stopPrice === r.stopPrice && sameCounterparty(accepted.counterparty, r.counterparty);
}

/** A copy names the same counterparty (or none, as the original): another one makes it another order. */
function sameCounterparty(a: Counterparty | undefined, b: Counterparty | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && a.name === b.name && a.country === b.country);
}

/** The fields in which a request differs from the order accepted under its clientOrderId, for the reject's reason. */
export function orderFieldDifferences(accepted: Order, r: Parameters<typeof sameOrderFields>[1]): string {
  const out: string[] = [];
  for (const k of ['instrument', 'side', 'qty', 'orderType', 'limitPrice', 'stopPrice'] as const) {
    if (accepted[k] !== r[k]) out.push(`${k} ${JSON.stringify(r[k]) ?? 'absent'} (accepted: ${JSON.stringify(accepted[k]) ?? 'absent'})`);
  }
  if (!sameCounterparty(accepted.counterparty, r.counterparty)) {
    out.push(`counterparty ${JSON.stringify(r.counterparty) ?? 'absent'} (accepted: ${JSON.stringify(accepted.counterparty) ?? 'absent'})`);
  }
  return out.join(', ');
}
