/**
 * The typed client (src/client) against the real stack on loopback: real engine, real uWS gateway,
 * and a TCP relay the test can cut to drop connections as a network would. Needs the compiled
 * worker: `npm run build` first.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { ClientError, RiskEngineClient, type WebSocketConstructorLike } from '../../src/client/index.js';
import { connectNode } from '../../src/client/node.js';
import { type Stack, startStack } from '../gateway/harness.js';
import { type CuttingProxy, startCuttingProxy } from './cutting-proxy.js';

let stack: Stack;
let proxy: CuttingProxy;
let feed: RiskEngineClient;
const open: RiskEngineClient[] = [];

function once<T>(c: RiskEngineClient, type: Parameters<RiskEngineClient['on']>[0], pred: (e: any) => boolean = () => true, timeoutMs = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => { off(); reject(new Error(`no ${String(type)} within ${timeoutMs} ms`)); }, timeoutMs);
    const off = c.on(type, (e: any) => {
      if (!pred(e)) return;
      clearTimeout(t);
      off();
      resolve(e as T);
    });
  });
}

async function trader(url: string, sub: string): Promise<RiskEngineClient> {
  const token = await stack.token(sub, ['trader'], ['TRADE1']);
  const c = await connectNode({ url, credentials: { token }, reconnect: { initialDelayMs: 20, maxDelayMs: 200 } });
  open.push(c);
  return c;
}

async function tick(symbol: string, price: number): Promise<void> {
  const acked = once(feed, 'ack', (a) => a.id === `t-${symbol}-${price}`);
  feed.tick({ id: `t-${symbol}-${price}`, symbol, price, ts: stack.nextTickTs() });
  expect(await acked).toMatchObject({ status: 'accepted' });
}

/**
 * A socket with only the browser's surface (onopen, onmessage with event.data, onclose, onerror,
 * binaryType 'arraybuffer'), so the client's browser path runs here; Node 20 has no WebSocket.
 */
class BrowserLikeSocket {
  onopen: ((e: unknown) => void) | null = null;
  onmessage: ((e: { data: unknown }) => void) | null = null;
  onclose: ((e: { code: number; reason: string }) => void) | null = null;
  onerror: ((e: unknown) => void) | null = null;
  private readonly ws: WebSocket;
  constructor(url: string) {
    this.ws = new WebSocket(url);
    this.ws.onopen = (e) => this.onopen?.(e);
    this.ws.onmessage = (e) => this.onmessage?.({ data: e.data });
    this.ws.onclose = (e) => this.onclose?.({ code: e.code, reason: e.reason });
    this.ws.onerror = (e) => this.onerror?.(e);
  }
  get binaryType(): string { return this.ws.binaryType; }
  set binaryType(t: string) { this.ws.binaryType = t as 'arraybuffer'; }
  get readyState(): number { return this.ws.readyState; }
  send(data: Uint8Array): void { this.ws.send(data); }
  close(code?: number, reason?: string): void { this.ws.close(code, reason); }
}

beforeAll(async () => {
  stack = await startStack();
  proxy = await startCuttingProxy(stack.gateway.port);
  expect((await stack.engine.createPortfolio({ portfolioId: 'TRADE1', cash: 1_000_000 }, 'test')).ok).toBe(true);
  feed = await connectNode({ url: stack.url, credentials: { token: await stack.token('feed-1', ['feed'], []) } });
  await tick('BBB', 50);
});

afterAll(async () => {
  await Promise.all([feed?.close(), ...open.map((c) => c.close())]);
  await proxy?.close();
  await stack?.close();
});

