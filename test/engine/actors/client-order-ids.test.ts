import { describe, expect, it } from 'vitest';
import { handlePortfolioMessage as handle } from '../../../src/engine/actors/portfolio-actor.js';
import type { ActorContext, Order, OrderRequest, PortfolioState } from '../../../src/engine/actors/types.js';
import { WIDEST_CONFIGURABLE_LIMITS } from '../../fixtures/limits.js';
import { ctx, only, portfolio, submit, types } from './fixtures.js';

const T0 = 1_735_776_000_000;
const WINDOW_MS = 60_000;
/** The engine clock at `ms` after T0, with a one-minute clientOrderId window. */
const at = (ms: number, spot = 100): ActorContext => ({ ...ctx({ XYZ: spot }, { nowMs: T0 + ms }), clientOrderIdWindowMs: WINDOW_MS });

const order = (clientOrderId: string, extra: Partial<OrderRequest> = {}): OrderRequest =>
  ({ clientOrderId, instrument: 'XYZ', side: 'buy', qty: 10, orderType: 'market', ...extra });
const limit = (clientOrderId: string, limitPrice = 90): OrderRequest => order(clientOrderId, { orderType: 'limit', limitPrice });

/** Runs the submits in turn from `s`, at time `ms` each, and returns the final state. */
function fill(s: PortfolioState, ids: readonly string[], ms: number): PortfolioState {
  for (const id of ids) s = handle(s, submit(order(id, { qty: 1 })), at(ms)).state;
  return s;
}

describe('a resent order (same clientOrderId, same fields)', () => {
  it('is answered with the original order and not executed again', () => {
    const a = handle(portfolio(), submit(order('dup')), at(0));
    expect(types(a.events)).toEqual(['OrderAccepted', 'OrderFilled', 'PositionChanged']);
    const b = handle(a.state, submit(order('dup')), at(5));
    expect(b.events).toEqual([{ type: 'OrderResent', accepted: only(a.events, 'OrderAccepted').order }]);
    expect(b.state).toBe(a.state); // no fill, no new order id, no rate slot
    expect(b.state.holdings.get('XYZ')?.qty).toBe(10);
  });

  it('carries the order as it rests now when it is still open, replaced fields included', () => {
    const a = handle(portfolio(), submit(limit('rest')), at(0));
    const r = handle(a.state, { kind: 'ReplaceOrder', orderId: 'P1-o1', qty: 4 }, at(1));
    const b = handle(r.state, submit(limit('rest')), at(2));
    expect(only(b.events, 'OrderResent')).toMatchObject({ accepted: { orderId: 'P1-o1', qty: 10 }, open: { orderId: 'P1-o1', qty: 4, status: 'open' } });
    expect(b.state).toBe(r.state);
  });

  it('is answered before any other check: neither a halt nor an exhausted rate limit refuses it', () => {
    const a = handle(portfolio({ limits: { ...WIDEST_CONFIGURABLE_LIMITS, submitRateLimit: 1 } }), submit(order('once')), at(0));
    const halted = handle(a.state, { kind: 'SetTradingState', state: 'halted' }, at(1)).state;
    expect(types(handle(halted, submit(order('once')), at(2)).events)).toEqual(['OrderResent']);
    expect(types(handle(a.state, submit(order('once')), at(2)).events)).toEqual(['OrderResent']);
    expect(only(handle(a.state, submit(order('other')), at(2)).events, 'OrderRejected').code).toBe('RATE_LIMIT_SUBMIT');
  });
});

describe('a clientOrderId already accepted, with other fields', () => {
  it('is rejected DUPLICATE_CLIENT_ORDER_ID naming the original order and the fields that differ', () => {
    const a = handle(portfolio(), submit(limit('x', 90)), at(0));
    const b = handle(a.state, submit(limit('x', 91)), at(1));
    expect(only(b.events, 'OrderRejected')).toMatchObject({ code: 'DUPLICATE_CLIENT_ORDER_ID', clientOrderId: 'x', orderId: 'P1-o1' });
    expect(only(b.events, 'OrderRejected').reason).toContain('limitPrice 91 (accepted: 90)');
    expect(b.state).toBe(a.state);
    const c = handle(a.state, submit(order('x', { side: 'sell', orderType: 'limit', limitPrice: 90 })), at(1));
    expect(only(c.events, 'OrderRejected')).toMatchObject({ code: 'DUPLICATE_CLIENT_ORDER_ID', orderId: 'P1-o1' });
  });

  it('compares the instrument as the client sent it, text for text', () => {
    const a = handle(portfolio(), submit(order('sym')), at(0));
    expect(only(handle(a.state, submit(order('sym', { instrument: 'XYZ ' })), at(1)).events, 'OrderRejected').code).toBe('DUPLICATE_CLIENT_ORDER_ID');
    expect(only(handle(a.state, submit(order('sym', { instrument: 'ABC' })), at(1)).events, 'OrderRejected').code).toBe('DUPLICATE_CLIENT_ORDER_ID');
  });
});

