import { describe, expect, it } from 'vitest';
import { handlePortfolioMessage as handle } from '../../../src/engine/actors/portfolio-actor.js';
import type { PortfolioState } from '../../../src/engine/actors/types.js';
import { CALL, ctx, only, portfolio, req, submit, tick, types } from './fixtures.js';

const M = ctx({ XYZ: 100 });

describe('market orders', () => {
  it('fills a market buy of an underlying at once at its last price', () => {
    const r = handle(portfolio(), submit(req('XYZ', 'buy', 10)), M);
    expect(types(r.events)).toEqual(['OrderAccepted', 'OrderFilled', 'PositionChanged']);
    const { fill, order } = only(r.events, 'OrderFilled');
    expect(fill).toMatchObject({ fillId: 'P1-f1', orderId: 'P1-o1', instrument: 'XYZ', side: 'buy', qty: 10, price: 100, ts: M.nowMs });
    expect(order).toMatchObject({ status: 'filled', filledQty: 10 });
    expect(r.state.openOrders.size).toBe(0);
    expect(r.state.cash).toBe(1_000_000 - 1000);
    expect(r.state.holdings.get('XYZ')).toMatchObject({ qty: 10, avgPrice: 100, multiplier: 1, realisedPnl: 0 });
    expect(r.state.nextOrderSeq).toBe(2);
    expect(r.state.nextFillSeq).toBe(2);
  });

  it('fills a market option order at the model price with the market vol and opens a 100-multiplier holding', () => {
    const m = ctx({ XYZ: 100 }, { vols: { [CALL]: 0.3 } });
    const r = handle(portfolio(), submit(req(CALL, 'buy', 2)), m);
    const { fill } = only(r.events, 'OrderFilled');
    // BSM call S=100 K=100 t=169/365 r=4% vol 30%
    expect(fill.price).toBeGreaterThan(9);
    expect(fill.price).toBeLessThan(10.5);
    expect(r.state.holdings.get(CALL)).toMatchObject({ qty: 2, multiplier: 100, vol: 0.3, dividendYield: 0, style: 'european', avgPrice: fill.price });
    expect(r.state.cash).toBeCloseTo(1_000_000 - 2 * 100 * fill.price, 6);
  });

  it('keys an option given in compact OCC form under its canonical symbol', () => {
    const m = ctx({ XYZ: 100 }, { vols: { [CALL]: 0.3 } });
    const r = handle(portfolio(), submit(req('XYZ250620C00100000', 'buy', 1)), m);
    expect(only(r.events, 'OrderFilled').fill.instrument).toBe(CALL);
    expect([...r.state.holdings.keys()]).toEqual([CALL]);
  });

  it('rejects any order with NO_MARKET while its underlying has no last price, taking no rate slot', () => {
    const r = handle(portfolio(), submit(req('ABC', 'buy', 1)), M);
    expect(only(r.events, 'OrderRejected')).toMatchObject({ code: 'NO_MARKET', clientOrderId: expect.any(String) });
    expect(r.state.rateLimits.submit).toHaveLength(0);
    expect(r.state.nextOrderSeq).toBe(1);
  });

  it('rejects a new option with NO_VOL when neither a holding nor the market gives a vol', () => {
    const r = handle(portfolio(), submit(req(CALL, 'buy', 1, { orderType: 'limit', limitPrice: 5 })), M);
    expect(only(r.events, 'OrderRejected').code).toBe('NO_VOL');
  });

  it('prices an option held with a vol even when the market gives none', () => {
    const m = ctx({ XYZ: 100 }, { vols: { [CALL]: 0.3 } });
    const held = handle(portfolio(), submit(req(CALL, 'buy', 1)), m).state;
    const r = handle(held, submit(req(CALL, 'sell', 1)), M);
    expect(types(r.events)).toEqual(['OrderAccepted', 'OrderFilled', 'PositionChanged']);
  });

  it('rejects an unparseable instrument with INVALID_ORDER', () => {
    const r = handle(portfolio(), submit(req('not a symbol', 'buy', 1)), M);
    expect(only(r.events, 'OrderRejected').code).toBe('INVALID_ORDER');
  });
});

