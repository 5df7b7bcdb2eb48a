import { describe, expect, it } from 'vitest';
import { handlePortfolioMessage } from '../../../src/engine/actors/portfolio-actor.js';
import type { Fill, Order, PortfolioEvent } from '../../../src/engine/actors/types.js';
import type { OrderArchive } from '../../../src/engine/runtime/order-archive.js';
import { OrderHistory } from '../../../src/engine/runtime/order-history.js';
import { ctx, portfolio, req, submit } from '../actors/fixtures.js';

const M = ctx({ XYZ: 100 });
/** The events of a market buy that fills at once, and of a buy limit that rests. */
const filled = (): readonly PortfolioEvent[] => handlePortfolioMessage(portfolio(), submit(req('XYZ', 'buy', 3)), M).events;
const resting = (): readonly PortfolioEvent[] => handlePortfolioMessage(portfolio(), submit(req('XYZ', 'buy', 3, { orderType: 'limit', limitPrice: 90 })), M).events;
const orderOf = (events: readonly PortfolioEvent[]): Order => (events.find((e) => e.type === 'OrderFilled' || e.type === 'OrderAccepted') as { order: Order }).order;

const warnings: string[] = [];
const history = (archive?: OrderArchive) => new OrderHistory(100, archive, (msg) => warnings.push(msg));

describe('order history', () => {
  it('remembers the orders and fills among a message\'s events and says whether an order changed', () => {
    const h = history();
    const events = filled();
    expect(h.record(events)).toBe(true);
    const order = orderOf(events);
    expect(h.trades.get(order.orderId)?.status).toBe('filled');
    expect(h.trades.fillsOf(order.orderId)).toHaveLength(1);
    expect(h.record([{ type: 'LimitsChanged', portfolioId: 'P1', limits: portfolio().limits }])).toBe(false);
  });

  it('answers an order with its ack and the fills it caused at once', () => {
    const events = filled();
    expect(history().outcomeOf(events, 'P1')).toMatchObject({ ok: true, kind: 'ack', order: { status: 'filled' }, fills: [{ qty: 3 }] });
  });

  it('answers a refused order with the one failure shape: code, message and the ids it is about', () => {
    const h = history();
    const rejected: PortfolioEvent = { type: 'OrderRejected', portfolioId: 'P1', clientOrderId: 'c9', code: 'MAX_ORDER_QTY', reason: 'qty 9 > 5' };
    expect(h.outcomeOf([rejected], 'P1')).toEqual({ ok: false, kind: 'reject', code: 'MAX_ORDER_QTY', message: 'qty 9 > 5', clientOrderId: 'c9' });
    // An actor that threw answers with its own reject (ACTOR_FAILED), not a bare INTERNAL_ERROR.
    const failed: PortfolioEvent = { type: 'ActorFailed', portfolioId: 'P1', error: 'boom' };
    expect(h.outcomeOf([failed, { ...rejected, code: 'ACTOR_FAILED' }], 'P1')).toMatchObject({ code: 'ACTOR_FAILED' });
    expect(h.outcomeOf([failed], 'P1', 'c1')).toMatchObject({ ok: false, code: 'INTERNAL_ERROR', clientOrderId: 'c1' });
    expect(h.outcomeOf('unknown', 'NOPE')).toMatchObject({ ok: false, code: 'UNKNOWN_PORTFOLIO', message: 'no portfolio NOPE' });
    expect(h.outcomeOf('busy', 'P1')).toMatchObject({ ok: false, code: 'MAILBOX_FULL' });
  });

  it('answers a copy of a resting order with that order as it rests, and of a closed one from the history', async () => {
    const h = history();
    const rest = orderOf(resting());
    expect(await h.answerResent({ type: 'OrderResent', accepted: rest, open: rest })).toEqual({ ok: true, kind: 'ack', order: rest, fills: [] });
    const events = filled();
    h.record(events);
    const done = orderOf(events);
    expect(await h.answerResent({ type: 'OrderResent', accepted: done })).toMatchObject({ ok: true, order: { status: 'filled' }, fills: [{ orderId: done.orderId }] });
  });

  it('answers a copy of an order the history no longer holds from the archive, or names the order when it cannot', async () => {
    const done = orderOf(filled());
    const fill = { orderId: done.orderId } as Fill;
    const archived = history({ findOrder: async () => ({ order: done, fills: [fill] }) });
    expect(await archived.answerResent({ type: 'OrderResent', accepted: done })).toEqual({ ok: true, kind: 'ack', order: done, fills: [fill] });
    expect(await history().answerResent({ type: 'OrderResent', accepted: done })).toMatchObject({
      ok: false, code: 'DUPLICATE_CLIENT_ORDER_ID', orderId: done.orderId, message: expect.stringMatching(/has no archive/),
    });
    const broken = history({ findOrder: async () => { throw new Error('database away'); } });
    expect(await broken.answerResent({ type: 'OrderResent', accepted: done })).toMatchObject({ code: 'DUPLICATE_CLIENT_ORDER_ID', message: expect.stringMatching(/failed \(logged\)/) });
    expect(warnings).toEqual(['reading an order for a resent copy failed']);
  });

  it('starts from the orders and fills of before a restart', () => {
    const events = filled();
    const order = orderOf(events);
    const fill = (events.find((e) => e.type === 'OrderFilled') as { fill: Fill }).fill;
    const h = new OrderHistory(100, undefined, () => {}, { orders: [order], fills: [fill] });
    expect(h.trades.listOrders('P1')).toEqual([order]);
    expect(h.trades.listFills()).toEqual([fill]);
  });
});
