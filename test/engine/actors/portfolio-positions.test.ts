import { describe, expect, it } from 'vitest';
import { createPortfolioState, handlePortfolioMessage as handle, realisedPnlOf } from '../../../src/engine/actors/portfolio-actor.js';
import type { PortfolioState } from '../../../src/engine/actors/types.js';
import { CALL, ctx, only, portfolio, req, submit } from './fixtures.js';

/** Market orders on XYZ at the given prices: [side, qty, price]. */
function trade(steps: [('buy' | 'sell'), number, number][], start: PortfolioState = portfolio()): PortfolioState {
  let s = start;
  for (const [side, qty, price] of steps) s = handle(s, submit(req('XYZ', side, qty)), ctx({ XYZ: price })).state;
  return s;
}

describe('positions and cash after fills', () => {
  it('averages the open price on increases and moves cash by qty × price', () => {
    const s = trade([['buy', 10, 100], ['buy', 30, 104]]);
    expect(s.holdings.get('XYZ')).toMatchObject({ qty: 40, avgPrice: 103, realisedPnl: 0 });
    expect(s.cash).toBe(1_000_000 - 1000 - 3120);
  });

  it('keeps the average and realises P&L on a reduction', () => {
    const s = trade([['buy', 10, 100], ['buy', 30, 104], ['sell', 15, 110]]);
    expect(s.holdings.get('XYZ')).toMatchObject({ qty: 25, avgPrice: 103, realisedPnl: (110 - 103) * 15 });
    expect(s.cash).toBe(1_000_000 - 4120 + 1650);
  });

  it('realises P&L of a short on the short side: covering lower is a gain', () => {
    const s = trade([['sell', 20, 50], ['buy', 5, 45]]);
    expect(s.holdings.get('XYZ')).toMatchObject({ qty: -15, avgPrice: 50, realisedPnl: 25 });
    expect(s.cash).toBe(1_000_000 + 1000 - 225);
  });

  it('flips long to short: closes at the fill price, then opens the rest at it', () => {
    const s = trade([['buy', 10, 100], ['sell', 25, 90]]);
    expect(s.holdings.get('XYZ')).toMatchObject({ qty: -15, avgPrice: 90, realisedPnl: -100 });
    expect(s.cash).toBe(1_000_000 - 1000 + 2250);
  });

  it('flips short to long and averages further buys from the flip price', () => {
    const s = trade([['sell', 10, 100], ['buy', 12, 80], ['buy', 2, 86]]);
    expect(s.holdings.get('XYZ')).toMatchObject({ qty: 4, avgPrice: 83, realisedPnl: 200 });
  });

  it('removes a closed position, reports it with qty 0 and keeps its realised P&L', () => {
    const long = trade([['buy', 10, 100]]);
    const r = handle(long, submit(req('XYZ', 'sell', 10)), ctx({ XYZ: 107 }));
    const changed = only(r.events, 'PositionChanged');
    expect(changed.holding).toMatchObject({ qty: 0, realisedPnl: 70 });
    expect(changed.cash).toBe(1_000_070);
    expect(r.state.holdings.has('XYZ')).toBe(false);
    expect(realisedPnlOf(r.state)).toBe(70);
    // reopening starts a fresh average
    const again = handle(r.state, submit(req('XYZ', 'buy', 1)), ctx({ XYZ: 50 })).state;
    expect(again.holdings.get('XYZ')).toMatchObject({ qty: 1, avgPrice: 50, realisedPnl: 0 });
    expect(realisedPnlOf(again)).toBe(70);
  });

  it('applies the option multiplier to cash and realised P&L', () => {
    const m = (s: number) => ctx({ XYZ: s }, { vols: { [CALL]: 0.3 } });
    const a = handle(portfolio(), submit(req(CALL, 'buy', 3)), m(100));
    const p0 = only(a.events, 'OrderFilled').fill.price;
    const b = handle(a.state, submit(req(CALL, 'sell', 1)), m(110));
    const p1 = only(b.events, 'OrderFilled').fill.price;
    expect(p1).toBeGreaterThan(p0);
    expect(b.state.holdings.get(CALL)).toMatchObject({ qty: 2, avgPrice: p0 });
    expect(b.state.holdings.get(CALL)?.realisedPnl).toBeCloseTo((p1 - p0) * 100, 8);
    expect(b.state.cash).toBeCloseTo(1_000_000 - 300 * p0 + 100 * p1, 6);
  });

  it('numbers orders and fills from the state counters, and only accepted orders take an order id', () => {
    let s = portfolio();
    s = handle(s, submit(req('XYZ', 'buy', 1)), ctx({ XYZ: 100 })).state;
    s = handle(s, submit(req('NOPE', 'buy', 1)), ctx({ XYZ: 100 })).state; // NO_MARKET
    const r = handle(s, submit(req('XYZ', 'buy', 1)), ctx({ XYZ: 100 }));
    expect(only(r.events, 'OrderFilled').fill).toMatchObject({ orderId: 'P1-o2', fillId: 'P1-f2' });
  });

  it('continues the counters of a rebuilt portfolio and canonicalises held option symbols', () => {
    const s = createPortfolioState({
      portfolioId: 'P9',
      cash: 0,
      nextOrderSeq: 41,
      nextFillSeq: 7,
      holdings: [{
        instrument: { kind: 'option', symbol: 'XYZ250620C00100000', underlying: 'XYZ', expiry: '2025-06-20', type: 'call', strike: 100 },
        qty: 1, multiplier: 100, vol: 0.25, dividendYield: 0, style: 'european', avgPrice: 5, realisedPnl: 0,
      }],
    });
    expect([...s.holdings.keys()]).toEqual([CALL]);
    const r = handle(s, submit(req(CALL, 'sell', 1)), ctx({ XYZ: 100 }));
    expect(only(r.events, 'OrderFilled').fill).toMatchObject({ orderId: 'P9-o41', fillId: 'P9-f7', instrument: CALL });
  });

  it('leaves the input state untouched (transitions are pure)', () => {
    const s = trade([['buy', 10, 100]]);
    const snapshot = { cash: s.cash, holding: s.holdings.get('XYZ'), orders: s.openOrders.size };
    handle(s, submit(req('XYZ', 'sell', 25)), ctx({ XYZ: 90 }));
    handle(s, submit(req('XYZ', 'buy', 5, { orderType: 'limit', limitPrice: 80 })), ctx({ XYZ: 90 }));
    expect({ cash: s.cash, holding: s.holdings.get('XYZ'), orders: s.openOrders.size }).toEqual(snapshot);
  });
});

