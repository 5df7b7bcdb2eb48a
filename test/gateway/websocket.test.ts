/**
 * The websocket protocol end to end: real uWS gateway, real engine, real risk pool, `ws` clients.
 * Needs the compiled worker: `npm run build` first.
 */
import { encode } from '@msgpack/msgpack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bsmGreeks } from '../../src/engine/pricing/bsm.js';
import { Client, type Msg, type Stack, occ, startStack } from './harness.js';

const MS_PER_YEAR = 365 * 86_400_000;
const CALL = { expiry: '2026-03-20', strike: 100, vol: 0.25, qty: 10 };
const PUT = { expiry: '2026-06-18', strike: 90, vol: 0.3, qty: -5 };

let stack: Stack;
let feed: Client;
/** Sends a tick from the feed with a rising ts; resolves once the gateway acknowledged it. */
async function tick(symbol: string, price: number): Promise<number> {
  const ts = stack.nextTickTs() + 0.5;
  const r = await feed.request({ type: 'tick', symbol, price, ts });
  expect(r.type).toBe('ack');
  return ts;
}

beforeAll(async () => {
  stack = await startStack({ maxFrameBytes: 4096 });
  const e = stack.engine;
  expect((await e.createPortfolio({
    portfolioId: 'RISK1', cash: 1_000_000,
    positions: [
      { instrument: occ('AAA', CALL.expiry, 'C', CALL.strike), qty: CALL.qty, vol: CALL.vol },
      { instrument: occ('AAA', PUT.expiry, 'P', PUT.strike), qty: PUT.qty, vol: PUT.vol },
      { instrument: 'AAA', qty: 200 },
    ],
  }, 'test')).ok).toBe(true);
  expect((await e.createPortfolio({ portfolioId: 'TRADE1', cash: 1_000_000, positions: [{ instrument: 'BBB', qty: 10 }] }, 'test')).ok).toBe(true);
  expect((await e.createPortfolio({ portfolioId: 'OTHER', cash: 1_000_000 }, 'test')).ok).toBe(true);
  feed = await Client.login(stack.url, await stack.token('feed-1', ['feed'], []));
  await tick('BBB', 50);
});

afterAll(async () => {
  await feed?.close();
  await stack?.close();
});