describe('limit orders', () => {
  it('rests a buy limit below the market and fills it at the tick price when the market falls through', () => {
    const a = handle(portfolio(), submit(req('XYZ', 'buy', 10, { orderType: 'limit', limitPrice: 95 })), M);
    expect(types(a.events)).toEqual(['OrderAccepted']);
    expect(a.state.openOrders.get('P1-o1')).toMatchObject({ status: 'open' });
    const b = handle(a.state, tick('XYZ', 96), ctx({ XYZ: 96 }));
    expect(b.events).toEqual([]);
    expect(b.state).toBe(a.state);
    const c = handle(b.state, tick('XYZ', 94), ctx({ XYZ: 94 }));
    expect(only(c.events, 'OrderFilled').fill.price).toBe(94);
    expect(c.state.openOrders.size).toBe(0);
    expect(c.state.holdings.get('XYZ')?.qty).toBe(10);
  });

  it('fills a sell limit when the market rises to it', () => {
    const a = handle(portfolio(), submit(req('XYZ', 'sell', 5, { orderType: 'limit', limitPrice: 105 })), M);
    const b = handle(a.state, tick('XYZ', 105), ctx({ XYZ: 105 }));
    expect(only(b.events, 'OrderFilled').fill).toMatchObject({ price: 105, side: 'sell' });
    expect(b.state.holdings.get('XYZ')?.qty).toBe(-5);
  });

  it('fills a limit that already crosses at submit at the last price, better than the limit', () => {
    const r = handle(portfolio(), submit(req('XYZ', 'buy', 1, { orderType: 'limit', limitPrice: 101 })), M);
    expect(only(r.events, 'OrderFilled').fill.price).toBe(100);
  });

  it('uses the tick price rather than the market view when they disagree', () => {
    const a = handle(portfolio(), submit(req('XYZ', 'buy', 1, { orderType: 'limit', limitPrice: 95 })), M);
    const b = handle(a.state, tick('XYZ', 90), M);
    expect(only(b.events, 'OrderFilled').fill.price).toBe(90);
  });

  it('fills a resting option limit when a tick of its underlying moves the model price through it', () => {
    const m = (s: number) => ctx({ XYZ: s }, { vols: { [CALL]: 0.3 } });
    const a = handle(portfolio(), submit(req(CALL, 'buy', 1, { orderType: 'limit', limitPrice: 5 })), m(100));
    expect(types(a.events)).toEqual(['OrderAccepted']);
    expect(handle(a.state, tick('ABC', 1), m(100)).events).toEqual([]);
    const b = handle(a.state, tick('XYZ', 90), m(90));
    const { fill } = only(b.events, 'OrderFilled');
    expect(fill.price).toBeLessThanOrEqual(5);
    expect(fill.instrument).toBe(CALL);
  });
});

