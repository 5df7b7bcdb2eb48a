/**
 * Pre-trade limits end to end: a trader's order over a real websocket (real uWS gateway, real
 * engine, real risk pool) is refused with the limit's reason code and detail exactly as the
 * engine produced them, and an order exactly at the limit's boundary is accepted. Limits and
 * trading state are set the way operators set them: POST /risk/limits as a risk manager, or in
 * createPortfolio's `limits`. Needs the compiled worker: `npm run build` first.
 *
 * Each test has its own portfolio, so one test's fills and rate-limit slots cannot leak into
 * another. Prices are fixed for the whole file (AAA 100, BBB 50) and CCC is never ticked before
 * the NO_MARKET test, which ticks it itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTOR_REASON_CODES } from '../../src/engine/actors/reason-codes.js';
import { REASON_CODES, fmt } from '../../src/engine/limits/reason-codes.js';
import { Client, type Msg, type Stack, httpJson, startStack } from './harness.js';

const PORTFOLIOS = ['QTY', 'NOTIONAL', 'POS', 'COLLAR', 'DELTA', 'LEV', 'RATE', 'HALT', 'REDUCE', 'NOMKT', 'VAR'] as const;
const KNOWN_CODES = new Set<string>([...REASON_CODES, ...ACTOR_REASON_CODES]);

let stack: Stack;
let feed: Client;
let trader: Client;
let rmToken: string;
let cid = 0;

async function tick(symbol: string, price: number): Promise<void> {
  expect(await feed.request({ type: 'tick', symbol, price, ts: stack.nextTickTs() })).toMatchObject({ type: 'ack' });
}

/** A market order unless a limitPrice is given; resolves with the gateway's reply (ack or reject). */
function order(portfolioId: string, side: 'buy' | 'sell', qty: number, instrument = 'AAA', limitPrice?: number): Promise<Msg> {
  const clientOrderId = `c${++cid}`;
  return trader.request({
    type: 'order', portfolioId, clientOrderId, instrument, side, qty,
    ...(limitPrice === undefined ? { orderType: 'market' } : { orderType: 'limit', limitPrice }),
  });
}

/** Asserts a reject carries the code as the engine names it, for this client order. */
function expectReject(r: Msg, code: string, detail: RegExp): void {
  expect(KNOWN_CODES.has(code)).toBe(true);
  expect(r).toMatchObject({ type: 'reject', code, clientOrderId: expect.stringMatching(/^c\d+$/) });
  expect(r.reason).toMatch(detail);
}

async function setLimits(body: Record<string, unknown>): Promise<void> {
  const r = await httpJson(stack, 'POST', '/risk/limits', { token: rmToken, body });
  expect(r.status).toBe(200);
}

const heldQty = (portfolioId: string, symbol = 'AAA'): number =>
  stack.engine.getPortfolio(portfolioId)?.holdings.find((h) => h.instrument.symbol === symbol)?.qty ?? 0;

beforeAll(async () => {
  stack = await startStack();
  const e = stack.engine;
  for (const id of PORTFOLIOS) {
    const cash = id === 'LEV' ? 10_000 : 1_000_000;
    const positions = id === 'POS' || id === 'REDUCE' || id === 'HALT' || id === 'VAR' ? [{ instrument: 'AAA', qty: 100, avgPrice: 100 }] : [];
    // The rate limit is set at creation, the other limits later through REST.
    const limits = id === 'RATE' ? { submitRateLimit: 3, submitRateIntervalMs: 1000 } : undefined;
    expect((await e.createPortfolio({ portfolioId: id, cash, positions, ...(limits ? { limits } : {}) }, 'test')).ok).toBe(true);
  }
  feed = await Client.login(stack.url, await stack.token('feed-1', ['feed'], []));
  trader = await Client.login(stack.url, await stack.token('tom', ['trader'], [...PORTFOLIOS]));
  rmToken = await stack.token('rita', ['risk_manager'], ['*']);
  await tick('AAA', 100);
  await tick('BBB', 50);
});

afterAll(async () => {
  await trader?.close();
  await feed?.close();
  await stack?.close();
});