describe('websocket: implementation and authentication', () => {
  it('runs the native uWS binary and says so on /health', async () => {
    expect(stack.gateway.uws).toBe('native');
    const h = await stack.health();
    expect(h.status).toBe(200);
    expect(h.body).toMatchObject({ status: 'ok', uws: 'native', portfolios: 3 });
    expect(h.body.pool).toMatchObject({ threads: 2, utilisation: expect.any(Number), queueLength: expect.any(Number), recalculations: expect.any(Number) });
  });

  it('authenticates by auth message and by Authorization header, echoes the claims, and refuses ?token= by default', async () => {
    const token = await stack.token('alice', ['trader'], ['TRADE1']);
    const a = await Client.connect(stack.url);
    expect(await a.request({ type: 'auth', token })).toMatchObject({ type: 'authenticated', sub: 'alice', roles: ['trader'], grants: [{ role: 'trader', portfolios: ['TRADE1'] }] });
    const c = await Client.connect(stack.url, { header: token });
    expect(await c.request({ type: 'subscribe', channel: 'orders', portfolioId: 'TRADE1' })).toMatchObject({ type: 'subscribed' });
    await expect(Client.connect(stack.url, { token })).rejects.toThrow('HTTP 401');
    // A second auth of the same subject is a re-authentication, of another subject a refusal.
    expect(await a.request({ type: 'auth', token })).toMatchObject({ type: 'authenticated', sub: 'alice' });
    expect(await a.request({ type: 'auth', token: await stack.token('bob', ['trader'], ['TRADE1']) })).toMatchObject({ type: 'error', code: 'ALREADY_AUTHENTICATED' });
    await Promise.all([a.close(), c.close()]);
  });

  it('refuses an expired token and one for another audience, at auth and at upgrade (HTTP 401)', async () => {
    const expired = await stack.token('alice', ['trader'], ['TRADE1'], -30);
    const { Tokens } = await import('../../src/gateway/tokens.js');
    const wrongAud = await new Tokens({ keys: stack.keys, issuer: 'test-issuer', audience: 'someone-else' }).issueAccess({ sub: 'alice', grants: [{ role: 'trader', portfolios: ['TRADE1'] }], amr: ['dev'] }, 60, Date.now());
    const c = await Client.connect(stack.url);
    expect(await c.request({ type: 'auth', token: expired })).toMatchObject({ type: 'error', code: 'UNAUTHENTICATED', message: expect.stringContaining('TOKEN_EXPIRED') });
    expect(await c.request({ type: 'auth', token: wrongAud })).toMatchObject({ type: 'error', code: 'UNAUTHENTICATED', message: expect.stringContaining('aud') });
    // Still unauthenticated, still connected.
    expect(await c.request({ type: 'subscribe', channel: 'market' })).toMatchObject({ type: 'error', code: 'UNAUTHENTICATED' });
    await expect(Client.connect(stack.url, { header: expired })).rejects.toThrow('HTTP 401');
    await expect(Client.connect(stack.url, { header: wrongAud })).rejects.toThrow('HTTP 401');
    await c.close();
  });

  it('refuses a message the role does not allow and a portfolio the token does not cover, and keeps the connection', async () => {
    const trader = await Client.login(stack.url, await stack.token('alice', ['trader'], ['TRADE1']));
    expect(await trader.request({ type: 'tick', symbol: 'AAA', price: 1, ts: 1 })).toMatchObject({ type: 'error', code: 'FORBIDDEN' });
    const order = { type: 'order', portfolioId: 'OTHER', clientOrderId: 'x1', instrument: 'BBB', side: 'buy', qty: 1, orderType: 'market' };
    expect(await trader.request(order)).toMatchObject({ type: 'error', code: 'FORBIDDEN', message: expect.stringContaining('OTHER') });
    expect(await trader.request({ type: 'subscribe', channel: 'risk', portfolioId: 'OTHER' })).toMatchObject({ type: 'error', code: 'FORBIDDEN' });
    expect(await trader.request({ type: 'cancel', portfolioId: 'OTHER', orderId: 'OTHER-o1' })).toMatchObject({ type: 'error', code: 'FORBIDDEN' });
    const compliance = await Client.login(stack.url, await stack.token('carol', ['compliance_officer'], ['*']));
    expect(await compliance.request({ ...order, portfolioId: 'TRADE1' })).toMatchObject({ type: 'error', code: 'FORBIDDEN' });
    expect(await compliance.request({ type: 'subscribe', channel: 'risk', portfolioId: 'OTHER' })).toMatchObject({ type: 'subscribed' });
    expect(await feed.request(order)).toMatchObject({ type: 'error', code: 'FORBIDDEN' });
    expect(await trader.request({ type: 'subscribe', channel: 'orders', portfolioId: 'TRADE1' })).toMatchObject({ type: 'subscribed' });
    await Promise.all([trader.close(), compliance.close()]);
  });

  it('closes a silent connection with 4001 when its token expires, after an UNAUTHENTICATED error', async () => {
    // exp has one-second resolution: a 2 s token is valid now and expired at most 2 s later.
    const c = await Client.login(stack.url, await stack.token('alice', ['trader'], ['TRADE1'], 2));
    expect(await c.request({ type: 'subscribe', channel: 'market' })).toMatchObject({ type: 'subscribed' });
    // The client sends nothing more: the server closes it at exp by itself.
    expect(await c.next((m) => m.type === 'error', 4000)).toMatchObject({ code: 'UNAUTHENTICATED', message: expect.stringContaining('token expired') });
    expect((await c.closed).code).toBe(4001);
  });

  it('closes with 4003 after three refused auth messages, each verification being costly', async () => {
    const c = await Client.connect(stack.url);
    for (let i = 0; i < 3; i++) expect(await c.request({ type: 'auth', token: `bad.token.${i}` })).toMatchObject({ type: 'error', code: 'UNAUTHENTICATED' });
    expect((await c.closed).code).toBe(4003);
  });

  it('closes a connection that does not authenticate within authTimeoutMs with 4002', async () => {
    const quick = await startStack({ authTimeoutMs: 300 });
    try {
      const idle = await Client.connect(quick.url);
      const authed = await Client.connect(quick.url);
      await authed.request({ type: 'auth', token: await quick.token('alice', ['trader'], ['X']) });
      expect((await idle.closed).code).toBe(4002);
      await new Promise((r) => setTimeout(r, 200));
      expect(authed.closeInfo).toBeUndefined();
      await authed.close();
    } finally {
      await quick.close();
    }
  });

  it('answers UNAUTHENTICATED to anything before auth', async () => {
    const c = await Client.connect(stack.url);
    expect(await c.request({ type: 'tick', symbol: 'AAA', price: 1, ts: 1 })).toMatchObject({ type: 'error', code: 'UNAUTHENTICATED' });
    await c.close();
  });
});

