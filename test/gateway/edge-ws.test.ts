/**
 * The websocket edge over the real uWS gateway: a session lasts as long as its token (expiry,
 * re-authentication, maximum age, frames pipelined behind `auth`), connection and subscription
 * caps, and a handler that throws.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, type Stack, startStack } from './harness.js';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    maxSubscriptions: 4,
    // The rate-limit seam: here a stand-in that throws on one message type, to prove the guard.
    admission: (_s, _p, type) => {
      if (type === 'unsubscribe') throw new Error('admission exploded');
      return null;
    },
  });
  for (const id of ['W1', 'W2']) expect((await stack.engine.createPortfolio({ portfolioId: id, cash: 1e6 }, 'test')).ok).toBe(true);
  const feed = await Client.login(stack.url, await stack.token('feed', ['feed'], []));
  expect(await feed.request({ type: 'tick', symbol: 'AAA', price: 100, ts: stack.nextTickTs() })).toMatchObject({ type: 'ack' });
  await feed.close();
});

afterAll(() => stack?.close());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('websocket: a session lasts as long as its token', () => {
  it('keeps a connection that re-authenticates before exp, with its subscriptions, past the first token\'s exp', async () => {
    const c = await Client.login(stack.url, await stack.token('tom', ['trader'], ['W1'], 2));
    expect(await c.request({ type: 'subscribe', channel: 'orders', portfolioId: 'W1' })).toMatchObject({ type: 'subscribed' });
    expect(await c.request({ type: 'auth', token: await stack.token('tom', ['trader'], ['W1'], 60) })).toMatchObject({ type: 'authenticated', sub: 'tom' });
    await sleep(2600);
    expect(c.closeInfo).toBeUndefined();
    // Still subscribed: its own order's updates arrive on the orders channel.
    const ack = await c.request({ type: 'order', portfolioId: 'W1', clientOrderId: 'r1', instrument: 'AAA', side: 'buy', qty: 1, orderType: 'market' });
    expect(ack).toMatchObject({ type: 'ack', status: 'filled' });
    expect(await c.next((m) => m.type === 'fill' && m.clientOrderId === 'r1')).toBeDefined();
    await c.close();
  });

  it('drops the subscriptions a re-authentication token no longer covers', async () => {
    const c = await Client.login(stack.url, await stack.token('rita', ['risk_manager'], ['W1', 'W2']));
    for (const id of ['W1', 'W2']) expect(await c.request({ type: 'subscribe', channel: 'orders', portfolioId: id })).toMatchObject({ type: 'subscribed' });
    expect(await c.request({ type: 'auth', token: await stack.token('rita', ['risk_manager'], ['W1']) })).toMatchObject({ type: 'authenticated', grants: [{ role: 'risk_manager', portfolios: ['W1'] }] });
    await stack.engine.submitOrder('W2', { clientOrderId: 'x2', instrument: 'AAA', side: 'buy', qty: 1, orderType: 'market' }, 'test');
    await stack.engine.submitOrder('W1', { clientOrderId: 'x1', instrument: 'AAA', side: 'buy', qty: 1, orderType: 'market' }, 'test');
    await c.next((m) => m.type === 'fill' && m.clientOrderId === 'x1');
    expect(c.received.some((m) => m.type === 'fill' && m.portfolioId === 'W2')).toBe(false);
    await c.close();
  });

  it('keeps the old token when a re-authentication is refused, and closes at its exp', async () => {
    const c = await Client.login(stack.url, await stack.token('tom', ['trader'], ['W1'], 2));
    const expired = await stack.token('tom', ['trader'], ['W1'], -10);
    expect(await c.request({ type: 'auth', token: expired })).toMatchObject({ type: 'error', code: 'UNAUTHENTICATED' });
    expect(await c.request({ type: 'subscribe', channel: 'market' })).toMatchObject({ type: 'subscribed' });
    expect((await c.closed).code).toBe(4001);
  });

  it('closes a connection at the maximum session age whatever its tokens (4004)', async () => {
    const short = await startStack({ maxSessionAgeMs: 1200 });
    try {
      const c = await Client.login(short.url, await short.token('tom', ['trader'], ['*'], 600));
      expect(await c.request({ type: 'auth', token: await short.token('tom', ['trader'], ['*'], 600) })).toMatchObject({ type: 'authenticated' });
      expect((await c.closed).code).toBe(4004);
    } finally {
      await short.close();
    }
  });

  it('runs frames pipelined behind auth in order once the token is verified', async () => {
    const c = await Client.connect(stack.url);
    const token = await stack.token('tom', ['trader'], ['W1']);
    c.sendBatch([
      { type: 'auth', id: 'a', token },
      { type: 'subscribe', id: 's', channel: 'orders', portfolioId: 'W1' },
      { type: 'order', id: 'o', portfolioId: 'W1', clientOrderId: 'pipe-1', instrument: 'AAA', side: 'buy', qty: 1, orderType: 'market' },
      { type: 'cancel', id: 'c', portfolioId: 'W1', orderId: 'W1-o999' },
    ]);
    await c.next((m) => m.id === 'o');
    await c.next((m) => m.id === 'c');
    // Run in the order sent: the order's ack comes after the engine's durable answer, so later
    // synchronous replies may pass it, but each was handled behind the one before.
    const replies = c.received.filter((m) => m.id !== undefined).map((m) => [m.id, m.type]);
    expect(replies.slice(0, 2)).toEqual([['a', 'authenticated'], ['s', 'subscribed']]);
    expect(replies).toContainEqual(['o', 'ack']);
    expect(replies).toContainEqual(['c', 'reject']);
    expect(await c.next((m) => m.type === 'fill' && m.clientOrderId === 'pipe-1')).toBeDefined();
    await c.close();
  });

  it('answers each frame pipelined behind a refused auth with UNAUTHENTICATED and closes (4003)', async () => {
    const c = await Client.connect(stack.url);
    c.sendBatch([
      { type: 'auth', id: 'a', token: await stack.token('tom', ['trader'], ['W1'], -10) },
      { type: 'subscribe', id: 's', channel: 'market' },
      { type: 'order', id: 'o', portfolioId: 'W1', clientOrderId: 'pipe-2', instrument: 'AAA', side: 'buy', qty: 1, orderType: 'market' },
    ]);
    expect((await c.closed).code).toBe(4003);
    expect(c.received.map((m) => [m.id, m.type, m.code])).toEqual([['a', 'error', 'UNAUTHENTICATED'], ['s', 'error', 'UNAUTHENTICATED'], ['o', 'error', 'UNAUTHENTICATED']]);
    expect(stack.engine.listOrders('W1').some((o) => o.clientOrderId === 'pipe-2')).toBe(false);
  });

  it('accepts ?token= only when the operator allows it', async () => {
    const q = await startStack({ allowQueryToken: true });
    try {
      const c = await Client.connect(q.url, { token: await q.token('tom', ['trader'], ['*']) });
      expect(await c.request({ type: 'subscribe', channel: 'market' })).toMatchObject({ type: 'subscribed' });
      await c.close();
    } finally {
      await q.close();
    }
    await expect(Client.connect(stack.url, { token: await stack.token('tom', ['trader'], ['*']) })).rejects.toMatchObject({ status: 401 });
  });
});

describe('websocket: abuse limits', () => {
  it('caps connections per address, in all, and waiting for auth, with 503 TOO_MANY_CONNECTIONS at the upgrade', async () => {
    const capped = await startStack({ connections: { total: 3, perIp: 2, unauthenticated: 1 } });
    try {
      const tok = await capped.token('tom', ['trader'], ['*']);
      const a = await Client.connect(capped.url, { header: tok });
      const b = await Client.connect(capped.url, { header: tok });
      await expect(Client.connect(capped.url, { header: tok })).rejects.toMatchObject({ status: 503, body: expect.stringContaining('per address') });
      // Another loopback address has room of its own, up to the total.
      const c = await Client.connect(capped.url, { localAddress: '127.0.0.2' });
      await expect(Client.connect(capped.url, { header: tok, localAddress: '127.0.0.3' })).rejects.toMatchObject({ status: 503, body: expect.stringContaining('maximum of 3') });
      await b.close();
      // c waits for auth: a second unauthenticated connection is refused, an authenticated one is not.
      await expect(Client.connect(capped.url)).rejects.toMatchObject({ status: 503, body: expect.stringContaining('wait for authentication') });
      const d = await Client.connect(capped.url, { header: tok });
      expect(await c.request({ type: 'auth', token: tok })).toMatchObject({ type: 'authenticated' });
      await Promise.all([a.close(), c.close(), d.close()]);
      // Every place is given back on close.
      const again = await Promise.all([Client.connect(capped.url), Client.connect(capped.url, { header: tok })]);
      await Promise.all(again.map((x) => x.close()));
    } finally {
      await capped.close();
    }
  });

  it('closes a connection that does not authenticate within the deadline (4002)', async () => {
    const quick = await startStack({ authTimeoutMs: 300 });
    try {
      const c = await Client.connect(quick.url);
      expect((await c.closed).code).toBe(4002);
    } finally {
      await quick.close();
    }
  });

  it('answers FORBIDDEN for an uncovered portfolio, NOT_FOUND for a covered unknown one, TOO_MANY_SUBSCRIPTIONS above the cap', async () => {
    const c = await Client.login(stack.url, await stack.token('rita', ['risk_manager'], ['W1', 'W2', 'NOPE']));
    expect(await c.request({ type: 'subscribe', channel: 'risk', portfolioId: 'ELSEWHERE' })).toMatchObject({ type: 'error', code: 'FORBIDDEN' });
    expect(await c.request({ type: 'subscribe', channel: 'risk', portfolioId: 'NOPE' })).toMatchObject({ type: 'error', code: 'NOT_FOUND' });
    for (const [channel, key] of [['risk', 'W1'], ['risk', 'W2'], ['orders', 'W1'], ['market', 'AAA']] as const) {
      expect(await c.request({ type: 'subscribe', channel, ...(channel === 'market' ? { symbol: key } : { portfolioId: key }) })).toMatchObject({ type: 'subscribed' });
    }
    expect(await c.request({ type: 'subscribe', channel: 'market', symbol: 'BBB' })).toMatchObject({ type: 'error', code: 'TOO_MANY_SUBSCRIPTIONS' });
    // Subscribing again to one held is free.
    expect(await c.request({ type: 'subscribe', channel: 'risk', portfolioId: 'W1' })).toMatchObject({ type: 'subscribed' });
    await c.close();
  });

  it('answers a throwing handler with error INTERNAL and a request id, and the connection goes on', async () => {
    const c = await Client.login(stack.url, await stack.token('rita', ['risk_manager'], ['*']));
    expect(await c.request({ type: 'unsubscribe', channel: 'market' })).toMatchObject({ type: 'error', code: 'INTERNAL', message: expect.stringMatching(/request [0-9a-f]{8}-/) });
    expect(await c.request({ type: 'subscribe', channel: 'market' })).toMatchObject({ type: 'subscribed' });
    await c.close();
  });
});