describe('stop-loss orders', () => {
  const stopSell = (state: PortfolioState, stopPrice: number, extra = {}) =>
    handle(state, submit(req('XYZ', 'sell', 10, { orderType: 'stop', stopPrice, ...extra })), M);

  it('triggers a sell stop when the price falls to the stop and fills at that tick price', () => {
    const long = handle(portfolio(), submit(req('XYZ', 'buy', 10)), M).state;
    const a = stopSell(long, 95);
    expect(types(a.events)).toEqual(['OrderAccepted']);
    expect(handle(a.state, tick('XYZ', 96), ctx({ XYZ: 96 })).events).toEqual([]);
    const b = handle(a.state, tick('XYZ', 93), ctx({ XYZ: 93 }));
    const { fill, order } = only(b.events, 'OrderFilled');
    expect(fill.price).toBe(93);
    expect(order.triggeredMs).toBe(M.nowMs);
    expect(b.state.holdings.has('XYZ')).toBe(false);
  });

  it('triggers a buy stop when the price rises to the stop', () => {
    const a = handle(portfolio(), submit(req('XYZ', 'buy', 3, { orderType: 'stop', stopPrice: 105 })), M);
    expect(handle(a.state, tick('XYZ', 104.99), M).events).toEqual([]);
    const b = handle(a.state, tick('XYZ', 106), M);
    expect(only(b.events, 'OrderFilled').fill.price).toBe(106);
  });

  it('rests a triggered stop-limit whose limit the market gaps through, then fills it by the limit rule', () => {
    const long = handle(portfolio(), submit(req('XYZ', 'buy', 10)), M).state;
    const a = stopSell(long, 95, { limitPrice: 94 });
    const b = handle(a.state, tick('XYZ', 90), M);
    expect(types(b.events)).toEqual(['OrderTriggered']);
    expect(b.state.openOrders.get('P1-o2')?.triggeredMs).toBe(M.nowMs);
    // Back above the stop: the trigger has fired for good, only the limit matters now.
    const c = handle(b.state, tick('XYZ', 96), M);
    expect(only(c.events, 'OrderFilled').fill.price).toBe(96);
  });

  it('fills a stop-limit on its trigger tick when that price is within the limit', () => {
    const long = handle(portfolio(), submit(req('XYZ', 'buy', 10)), M).state;
    const a = stopSell(long, 95, { limitPrice: 94 });
    const b = handle(a.state, tick('XYZ', 94.5), M);
    expect(types(b.events)).toEqual(['OrderFilled', 'PositionChanged']);
    expect(only(b.events, 'OrderFilled').fill.price).toBe(94.5);
  });

  it('fires at once when the stop is already through the market at submit', () => {
    const long = handle(portfolio(), submit(req('XYZ', 'buy', 10)), M).state;
    const a = stopSell(long, 101);
    expect(only(a.events, 'OrderFilled').fill.price).toBe(100);
  });
});

describe('take-profit orders', () => {
  it('triggers a sell take-profit when the price rises to the trigger', () => {
    const long = handle(portfolio(), submit(req('XYZ', 'buy', 10)), M).state;
    const a = handle(long, submit(req('XYZ', 'sell', 10, { orderType: 'take_profit', stopPrice: 110 })), M);
    expect(types(a.events)).toEqual(['OrderAccepted']);
    expect(handle(a.state, tick('XYZ', 90), M).events).toEqual([]);
    const b = handle(a.state, tick('XYZ', 111), M);
    expect(only(b.events, 'OrderFilled').fill.price).toBe(111);
    expect(realised(b.state)).toBe((111 - 100) * 10);
  });

  it('triggers a buy take-profit (covering a short) when the price falls to the trigger', () => {
    const short = handle(portfolio(), submit(req('XYZ', 'sell', 10)), M).state;
    const a = handle(short, submit(req('XYZ', 'buy', 10, { orderType: 'take_profit', stopPrice: 90 })), M);
    expect(handle(a.state, tick('XYZ', 91), M).events).toEqual([]);
    const b = handle(a.state, tick('XYZ', 89), M);
    expect(only(b.events, 'OrderFilled').fill.price).toBe(89);
    expect(realised(b.state)).toBe((100 - 89) * 10);
  });
});

const realised = (s: PortfolioState) => (s.closedRealisedPnl ?? 0) + [...s.holdings.values()].reduce((a, h) => a + h.realisedPnl, 0);