describe('websocket: risk stream', () => {
  it('sends a risk update after a tick whose Greeks equal bsmGreeks × qty × 100 summed over the positions', async () => {
    const rm = await Client.login(stack.url, await stack.token('rita', ['risk_manager'], ['*']));
    expect(await rm.request({ type: 'subscribe', channel: 'risk', portfolioId: 'RISK1' })).toMatchObject({ type: 'subscribed', channel: 'risk', portfolioId: 'RISK1' });
    const spot = 101.25;
    const ts = await tick('AAA', spot);
    const risk = await rm.next((m) => m.type === 'risk' && m.portfolioId === 'RISK1' && m.tickTs === ts);
    expect(Object.keys(risk).sort()).toEqual(expect.arrayContaining(['seq', 'tickTs', 'greeks', 'byUnderlying', 'pnl', 'var', 'margin', 'leverage', 'breaches']));
    // Written by hand (risk-frame.ts), the frame is byte for byte what the msgpack library writes for it.
    expect(Buffer.from(encode(risk, { ignoreUndefined: true })).equals(rm.raw.get(risk) as Buffer)).toBe(true);

    // The same state through the quant core: the engine's clock at computation, Actual/365 to 21:00 UTC expiry.
    const expected = { delta: 200, gamma: 0, vega: 0, theta: 0, rho: 0 };
    for (const leg of [{ ...CALL, type: 'call' as const }, { ...PUT, type: 'put' as const }]) {
      const tYears = (Date.parse(`${leg.expiry}T21:00:00Z`) - risk.computedMs) / MS_PER_YEAR;
      const g = bsmGreeks({ type: leg.type, spot, strike: leg.strike, tYears, rate: 0.04, dividendYield: 0, vol: leg.vol });
      const units = leg.qty * 100;
      expected.delta += g.delta * units;
      expected.gamma += g.gamma * units;
      expected.vega += g.vega * units;
      expected.theta += g.thetaPerYear * units;
      expected.rho += g.rho * units;
    }
    for (const k of Object.keys(expected) as (keyof typeof expected)[]) {
      expect(risk.greeks[k]).toBeCloseTo(expected[k], Math.max(0, 6 - Math.ceil(Math.log10(Math.abs(expected[k]) + 1))));
    }
    expect(risk.byUnderlying.AAA.spot).toBe(spot);
    await rm.close();
  });

  it('sends a new risk subscriber the latest snapshot at once and ticks to market subscribers', async () => {
    const c = await Client.login(stack.url, await stack.token('carol', ['compliance_officer'], ['RISK1']));
    await c.request({ type: 'subscribe', channel: 'risk', portfolioId: 'RISK1' });
    expect(await c.next((m) => m.type === 'risk')).toMatchObject({ portfolioId: 'RISK1' });
    await c.request({ type: 'subscribe', channel: 'market', symbol: 'CCC' });
    await tick('CCC', 77);
    expect(await c.next((m) => m.type === 'tick')).toMatchObject({ type: 'tick', symbol: 'CCC', price: 77 });
    await c.close();
  });
});