describe('pre-trade limits over the websocket', () => {
  it('rejects an order above maxOrderQty with MAX_ORDER_QTY and accepts one of exactly maxOrderQty', async () => {
    await setLimits({ portfolioId: 'QTY', limits: { maxOrderQty: 100 } });
    expectReject(await order('QTY', 'buy', 101), 'MAX_ORDER_QTY', /^qty 101 > limit 100$/);
    expect(heldQty('QTY')).toBe(0);
    expect(await order('QTY', 'buy', 100)).toMatchObject({ type: 'ack', status: 'filled', filledQty: 100 });
    expect(heldQty('QTY')).toBe(100);
  });

  it('rejects an order whose notional exceeds maxOrderNotional with MAX_ORDER_NOTIONAL and accepts one of exactly the limit', async () => {
    await setLimits({ portfolioId: 'NOTIONAL', maxOrderNotional: 10_000 });
    // A market order's notional is qty × last price: 101 × 100 and 100 × 100.
    expectReject(await order('NOTIONAL', 'buy', 101), 'MAX_ORDER_NOTIONAL', /^notional 10100 > limit 10000$/);
    // A limit order's notional uses its limit price: 200 × 50 at BBB's last price crosses and fills.
    expectReject(await order('NOTIONAL', 'buy', 201, 'BBB', 50), 'MAX_ORDER_NOTIONAL', /^notional 10050 > limit 10000$/);
    expect(await order('NOTIONAL', 'buy', 100)).toMatchObject({ type: 'ack', status: 'filled' });
    expect(await order('NOTIONAL', 'buy', 200, 'BBB', 50)).toMatchObject({ type: 'ack', status: 'filled' });
  });

  it('rejects an order that would take the position beyond maxPositionQty with POSITION_LIMIT and accepts one that reaches it exactly', async () => {
    await setLimits({ portfolioId: 'POS', limits: { maxPositionQty: 150 } });
    expectReject(await order('POS', 'buy', 51), 'POSITION_LIMIT', /^position 151 after fill, \|151\| > limit 150$/);
    // A sell that flips +100 to a short of -151 is refused too.
    expectReject(await order('POS', 'sell', 251), 'POSITION_LIMIT', /^position -151 after fill/);
    expect(heldQty('POS')).toBe(100);
    expect(await order('POS', 'buy', 50)).toMatchObject({ type: 'ack', status: 'filled' });
    expect(heldQty('POS')).toBe(150);
  });

  it('rejects a limit price outside the collar around the last price with PRICE_COLLAR and accepts one on the collar edge', async () => {
    await setLimits({ portfolioId: 'COLLAR', limits: { priceCollarFraction: 0.1 } });
    // Last AAA is 100: the collar is [90, 110].
    expectReject(await order('COLLAR', 'buy', 1, 'AAA', 89.99), 'PRICE_COLLAR', /^limit price 89\.99 outside ±10% of reference 100 \[90, 110\]$/);
    expectReject(await order('COLLAR', 'sell', 1, 'AAA', 110.5), 'PRICE_COLLAR', /^limit price 110\.5 outside/);
    // On the edge it is accepted and rests below the market.
    expect(await order('COLLAR', 'buy', 1, 'AAA', 90)).toMatchObject({ type: 'ack', status: 'open' });
    expect(stack.engine.getPortfolio('COLLAR')?.openOrders.map((o) => o.limitPrice)).toEqual([90]);
  });

  it('rejects an order that would take |dollar delta| beyond maxAbsDollarDelta with GREEK_LIMIT_DELTA and accepts one that reaches it exactly', async () => {
    await setLimits({ portfolioId: 'DELTA', limits: { maxAbsDollarDelta: 10_000 } });
    // One share of AAA at 100 is 100 of dollar delta.
    expectReject(await order('DELTA', 'buy', 101), 'GREEK_LIMIT_DELTA', /^dollar delta 10100 after fill \(was 0\), \|10100\| > limit 10000$/);
    expect(await order('DELTA', 'buy', 100)).toMatchObject({ type: 'ack', status: 'filled' });
    expectReject(await order('DELTA', 'buy', 1), 'GREEK_LIMIT_DELTA', /after fill \(was 10000\)/);
    // Reducing is allowed even from the limit.
    expect(await order('DELTA', 'sell', 1)).toMatchObject({ type: 'ack', status: 'filled' });
    expect(heldQty('DELTA')).toBe(99);
  });

  it('rejects an order that would take leverage beyond maxLeverage with LEVERAGE_LIMIT and accepts one that reaches it exactly', async () => {
    await setLimits({ portfolioId: 'LEV', limits: { maxLeverage: 1 } });
    // Cash 10,000: buying 100 AAA at 100 gives exposure 10,000 on equity 10,000, leverage 1.
    expectReject(await order('LEV', 'buy', 101), 'LEVERAGE_LIMIT', /^leverage 1\.01 after fill \(exposure 10100 \/ equity 10000\) > limit 1$/);
    expect(heldQty('LEV')).toBe(0);
    expect(await order('LEV', 'buy', 100)).toMatchObject({ type: 'ack', status: 'filled' });
    expect(stack.engine.getPortfolio('LEV')?.cash).toBe(0);
    expectReject(await order('LEV', 'buy', 1), 'LEVERAGE_LIMIT', /^leverage 1\.01 after fill/);
  });

  it('rejects the submit beyond submitRateLimit per interval with RATE_LIMIT_SUBMIT and accepts a submit once the window has passed', async () => {
    // submitRateLimit 3 per 1000 ms was set in createPortfolio. Four submits in one burst: the
    // first three take the window's slots, the fourth is refused.
    const start = performance.now();
    const replies = await Promise.all([1, 2, 3, 4].map(() => order('RATE', 'buy', 1)));
    expect(performance.now() - start).toBeLessThan(1000); // all four inside one window
    expect(replies.slice(0, 3).map((r) => r.type)).toEqual(['ack', 'ack', 'ack']);
    expectReject(replies[3]!, 'RATE_LIMIT_SUBMIT', /^submit rate 3 in 1000 ms >= limit 3$/);
    expect(heldQty('RATE')).toBe(3);
    // A refused submit takes no slot, so once the three accepted ones leave the window the next passes.
    await new Promise((r) => setTimeout(r, 1100));
    expect(await order('RATE', 'buy', 1)).toMatchObject({ type: 'ack', status: 'filled' });
    expect(heldQty('RATE')).toBe(4);
  });

  it('rejects a new order with TRADING_HALTED while halted, yet accepts the cancel of a resting order', async () => {
    const resting = await order('HALT', 'buy', 1, 'AAA', 95);
    expect(resting).toMatchObject({ type: 'ack', status: 'open' });
    await setLimits({ portfolioId: 'HALT', tradingState: 'halted' });
    expect(stack.engine.getPortfolio('HALT')?.tradingState).toBe('halted');
    expectReject(await order('HALT', 'buy', 1), 'TRADING_HALTED', /^trading is halted: submit refused, only cancels are accepted$/);
    // Even an order that would reduce the position is refused while halted.
    expectReject(await order('HALT', 'sell', 10), 'TRADING_HALTED', /halted/);
    expect(await trader.request({ type: 'cancel', portfolioId: 'HALT', orderId: resting.orderId })).toMatchObject({
      type: 'ack', orderId: resting.orderId, status: 'cancelled',
    });
    expect(stack.engine.getPortfolio('HALT')?.openOrders).toEqual([]);
    expect(heldQty('HALT')).toBe(100);
  });

  it('accepts only orders that reduce the position with TRADING_REDUCING for the rest, down to flat exactly', async () => {
    await setLimits({ portfolioId: 'REDUCE', tradingState: 'reducing' });
    expect(await order('REDUCE', 'sell', 40)).toMatchObject({ type: 'ack', status: 'filled' });
    expect(heldQty('REDUCE')).toBe(60);
    expectReject(await order('REDUCE', 'buy', 1), 'TRADING_REDUCING', /^trading is reduce-only: order \+1 would take position 60 to 61$/);
    // A sell beyond the holding would flip it short: that increases risk too.
    expectReject(await order('REDUCE', 'sell', 61), 'TRADING_REDUCING', /order -61 would take position 60 to -1/);
    // A new instrument is an increase from zero.
    expectReject(await order('REDUCE', 'buy', 1, 'BBB'), 'TRADING_REDUCING', /position 0 to 1/);
    // The boundary: selling exactly what is held leaves the portfolio flat.
    expect(await order('REDUCE', 'sell', 60)).toMatchObject({ type: 'ack', status: 'filled' });
    expect(heldQty('REDUCE')).toBe(0);
  });

  it('rejects an order that would take VaR beyond maxVar with VAR_LIMIT and accepts one that keeps it under, VaR as the risk stream shows it', async () => {
    const rm = await Client.login(stack.url, rmToken);
    expect(await rm.request({ type: 'subscribe', channel: 'risk', portfolioId: 'VAR' })).toMatchObject({ type: 'subscribed' });
    // 100 AAA and nothing else: VaR is linear in the position, so n shares have n/100 of this figure.
    const first = await rm.next((m) => m.type === 'risk' && m.portfolioId === 'VAR' && m.var.value > 0);
    expect(first.byUnderlying.AAA.spot).toBe(100);
    const var100: number = first.var.value;
    await setLimits({ portfolioId: 'VAR', limits: { maxVar: 2.5 * var100 } });

    const refused = await order('VAR', 'buy', 200);
    expectReject(refused, 'VAR_LIMIT', /^VaR \S+ after fill \(was \S+\) > limit \S+$/);
    const [, after, was, limit] = /^VaR (\S+) after fill \(was (\S+)\) > limit (\S+)$/.exec(refused.reason) as RegExpExecArray;
    // The figure before the fill is the stream's own, to the digit; the one after is 300 shares' worth.
    expect(was).toBe(fmt(var100));
    expect(limit).toBe(fmt(2.5 * var100));
    expect(Number(after) / var100).toBeCloseTo(3, 4);
    expect(heldQty('VAR')).toBe(100);

    expect(await order('VAR', 'buy', 100)).toMatchObject({ type: 'ack', status: 'filled' });
    expect(heldQty('VAR')).toBe(200);
    const now = await rm.next((m) => m.type === 'risk' && m.portfolioId === 'VAR' && m.seq > first.seq && m.var.value > 1.5 * var100);
    expect(now.var.value / var100).toBeCloseTo(2, 9);
    expect(now.breaches).toEqual([]);
    await rm.close();
  });

  it('rejects an order on an underlying with no tick yet with NO_MARKET and accepts it once a price has arrived', async () => {
    expectReject(await order('NOMKT', 'buy', 1, 'CCC'), 'NO_MARKET', /^no last price for CCC yet$/);
    expect(stack.engine.getPortfolio('NOMKT')?.holdings).toEqual([]);
    await tick('CCC', 25);
    expect(await order('NOMKT', 'buy', 1, 'CCC')).toMatchObject({ type: 'ack', status: 'filled' });
    expect(heldQty('NOMKT', 'CCC')).toBe(1);
  });
});