describe('the typed websocket client against a real engine', () => {
  it('authenticates with a token, subscribes, and gets an order acked with its fill', async () => {
    const c = await trader(stack.url, 'alice');
    expect(await c.subscribe('orders', { portfolioId: 'TRADE1' })).toMatchObject({ type: 'subscribed', channel: 'orders', portfolioId: 'TRADE1' });
    const fill = once<{ orderId: string; qty: number }>(c, 'fill');
    const ack = await c.submitOrder({ portfolioId: 'TRADE1', instrument: 'BBB', side: 'buy', qty: 2, orderType: 'market' });
    expect(ack).toMatchObject({ type: 'ack', status: 'filled', filledQty: 2, clientOrderId: expect.any(String) });
    expect(await fill).toMatchObject({ orderId: (ack as { orderId: string }).orderId, qty: 2 });
  });

  it('works on a socket with only the browser surface (ArrayBuffer frames)', async () => {
    const c = await RiskEngineClient.connect({ url: stack.url, WebSocket: BrowserLikeSocket as unknown as WebSocketConstructorLike, credentials: { token: await stack.token('erin', ['trader'], ['TRADE1']) } });
    open.push(c);
    await c.subscribe('orders', { portfolioId: 'TRADE1' });
    expect(await c.submitOrder({ portfolioId: 'TRADE1', instrument: 'BBB', side: 'sell', qty: 1, orderType: 'market' })).toMatchObject({ type: 'ack', status: 'filled' });
  });

  it('returns an engine reject as a value and a gateway error as a ClientError with the server code', async () => {
    const c = await trader(stack.url, 'alice');
    expect(await c.submitOrder({ portfolioId: 'TRADE1', instrument: 'BBB', side: 'buy', qty: 1, orderType: 'limit' })).toMatchObject({ type: 'reject', code: 'INVALID_ORDER' });
    const refused = await c.submitOrder({ portfolioId: 'OTHER', instrument: 'BBB', side: 'buy', qty: 1, orderType: 'market' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ClientError);
    expect(refused).toMatchObject({ code: 'SERVER_ERROR', serverCode: 'FORBIDDEN' });
    // A refused subscription is not held for later reconnects either.
    await expect(c.subscribe('risk', { portfolioId: 'OTHER' })).rejects.toMatchObject({ code: 'SERVER_ERROR', serverCode: 'FORBIDDEN' });
  });

  it('refuses a bad token with AUTH_REFUSED and an unreachable engine with CONNECT_FAILED', async () => {
    await expect(connectNode({ url: stack.url, credentials: { token: 'not-a-jwt' } })).rejects.toMatchObject({ code: 'AUTH_REFUSED', serverCode: 'UNAUTHENTICATED' });
    await expect(connectNode({ url: 'ws://127.0.0.1:1/ws', credentials: { token: 'x' } })).rejects.toMatchObject({ code: 'CONNECT_FAILED' });
  });

  it('leaves sign-in to the upgrade request with inHandshake credentials, and listeners given up front see the first connection and every frame with its bytes', async () => {
    const token = await stack.token('frank', ['trader'], ['TRADE1']);
    const connected: unknown[] = [];
    const frames: { type: string; bytes: number }[] = [];
    const c = await connectNode({
      url: stack.url, credentials: { inHandshake: true }, reconnect: false, ws: { headers: { authorization: `Bearer ${token}` } },
      listeners: { connected: (e) => connected.push(e), frame: ({ msg, data }) => frames.push({ type: msg.type, bytes: data.byteLength }) },
    });
    open.push(c);
    expect(connected).toEqual([{ sub: undefined, expMs: undefined, reconnected: false }]);
    expect(await c.subscribe('orders', { portfolioId: 'TRADE1' })).toMatchObject({ type: 'subscribed' });
    expect(frames).toEqual([{ type: 'subscribed', bytes: expect.any(Number) }]);
    expect(frames[0]!.bytes).toBeGreaterThan(0);
  });

  it('says why an upgrade was refused: CONNECT_FAILED with the HTTP status and body', async () => {
    const refused = connectNode({ url: stack.url, credentials: { inHandshake: true }, ws: { headers: { authorization: 'Bearer not-a-jwt' } } });
    await expect(refused).rejects.toMatchObject({ code: 'CONNECT_FAILED', http: { status: 401, body: expect.stringContaining('UNAUTHENTICATED') } });
  });

  it('sends a raw frame as given (the server answers a text frame with BAD_FRAME) and keeps the code of the last close', async () => {
    const c = await trader(stack.url, 'gina');
    const answer = once<{ code: string }>(c, 'error');
    c.sendRawFrame('{"type":"subscribe","channel":"orders"}');
    expect(await answer).toMatchObject({ code: 'BAD_FRAME' });
    expect(c.lastClose).toBeUndefined();
    await c.close();
    expect(c.lastClose).toMatchObject({ code: 1000 });
    expect(() => c.sendRawFrame(new Uint8Array([0x80]))).toThrow(ClientError);
  });

  it('reconnects after the connection is cut and holds its subscriptions again', async () => {
    const c = await trader(`ws://127.0.0.1:${proxy.port}/ws`, 'bob');
    await c.subscribe('market', { symbol: 'BBB' });
    const back = once<{ reconnected: boolean }>(c, 'connected');
    const resubscribed = once(c, 'subscribed', (m) => m.channel === 'market');
    const dropped = once<{ retryInMs: number }>(c, 'disconnected');
    proxy.cut();
    expect((await dropped).retryInMs).toBeGreaterThan(0);
    expect(await back).toMatchObject({ reconnected: true });
    expect(await resubscribed).toMatchObject({ symbol: 'BBB' });
    const pushed = once<{ price: number }>(c, 'tick', (t) => t.symbol === 'BBB');
    await tick('BBB', 51);
    expect(await pushed).toMatchObject({ price: 51 });
  });

  it('resends an order whose ack was lost once reconnected, and the engine holds one order, not two', async () => {
    const c = await trader(`ws://127.0.0.1:${proxy.port}/ws`, 'carol');
    const fills: string[] = [];
    c.on('fill', (f) => fills.push(f.fillId));
    proxy.muteReplies(); // the order reaches the engine, its ack never reaches the client
    const reply = c.submitOrder({ portfolioId: 'TRADE1', clientOrderId: 'lost-ack-1', instrument: 'BBB', side: 'buy', qty: 3, orderType: 'market' });
    const inEngine = () => stack.engine.listOrders('TRADE1').filter((o) => o.clientOrderId === 'lost-ack-1');
    await expect.poll(() => inEngine().length, { timeout: 5000 }).toBe(1);
    proxy.cut();
    const ack = await reply;
    const [order] = inEngine();
    expect(ack).toMatchObject({ type: 'ack', clientOrderId: 'lost-ack-1', orderId: order!.orderId, status: 'filled', filledQty: 3 });
    expect(inEngine()).toHaveLength(1);
    const engineFills = stack.engine.fillsOf(order!.orderId);
    expect(engineFills).toHaveLength(1);
    // The copy is answered with the original fill, under its original id.
    await expect.poll(() => fills).toEqual([engineFills[0]!.fillId]);
  });

  it('keeps the connection and its subscriptions past the first token\'s expiry when handed a fresh token', async () => {
    const c = await connectNode({ url: stack.url, credentials: { token: await stack.token('fran', ['trader'], ['TRADE1'], 2) } });
    open.push(c);
    await c.subscribe('market', { symbol: 'BBB' });
    const dropped: number[] = [];
    c.on('disconnected', (d) => dropped.push(d.code));
    const again = await c.reauthenticate(await stack.token('fran', ['trader'], ['TRADE1'], 60));
    expect(again).toMatchObject({ type: 'authenticated', sub: 'fran' });
    expect(again.expMs).toBeGreaterThan(Date.now() + 30_000);
    // Another identity is refused on this connection, which stays on the token it has.
    await expect(c.reauthenticate(await stack.token('gus', ['trader'], ['TRADE1']))).rejects.toMatchObject({ code: 'SERVER_ERROR', serverCode: 'ALREADY_AUTHENTICATED' });
    await new Promise((r) => setTimeout(r, 2500));
    const pushed = once<{ price: number }>(c, 'tick', (t) => t.symbol === 'BBB');
    await tick('BBB', 52);
    expect(await pushed).toMatchObject({ price: 52 });
    expect(c.connected).toBe(true);
    expect(dropped).toEqual([]);
  });

  it('does not reconnect once a disconnected handler has closed it', async () => {
    const c = await trader(`ws://127.0.0.1:${proxy.port}/ws`, 'hal');
    const connected: boolean[] = [];
    c.on('connected', (e) => connected.push(e.reconnected));
    const closed = once(c, 'closed');
    c.on('disconnected', () => void c.close());
    proxy.cut();
    expect(await closed).toEqual({});
    await new Promise((r) => setTimeout(r, 300)); // the retry would have come after at most 20 ms
    expect(connected).toEqual([]);
    expect(c.connected).toBe(false);
  });

  it('fails a cancel in flight across a drop with DISCONNECTED, and close() fails what waits with CLOSED', async () => {
    const c = await trader(`ws://127.0.0.1:${proxy.port}/ws`, 'dave');
    const resting = await c.submitOrder({ portfolioId: 'TRADE1', instrument: 'BBB', side: 'buy', qty: 1, orderType: 'limit', limitPrice: 48 });
    expect(resting).toMatchObject({ type: 'ack', status: 'open' });
    proxy.muteReplies();
    const cancel = c.cancelOrder({ portfolioId: 'TRADE1', orderId: (resting as { orderId: string }).orderId });
    const dropped = once(c, 'disconnected');
    proxy.cut();
    await expect(cancel).rejects.toMatchObject({ code: 'DISCONNECTED' });
    await dropped;
    // While it waits to reconnect, an order waits too; close() fails it.
    const waiting = c.submitOrder({ portfolioId: 'TRADE1', instrument: 'BBB', side: 'buy', qty: 1, orderType: 'limit', limitPrice: 1 });
    await c.close();
    await c.close();
    await expect(waiting).rejects.toMatchObject({ code: 'CLOSED' });
    expect(() => c.tick({ symbol: 'BBB', price: 1, ts: 1 })).toThrow(ClientError);
  });
});