describe('websocket: orders', () => {
  let trader: Client;
  beforeAll(async () => {
    trader = await Client.login(stack.url, await stack.token('alice', ['trader'], ['TRADE1']));
  });
  afterAll(() => trader.close());

  it('acks an accepted market order and sends its fill right after the ack', async () => {
    const ack = await trader.request({ type: 'order', portfolioId: 'TRADE1', clientOrderId: 'm1', instrument: 'BBB', side: 'buy', qty: 5, orderType: 'market' });
    expect(ack).toMatchObject({ type: 'ack', clientOrderId: 'm1', orderId: expect.any(String), status: 'filled' });
    const fill = await trader.next((m) => m.type === 'fill' && m.clientOrderId === 'm1');
    expect(fill).toMatchObject({ orderId: ack.orderId, instrument: 'BBB', side: 'buy', qty: 5, price: 50 });
    expect(trader.received.indexOf(fill)).toBeGreaterThan(trader.received.indexOf(ack));
    expect(trader.received.filter((m) => m.type === 'fill' && m.clientOrderId === 'm1')).toHaveLength(1);
  });

  it('passes the engine reason code through when a limit refuses the order', async () => {
    expect((await stack.engine.setLimits('TRADE1', { maxOrderQty: 100 }, 'test')).ok).toBe(true);
    const r = await trader.request({ type: 'order', portfolioId: 'TRADE1', clientOrderId: 'big', instrument: 'BBB', side: 'buy', qty: 500, orderType: 'market' });
    expect(r).toMatchObject({ type: 'reject', code: 'MAX_ORDER_QTY', clientOrderId: 'big', reason: expect.any(String) });
    const inv = await trader.request({ type: 'order', portfolioId: 'TRADE1', clientOrderId: 'lim', instrument: 'BBB', side: 'buy', qty: 1, orderType: 'limit' });
    expect(inv).toMatchObject({ type: 'reject', code: 'INVALID_ORDER' });
  });

  it('fills a resting stop and a take-profit when a tick crosses their triggers, and delivers the fills to the sender', async () => {
    const stop = await trader.request({ type: 'order', portfolioId: 'TRADE1', clientOrderId: 's1', instrument: 'BBB', side: 'sell', qty: 2, orderType: 'stop', stopPrice: 45 });
    const tp = await trader.request({ type: 'order', portfolioId: 'TRADE1', clientOrderId: 'tp1', instrument: 'BBB', side: 'sell', qty: 3, orderType: 'take_profit', stopPrice: 55 });
    expect(stop).toMatchObject({ type: 'ack', status: 'open' });
    expect(tp).toMatchObject({ type: 'ack', status: 'open' });
    await tick('BBB', 56);
    expect(await trader.next((m) => m.type === 'fill' && m.clientOrderId === 'tp1')).toMatchObject({ orderId: tp.orderId, qty: 3, price: 56, side: 'sell' });
    await tick('BBB', 44);
    expect(await trader.next((m) => m.type === 'fill' && m.clientOrderId === 's1')).toMatchObject({ orderId: stop.orderId, qty: 2, price: 44 });
  });

  it('sends the fill of a replaced limit that now crosses once, after the replace ack, also to an orders subscriber', async () => {
    await trader.request({ type: 'subscribe', channel: 'orders', portfolioId: 'TRADE1' });
    await tick('BBB', 44);
    const lim = await trader.request({ type: 'order', portfolioId: 'TRADE1', clientOrderId: 'rx', instrument: 'BBB', side: 'buy', qty: 1, orderType: 'limit', limitPrice: 41 });
    expect(lim).toMatchObject({ type: 'ack', status: 'open' });
    const ack = await trader.request({ type: 'replace', portfolioId: 'TRADE1', orderId: lim.orderId, limitPrice: 46 });
    expect(ack).toMatchObject({ type: 'ack', status: 'filled' });
    const fill = await trader.next((m) => m.type === 'fill' && m.orderId === lim.orderId);
    expect(fill).toMatchObject({ price: 44, qty: 1 });
    expect(trader.received.indexOf(fill)).toBeGreaterThan(trader.received.indexOf(ack));
    await trader.request({ type: 'subscribe', channel: 'market', symbol: 'BBB' }); // a round trip: anything pending arrived
    expect(trader.received.some((m) => m.type === 'order' && m.orderId === lim.orderId && m.limitPrice === 46)).toBe(true);
    expect(trader.received.filter((m) => m.type === 'fill' && m.orderId === lim.orderId)).toHaveLength(1);
    await trader.request({ type: 'unsubscribe', channel: 'orders', portfolioId: 'TRADE1' });
  });

  it('answers an order sent again (a client that lost its connection) with the original ack and fill, without trading again', async () => {
    const order = { type: 'order', portfolioId: 'TRADE1', clientOrderId: 'again1', instrument: 'BBB', side: 'buy', qty: 3, orderType: 'market' };
    const ack = await trader.request(order);
    expect(ack).toMatchObject({ type: 'ack', status: 'filled' });
    const fill = await trader.next((m) => m.type === 'fill' && m.clientOrderId === 'again1');
    const qty = stack.engine.getPortfolio('TRADE1')!.holdings.find((h) => h.instrument.symbol === 'BBB')!.qty;
    // The same order from a new connection of the same trader, as after a reconnect.
    const again = await Client.login(stack.url, await stack.token('alice', ['trader'], ['TRADE1']));
    try {
      const ack2 = await again.request(order);
      expect(ack2).toEqual({ ...ack, id: ack2.id });
      const fill2 = await again.next((m) => m.type === 'fill' && m.clientOrderId === 'again1');
      expect(fill2).toEqual(fill);
      expect(again.received.indexOf(fill2)).toBeGreaterThan(again.received.indexOf(ack2));
      // Other fields under the same clientOrderId: refused, naming the order it belongs to.
      const other = await again.request({ ...order, qty: 4 });
      expect(other).toMatchObject({ type: 'reject', code: 'DUPLICATE_CLIENT_ORDER_ID', clientOrderId: 'again1', orderId: ack.orderId });
      expect(other.reason).toContain(ack.orderId);
    } finally {
      await again.close();
    }
    expect(stack.engine.getPortfolio('TRADE1')!.holdings.find((h) => h.instrument.symbol === 'BBB')!.qty).toBe(qty);
    expect(stack.engine.listFills('TRADE1').filter((f) => f.clientOrderId === 'again1')).toHaveLength(1);
  });

  it('gives two copies of an order sent back to back the same answer, a resting one with its current state', async () => {
    const order = { type: 'order', portfolioId: 'TRADE1', clientOrderId: 'twice1', instrument: 'BBB', side: 'buy', qty: 1, orderType: 'limit', limitPrice: 42 };
    const [a, b] = await Promise.all([trader.request(order), trader.request(order)]);
    expect(a).toMatchObject({ type: 'ack', status: 'open', clientOrderId: 'twice1' });
    expect(b).toEqual({ ...a, id: b.id });
    expect(stack.engine.listOrders('TRADE1').filter((o) => o.clientOrderId === 'twice1')).toHaveLength(1);
    expect(await trader.request({ type: 'cancel', portfolioId: 'TRADE1', orderId: a.orderId })).toMatchObject({ type: 'ack', status: 'cancelled' });
    expect(await trader.request(order)).toMatchObject({ type: 'ack', orderId: a.orderId, status: 'cancelled' });
  });

  it('replaces and cancels a resting limit order; an unknown order is rejected with the engine code', async () => {
    const lim = await trader.request({ type: 'order', portfolioId: 'TRADE1', clientOrderId: 'l1', instrument: 'BBB', side: 'buy', qty: 1, orderType: 'limit', limitPrice: 40 });
    expect(lim).toMatchObject({ type: 'ack', status: 'open' });
    expect(await trader.request({ type: 'replace', portfolioId: 'TRADE1', orderId: lim.orderId, limitPrice: 41 })).toMatchObject({ type: 'ack', orderId: lim.orderId, status: 'open' });
    expect(await trader.request({ type: 'cancel', portfolioId: 'TRADE1', orderId: lim.orderId })).toMatchObject({ type: 'ack', orderId: lim.orderId, status: 'cancelled' });
    const r = await trader.request({ type: 'cancel', portfolioId: 'TRADE1', orderId: 'TRADE1-o999' });
    expect(r).toMatchObject({ type: 'reject', orderId: 'TRADE1-o999', code: expect.any(String) });
  });
});

