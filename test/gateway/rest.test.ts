/** REST admin routes over the real uWS gateway, engine and pool (needs `npm run build` first). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, type Stack, httpJson, occ, startStack } from './harness.js';

let stack: Stack;
let admin: string, trader: string, rm: string, compliance: string, feedTok: string, other: string;

beforeAll(async () => {
  stack = await startStack({ maxBodyBytes: 64 * 1024 });
  [admin, trader, rm, compliance, feedTok, other] = await Promise.all([
    stack.token('ada', ['admin'], ['*']),
    stack.token('tom', ['trader'], ['R1']),
    stack.token('rita', ['risk_manager'], ['*']),
    stack.token('carl', ['compliance_officer'], ['R1']),
    stack.token('feed', ['feed'], []),
    stack.token('oscar', ['trader'], ['R2']),
  ]);
  const feed = await Client.login(stack.url, feedTok);
  await feed.request({ type: 'tick', symbol: 'AAA', price: 100, ts: stack.nextTickTs() });
  await feed.close();
});

afterAll(() => stack?.close());

describe('REST: portfolios', () => {
  it('creates a portfolio as admin (201) and refuses a duplicate (409), a trader (403), no token (401) and a bad body (400)', async () => {
    const body = { portfolioId: 'R1', cash: 1_000_000, positions: [{ instrument: occ('AAA', '2026-06-18', 'C', 100), qty: 5, vol: 0.2 }, { instrument: 'AAA', qty: 100 }] };
    expect(await httpJson(stack, 'POST', '/portfolios', { token: admin, body })).toEqual({ status: 201, body: { portfolioId: 'R1' } });
    expect(await httpJson(stack, 'POST', '/portfolios', { token: admin, body })).toMatchObject({ status: 409, body: { code: 'PORTFOLIO_EXISTS' } });
    expect(await httpJson(stack, 'POST', '/portfolios', { token: trader, body: { ...body, portfolioId: 'R9' } })).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
    expect(await httpJson(stack, 'POST', '/portfolios', { body })).toMatchObject({ status: 401, body: { code: 'UNAUTHENTICATED' } });
    expect(await httpJson(stack, 'POST', '/portfolios', { token: 'not.a.jwt', body })).toMatchObject({ status: 401 });
    expect(await httpJson(stack, 'POST', '/portfolios', { token: admin, body: { portfolioId: 'R3', cash: 'lots' } })).toMatchObject({ status: 400, body: { code: 'INVALID_MESSAGE', message: expect.stringMatching(/^cash:/) } });
    expect(await httpJson(stack, 'POST', '/portfolios', { token: admin, body: { portfolioId: 'R3', cash: 1, positions: [{ instrument: '!!', qty: 1 }] } })).toMatchObject({ status: 400, body: { code: 'INVALID_INSTRUMENT' } });
    expect(await httpJson(stack, 'POST', '/portfolios', { token: admin, body: { portfolioId: 'R2', cash: 500_000 } })).toMatchObject({ status: 201 });
  });

  it('answers 415 for a non-JSON content type, 400 for broken JSON and 413 above the body limit', async () => {
    expect(await httpJson(stack, 'POST', '/portfolios', { token: admin, rawBody: 'portfolioId=R5', contentType: 'application/x-www-form-urlencoded' })).toMatchObject({ status: 415, body: { code: 'UNSUPPORTED_MEDIA_TYPE' } });
    expect(await httpJson(stack, 'POST', '/portfolios', { token: admin, rawBody: '{"portfolioId":' })).toMatchObject({ status: 400, body: { code: 'BAD_JSON' } });
    const big = JSON.stringify({ portfolioId: 'R6', cash: 1, pad: 'x'.repeat(70 * 1024) });
    expect(await httpJson(stack, 'POST', '/portfolios', { token: admin, rawBody: big })).toMatchObject({ status: 413, body: { code: 'PAYLOAD_TOO_LARGE' } });
  });

  it('shows a portfolio to a covered reader, 403 to an uncovered one, 404 for an unknown id', async () => {
    const r = await httpJson(stack, 'GET', '/portfolios/R1', { token: compliance });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ portfolioId: 'R1', cash: 1_000_000, tradingState: 'active' });
    expect(r.body.holdings).toHaveLength(2);
    expect(await httpJson(stack, 'GET', '/portfolios/R1', { token: other })).toMatchObject({ status: 403 });
    expect(await httpJson(stack, 'GET', '/portfolios/R1', { token: feedTok })).toMatchObject({ status: 403 });
    expect(await httpJson(stack, 'GET', '/portfolios/NOPE', { token: rm })).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
  });
});

describe('REST: risk', () => {
  it('lists positions and risk, filtered to what the token covers', async () => {
    await expect.poll(async () => (await httpJson(stack, 'GET', '/risk/portfolio?portfolioId=R1', { token: trader })).body.risk?.seq ?? 0, { timeout: 10_000 }).toBeGreaterThan(0);
    const one = await httpJson(stack, 'GET', '/risk/portfolio?portfolioId=R1', { token: trader });
    expect(one.body.risk).toMatchObject({ portfolioId: 'R1', greeks: { delta: expect.any(Number) }, var: { method: 'delta-gamma' } });
    const all = await httpJson(stack, 'GET', '/risk/portfolio', { token: rm });
    expect(all.body.portfolios.map((p: { portfolioId: string }) => p.portfolioId).sort()).toEqual(['R1', 'R2']);
    const mine = await httpJson(stack, 'GET', '/risk/positions', { token: trader });
    expect(mine.status).toBe(200);
    expect(mine.body.positions.every((p: { portfolioId: string }) => p.portfolioId === 'R1')).toBe(true);
    expect(mine.body.positions).toHaveLength(2);
    expect(await httpJson(stack, 'GET', '/risk/positions?portfolioId=R2', { token: trader })).toMatchObject({ status: 403 });
    expect(await httpJson(stack, 'GET', '/risk/positions?portfolioId=ZZ', { token: rm })).toMatchObject({ status: 404 });
  });

  it('sets limits and trading state as risk manager; a trader may not; bad limits are 400', async () => {
    const r = await httpJson(stack, 'POST', '/risk/limits', { token: rm, body: { portfolioId: 'R1', limits: { maxOrderQty: 50 }, tradingState: 'active' } });
    expect(r).toMatchObject({ status: 200, body: { portfolioId: 'R1', limits: { maxOrderQty: 50 }, tradingState: 'active' } });
    const flat = await httpJson(stack, 'POST', '/risk/limits', { token: rm, body: { portfolioId: 'R1', maxOrderQty: 60, limits: { maxOrderQty: 70, maxOrderNotional: 2e6 } } });
    expect(flat).toMatchObject({ status: 200, body: { limits: { maxOrderQty: 60, maxOrderNotional: 2e6 } } });
    expect(await httpJson(stack, 'POST', '/risk/limits', { token: rm, body: { portfolioId: 'R1', maxOrderQty: 50 } })).toMatchObject({ status: 200, body: { limits: { maxOrderQty: 50 } } });
    expect(await httpJson(stack, 'POST', '/risk/limits', { token: trader, body: { portfolioId: 'R1', limits: { maxOrderQty: 1e9 } } })).toMatchObject({ status: 403 });
    expect(await httpJson(stack, 'POST', '/risk/limits', { token: rm, body: { portfolioId: 'R1', limits: { maxLeverage: 1000 } } })).toMatchObject({ status: 400, body: { code: 'INVALID_LIMITS' } });
    expect(await httpJson(stack, 'POST', '/risk/limits', { token: rm, body: { portfolioId: 'R1' } })).toMatchObject({ status: 400, body: { code: 'INVALID_MESSAGE' } });
    expect(await httpJson(stack, 'POST', '/risk/limits', { token: rm, body: { portfolioId: 'ZZ', tradingState: 'halted' } })).toMatchObject({ status: 404 });
  });
});

describe('REST: trades', () => {
  it('submits an order (201 with order and fills), rejects over a limit (422 with the code), lists and gets trades', async () => {
    const ok = await httpJson(stack, 'POST', '/trades', { token: trader, body: { portfolioId: 'R1', clientOrderId: 'c1', instrument: 'AAA', side: 'buy', qty: 10, orderType: 'market' } });
    expect(ok.status).toBe(201);
    expect(ok.body.order).toMatchObject({ clientOrderId: 'c1', status: 'filled', submittedBy: 'tom' });
    expect(ok.body.fills).toEqual([expect.objectContaining({ qty: 10, price: 100 })]);
    const rej = await httpJson(stack, 'POST', '/trades', { token: trader, body: { portfolioId: 'R1', clientOrderId: 'c2', instrument: 'AAA', side: 'buy', qty: 60, orderType: 'market' } });
    expect(rej).toMatchObject({ status: 422, body: { code: 'MAX_ORDER_QTY', clientOrderId: 'c2' } });
    expect(await httpJson(stack, 'POST', '/trades', { token: other, body: { portfolioId: 'R1', clientOrderId: 'c3', instrument: 'AAA', side: 'buy', qty: 1, orderType: 'market' } })).toMatchObject({ status: 403 });
    expect(await httpJson(stack, 'POST', '/trades', { token: compliance, body: { portfolioId: 'R1', clientOrderId: 'c3', instrument: 'AAA', side: 'buy', qty: 1, orderType: 'market' } })).toMatchObject({ status: 403 });

    const list = await httpJson(stack, 'GET', '/trades?portfolioId=R1', { token: compliance });
    expect(list.status).toBe(200);
    expect(list.body.orders.map((o: { clientOrderId: string }) => o.clientOrderId)).toContain('c1');
    expect(list.body.fills).toHaveLength(1);
    const one = await httpJson(stack, 'GET', `/trades/${ok.body.order.orderId}`, { token: compliance });
    expect(one).toMatchObject({ status: 200, body: { order: { orderId: ok.body.order.orderId }, fills: [{ qty: 10 }] } });
    expect(await httpJson(stack, 'GET', `/trades/${ok.body.order.orderId}`, { token: other })).toMatchObject({ status: 403 });
    expect(await httpJson(stack, 'GET', '/trades/R1-o999', { token: rm })).toMatchObject({ status: 404 });
    expect((await httpJson(stack, 'GET', '/trades', { token: other })).body).toEqual({ orders: [], fills: [] });
  });

  it('answers a trade posted again with the original 201 (same order and fills), and 409 naming the order for other fields', async () => {
    const body = { portfolioId: 'R1', clientOrderId: 'again', instrument: 'AAA', side: 'buy', qty: 2, orderType: 'market' };
    const first = await httpJson(stack, 'POST', '/trades', { token: trader, body });
    expect(first).toMatchObject({ status: 201, body: { order: { status: 'filled' }, fills: [{ qty: 2 }] } });
    const qty = stack.engine.getPortfolio('R1')!.holdings.find((h) => h.instrument.symbol === 'AAA')!.qty;
    const again = await httpJson(stack, 'POST', '/trades', { token: trader, body });
    expect(again).toEqual(first);
    const other = await httpJson(stack, 'POST', '/trades', { token: trader, body: { ...body, side: 'sell' } });
    expect(other).toMatchObject({ status: 409, body: { code: 'DUPLICATE_CLIENT_ORDER_ID', clientOrderId: 'again', orderId: first.body.order.orderId } });
    expect(stack.engine.getPortfolio('R1')!.holdings.find((h) => h.instrument.symbol === 'AAA')!.qty).toBe(qty);
    expect(stack.engine.listFills('R1').filter((f) => f.clientOrderId === 'again')).toHaveLength(1);
  });

  it('cancels an open order (204), answers 409 for one no longer open and 404 for an unknown one', async () => {
    const lim = await httpJson(stack, 'POST', '/trades', { token: trader, body: { portfolioId: 'R1', clientOrderId: 'l1', instrument: 'AAA', side: 'buy', qty: 1, orderType: 'limit', limitPrice: 95 } });
    expect(lim).toMatchObject({ status: 201, body: { order: { status: 'open' }, fills: [] } });
    const id = lim.body.order.orderId as string;
    expect(await httpJson(stack, 'DELETE', `/trades/${id}`, { token: other })).toMatchObject({ status: 403 });
    expect(await httpJson(stack, 'DELETE', `/trades/${id}`, { token: trader })).toEqual({ status: 204, body: undefined });
    expect(await httpJson(stack, 'DELETE', `/trades/${id}`, { token: trader })).toMatchObject({ status: 409, body: { code: 'CONFLICT' } });
    expect(await httpJson(stack, 'DELETE', '/trades/R1-o999', { token: trader })).toMatchObject({ status: 404 });
  });
});

describe('REST: misc', () => {
  it('serves /health to an admin token only, and 404 JSON for an unknown route', async () => {
    expect(await httpJson(stack, 'GET', '/health', { token: admin })).toMatchObject({ status: 200, body: { status: 'ok', uws: 'native', portfolios: 2 } });
    expect(await httpJson(stack, 'GET', '/health')).toMatchObject({ status: 401, body: { code: 'UNAUTHENTICATED' } });
    expect(await httpJson(stack, 'GET', '/health', { token: rm })).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
    expect(await httpJson(stack, 'GET', '/nope', { token: admin })).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
  });
});