describe('how long a clientOrderId is remembered', () => {
  it('lets a rejected order be sent again under its clientOrderId, and remembers it once accepted', () => {
    const a = handle(portfolio(), submit(order('retry', { instrument: 'NOPE' })), at(0));
    expect(only(a.events, 'OrderRejected').code).toBe('NO_MARKET');
    const b = handle(a.state, submit(order('retry')), at(1));
    expect(types(b.events)).toEqual(['OrderAccepted', 'OrderFilled', 'PositionChanged']);
    expect(types(handle(b.state, submit(order('retry')), at(2)).events)).toEqual(['OrderResent']);
  });

  it('remembers a closed order for the window after it was accepted, then accepts the id as a new order and forgets the old entry', () => {
    const a = handle(portfolio(), submit(order('old')), at(0));
    expect(types(handle(a.state, submit(order('old')), at(WINDOW_MS)).events)).toEqual(['OrderResent']);
    const later = handle(a.state, submit(order('old')), at(WINDOW_MS + 1));
    expect(only(later.events, 'OrderAccepted').order.orderId).toBe('P1-o2');
    expect(later.state.clientOrderIds?.size).toBe(1);
    // Pruning: orders after the window leave only what is still remembered.
    const b = fill(handle(portfolio(), submit(order('gone')), at(0)).state, ['n1', 'n2'], WINDOW_MS + 1);
    expect(b.clientOrderIds?.size).toBe(2);
  });

  it('remembers an open order whatever its age, and forgets it a window after it closed once accepted that long ago', () => {
    const a = handle(portfolio(), submit(limit('gtc')), at(0));
    // Many orders long after the window: pruning passes the open order and keeps it.
    const b = fill(a.state, Array.from({ length: 10 }, (_, i) => `later${i}`), 10 * WINDOW_MS);
    expect(only(handle(b, submit(limit('gtc')), at(10 * WINDOW_MS)).events, 'OrderResent').open).toMatchObject({ orderId: 'P1-o1', status: 'open' });
    expect(only(handle(b, submit(limit('gtc', 80)), at(10 * WINDOW_MS)).events, 'OrderRejected')).toMatchObject({ code: 'DUPLICATE_CLIENT_ORDER_ID', orderId: 'P1-o1' });
    const filled = handle(b, { kind: 'MarketTick', symbol: 'XYZ', price: 89, ts: 1 }, at(10 * WINDOW_MS + 1, 89));
    expect(types(filled.events)).toContain('OrderFilled');
    // Accepted more than a window ago and no longer open: forgotten, the id is free again.
    expect(types(handle(filled.state, submit(limit('gtc')), at(10 * WINDOW_MS + 2, 89)).events)[0]).toBe('OrderAccepted');
  });

  it('defaults to a day', () => {
    const day = 86_400_000;
    const a = handle(portfolio(), submit(order('d')), ctx({ XYZ: 100 }, { nowMs: T0 }));
    expect(types(handle(a.state, submit(order('d')), ctx({ XYZ: 100 }, { nowMs: T0 + day })).events)).toEqual(['OrderResent']);
    expect(types(handle(a.state, submit(order('d')), ctx({ XYZ: 100 }, { nowMs: T0 + day + 1 })).events)[0]).toBe('OrderAccepted');
  });

  it('remembers the orders a rebuilt portfolio is given, as if it had accepted them', () => {
    const before = handle(portfolio(), submit(limit('kept')), at(0));
    const accepted = [...before.state.openOrders.values()] as Order[];
    const rebuilt = portfolio({ nextOrderSeq: 2, acceptedOrders: accepted });
    const s = { ...rebuilt, openOrders: new Map(accepted.map((o) => [o.orderId, o])) };
    expect(only(handle(s, submit(limit('kept')), at(1)).events, 'OrderResent').accepted.orderId).toBe('P1-o1');
    expect(only(handle(s, submit(limit('kept', 70)), at(1)).events, 'OrderRejected').code).toBe('DUPLICATE_CLIENT_ORDER_ID');
  });
});