describe('pre-trade limits', () => {
  const M = ctx({ XYZ: 100 });
  const withLimits = (limits: Partial<PortfolioState['limits']>) => portfolio({ limits: { ...portfolio().limits, ...limits } });

  it.each([
    ['MAX_ORDER_QTY', { maxOrderQty: 5 }, req('XYZ', 'buy', 6)],
    ['MAX_ORDER_NOTIONAL', { maxOrderNotional: 500 }, req('XYZ', 'buy', 6)],
    ['POSITION_LIMIT', { maxPositionQty: 5 }, req('XYZ', 'buy', 6)],
    ['PRICE_COLLAR', { priceCollarFraction: 0.05 }, req('XYZ', 'buy', 1, { orderType: 'limit', limitPrice: 80 })],
    ['GREEK_LIMIT_DELTA', { maxAbsDollarDelta: 1000 }, req('XYZ', 'buy', 11)],
    ['LEVERAGE_LIMIT', { maxLeverage: 1 }, req('XYZ', 'buy', 10_001)],
  ] as const)('passes the %s reason code through as is', (code, limits, request) => {
    const r = handle(withLimits(limits), submit(request), M);
    const rej = only(r.events, 'OrderRejected');
    expect(rej.code).toBe(code);
    expect(rej.clientOrderId).toBe(request.clientOrderId);
    expect(rej.reason.length).toBeGreaterThan(0);
    expect(r.state.holdings.size).toBe(0);
  });

  it('refuses submits beyond the rate limit with RATE_LIMIT_SUBMIT and keeps the window in the state', () => {
    let s = withLimits({ submitRateLimit: 2, submitRateIntervalMs: 1000 });
    const at = (ms: number) => ({ ...M, nowMs: ms });
    const order = () => submit(req('XYZ', 'buy', 1, { orderType: 'limit', limitPrice: 95 }));
    s = handle(s, order(), at(0)).state;
    s = handle(s, order(), at(10)).state;
    const r = handle(s, order(), at(20));
    expect(only(r.events, 'OrderRejected').code).toBe('RATE_LIMIT_SUBMIT');
    expect(r.state.rateLimits.submit).toEqual([0, 10]);
    expect(only(handle(r.state, order(), at(1001)).events, 'OrderAccepted').order.orderId).toBe('P1-o3');
  });

  it('checks a replacement as a modify: RATE_LIMIT_MODIFY and per-order limits', () => {
    let s = withLimits({ modifyRateLimit: 1, maxOrderQty: 10 });
    s = handle(s, submit(req('XYZ', 'buy', 1, { orderType: 'limit', limitPrice: 95 })), M).state;
    expect(only(handle(s, { kind: 'ReplaceOrder', orderId: 'P1-o1', qty: 11 }, M).events, 'OrderRejected').code).toBe('MAX_ORDER_QTY');
    s = handle(s, { kind: 'ReplaceOrder', orderId: 'P1-o1', qty: 2 }, M).state;
    expect(only(handle(s, { kind: 'ReplaceOrder', orderId: 'P1-o1', qty: 3 }, M).events, 'OrderRejected').code).toBe('RATE_LIMIT_MODIFY');
  });

  it('refuses new orders while halted but accepts cancels', () => {
    let s = handle(portfolio(), submit(req('XYZ', 'buy', 1, { orderType: 'limit', limitPrice: 95 })), M).state;
    s = handle(s, { kind: 'SetTradingState', state: 'halted' }, M).state;
    expect(only(handle(s, submit(req('XYZ', 'buy', 1)), M).events, 'OrderRejected').code).toBe('TRADING_HALTED');
    expect(only(handle(s, { kind: 'CancelOrder', orderId: 'P1-o1' }, M).events, 'OrderCancelled').order.status).toBe('cancelled');
  });

  it('refuses an increase while reduce-only with TRADING_REDUCING', () => {
    const s = handle(portfolio({ tradingState: 'reducing' }), submit(req('XYZ', 'buy', 1)), M);
    expect(only(s.events, 'OrderRejected').code).toBe('TRADING_REDUCING');
  });

  it('applies new limits from SetLimits and reports them', () => {
    const limits = { ...portfolio().limits, maxOrderQty: 3 };
    const r = handle(portfolio(), { kind: 'SetLimits', limits }, M);
    expect(only(r.events, 'LimitsChanged')).toMatchObject({ portfolioId: 'P1', limits });
    expect(only(handle(r.state, submit(req('XYZ', 'buy', 4)), M).events, 'OrderRejected').code).toBe('MAX_ORDER_QTY');
  });

  it('uses the injected VaR estimator for a finite VaR limit', () => {
    const s = withLimits({ maxVar: 1000 });
    const m = { ...M, varEstimator: (positions: readonly { qty: number }[]) => positions.reduce((a, p) => a + Math.abs(p.qty) * 10, 0) };
    expect(only(handle(s, submit(req('XYZ', 'buy', 101)), m).events, 'OrderRejected').code).toBe('VAR_LIMIT');
    expect(handle(s, submit(req('XYZ', 'buy', 100)), m).events.map((e) => e.type)).toContain('OrderFilled');
  });
});