describe('websocket: bad frames', () => {
  it('answers each bad frame with a stable error code while the connection and another client keep working', async () => {
    const bad = await Client.login(stack.url, await stack.token('mallory', ['trader'], ['TRADE1']));
    const good = await Client.login(stack.url, await stack.token('alice', ['trader'], ['TRADE1']));
    const err = () => bad.next((m) => m.type === 'error');
    const cases: [() => void, string, RegExp?][] = [
      [() => bad.sendRaw(Buffer.from([0xc1, 0xff, 0x00])), 'BAD_FRAME'],
      [() => bad.sendRaw('{"type":"auth"}'), 'BAD_FRAME', /text frame/],
      [() => bad.sendRaw(Buffer.from(encode([1, 2, 3]))), 'BAD_FRAME', /not a map/],
      [() => bad.send({ type: 'tick', pad: 'x'.repeat(6000) }), 'FRAME_TOO_LARGE'],
      [() => bad.send({ type: 'order', a: { b: { c: { d: { e: { f: { g: { h: { i: 1 } } } } } } } } }), 'TOO_DEEP'],
      [() => bad.send({ type: 'order', portfolioId: 'TRADE1', clientOrderId: 'w', instrument: 'BBB', side: 'buy', qty: '5', orderType: 'market' }), 'INVALID_MESSAGE', /^qty:/],
      [() => bad.send({ type: 'order', portfolioId: 'TRADE1', clientOrderId: 'w', instrument: 'BBB', side: 'hold', qty: 5, orderType: 'market' }), 'INVALID_MESSAGE', /^side:/],
      [() => bad.send({ type: 'subscribe', channel: 'risk', extra: 1 }), 'INVALID_MESSAGE'],
      [() => bad.send({ nope: 1 }), 'INVALID_MESSAGE', /^type:/],
      [() => bad.send({ type: 'explode' }), 'UNKNOWN_TYPE', /explode/],
    ];
    for (const [send, code, pattern] of cases) {
      send();
      const e = await err();
      expect(e.code).toBe(code);
      if (pattern) expect(e.message).toMatch(pattern);
      expect(await good.request({ type: 'subscribe', channel: 'market', symbol: 'BBB' })).toMatchObject({ type: 'subscribed' });
    }
    // The id of a message that fails validation is echoed.
    expect(await bad.request({ type: 'tick', symbol: 5 })).toMatchObject({ type: 'error', code: 'INVALID_MESSAGE', id: expect.any(Number) });
    expect(bad.closeInfo).toBeUndefined();
    await Promise.all([bad.close(), good.close()]);
  });

  it('leaves a frame above maxPayloadLength to uWS, which closes only that connection', async () => {
    const huge = await Client.login(stack.url, await stack.token('mallory', ['trader'], ['TRADE1']));
    const good = await Client.login(stack.url, await stack.token('alice', ['trader'], ['TRADE1']));
    huge.send({ type: 'tick', pad: 'x'.repeat(4096 * 4 + 100) });
    const closed = await huge.closed;
    expect(closed.code).not.toBe(1000);
    expect(await good.request({ type: 'subscribe', channel: 'market' })).toMatchObject({ type: 'subscribed' });
    await good.close();
  });
});

export type { Msg };