describe('cancel and replace', () => {
  const resting = () => handle(portfolio(), submit(req('XYZ', 'buy', 10, { orderType: 'limit', limitPrice: 95 })), M).state;

  it('cancels an open order, which then never fills', () => {
    const a = handle(resting(), { kind: 'CancelOrder', orderId: 'P1-o1' }, M);
    expect(only(a.events, 'OrderCancelled').order).toMatchObject({ orderId: 'P1-o1', status: 'cancelled' });
    expect(a.state.openOrders.size).toBe(0);
    expect(handle(a.state, tick('XYZ', 80), M).events).toEqual([]);
  });

  it('rejects a cancel of an unknown or already cancelled order with UNKNOWN_ORDER', () => {
    const a = handle(resting(), { kind: 'CancelOrder', orderId: 'P1-o1' }, M);
    const b = handle(a.state, { kind: 'CancelOrder', orderId: 'P1-o1' }, M);
    expect(only(b.events, 'OrderRejected')).toMatchObject({ code: 'UNKNOWN_ORDER', orderId: 'P1-o1' });
    expect(b.state).toBe(a.state);
    expect(only(handle(a.state, { kind: 'ReplaceOrder', orderId: 'P1-o9', qty: 1 }, M).events, 'OrderRejected').code).toBe('UNKNOWN_ORDER');
  });

  it('rejects a cancel of a filled order with UNKNOWN_ORDER', () => {
    const a = handle(portfolio(), submit(req('XYZ', 'buy', 1)), M);
    expect(only(handle(a.state, { kind: 'CancelOrder', orderId: 'P1-o1' }, M).events, 'OrderRejected').code).toBe('UNKNOWN_ORDER');
  });

  it('replaces qty and limit price under the same order id and keeps it resting', () => {
    const a = handle(resting(), { kind: 'ReplaceOrder', orderId: 'P1-o1', qty: 4, limitPrice: 97 }, M);
    expect(only(a.events, 'OrderReplaced').order).toMatchObject({ orderId: 'P1-o1', qty: 4, limitPrice: 97, status: 'open' });
    expect(a.state.rateLimits.modify).toHaveLength(1);
    const b = handle(a.state, tick('XYZ', 96.5), M);
    expect(only(b.events, 'OrderFilled').fill).toMatchObject({ qty: 4, price: 96.5 });
  });

  it('fills a replacement whose new limit crosses the market at once', () => {
    const a = handle(resting(), { kind: 'ReplaceOrder', orderId: 'P1-o1', limitPrice: 100 }, M);
    expect(types(a.events)).toEqual(['OrderReplaced', 'OrderFilled', 'PositionChanged']);
  });

  it('keeps the original order when a replacement is refused', () => {
    const s = resting();
    const a = handle(s, { kind: 'ReplaceOrder', orderId: 'P1-o1', qty: -1 }, M);
    expect(only(a.events, 'OrderRejected')).toMatchObject({ code: 'INVALID_ORDER', orderId: 'P1-o1' });
    expect(a.state.openOrders.get('P1-o1')).toBe(s.openOrders.get('P1-o1'));
  });
});

describe('trading state and resting orders', () => {
  it('does not fill resting orders while halted, and fills them after trading resumes', () => {
    const a = handle(portfolio(), submit(req('XYZ', 'buy', 10, { orderType: 'limit', limitPrice: 95 })), M);
    const halted = handle(a.state, { kind: 'SetTradingState', state: 'halted' }, M);
    expect(only(halted.events, 'TradingStateChanged')).toMatchObject({ state: 'halted', previous: 'active' });
    expect(handle(halted.state, tick('XYZ', 90), M).events).toEqual([]);
    const active = handle(halted.state, { kind: 'SetTradingState', state: 'active' }, M).state;
    expect(types(handle(active, tick('XYZ', 90), M).events)).toContain('OrderFilled');
  });

  it('fills only reducing resting orders while reduce-only', () => {
    let s = handle(portfolio(), submit(req('XYZ', 'buy', 10)), M).state;
    s = handle(s, submit(req('XYZ', 'buy', 5, { orderType: 'limit', limitPrice: 95 })), M).state;
    s = handle(s, submit(req('XYZ', 'sell', 5, { orderType: 'stop', stopPrice: 95 })), M).state;
    s = handle(s, { kind: 'SetTradingState', state: 'reducing' }, M).state;
    const r = handle(s, tick('XYZ', 94), M);
    expect(r.events.filter((e) => e.type === 'OrderFilled').map((e) => (e.type === 'OrderFilled' ? e.order.orderId : ''))).toEqual(['P1-o3']);
    expect(r.state.openOrders.has('P1-o2')).toBe(true);
  });
});
