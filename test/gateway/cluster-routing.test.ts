/**
 * Scale-out routing end to end in one process: two real gateways (uWS, each with its own in-memory
 * engine and its own cluster router), linked by the real websocket transport, sharing a routing
 * map held in memory (static-ownership.ts: the PostgreSQL coordinator is tested on its own) that
 * splits 8 partitions: 0-3 to A, 4-6 to B, 7 to nobody at first. Clients are real websocket and
 * HTTP clients of engine A.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode, encode } from '@msgpack/msgpack';
import uWS from 'uWebSockets.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { partitionOf } from '../../src/engine/cluster/partitions.js';
import { InProcessRiskCalculator } from '../../src/engine/risk/in-process-calculator.js';
import { syntheticScenarioSet } from '../../src/engine/risk/realtime-scenarios.js';
import { Engine } from '../../src/engine/runtime/engine.js';
import type { Role } from '../../src/gateway/auth.js';
import type { ClusterMetrics } from '../../src/gateway/cluster/cluster-metrics.js';
import { ClusterRouter } from '../../src/gateway/cluster/cluster-router.js';
import { CLUSTER_PATH, endpointOf } from '../../src/gateway/cluster/endpoint.js';
import { WsClusterTransport } from '../../src/gateway/cluster/ws-transport.js';
import { type Gateway, startGateway } from '../../src/gateway/server.js';
import { SigningKeyRing } from '../../src/gateway/signing-keys.js';
import { Tokens } from '../../src/gateway/tokens.js';
import { Client, type Msg } from './harness.js';
import { StaticClusterMap } from './cluster/static-ownership.js';

const PARTITIONS = 8;
const SECRET = 'a-cluster-secret-for-tests-only';
const MOVE_WAIT_MS = 400;

interface Node {
  readonly id: string;
  readonly engine: Engine;
  readonly gateway: Gateway;
  readonly transport: WsClusterTransport;
  readonly router: ClusterRouter;
  readonly counts: { forwarded: Record<string, number>; waited: Record<string, number>; ticksSent: number; ticksReceived: number };
  readonly url: string;
  readonly http: string;
}

const map = new StaticClusterMap(PARTITIONS);
map.assign([0, 1, 2, 3], 'A');
map.assign([4, 5, 6], 'B');
let keyDir: string;
let tokens: Tokens;
let a: Node;
let b: Node;
const clients: Client[] = [];

/** A portfolio id whose partition is `p` (ids are hashed, so some are tried). */
function portfolioIn(p: number, prefix: string): string {
  for (let i = 0; ; i++) if (partitionOf(`${prefix}-${i}`, PARTITIONS) === p) return `${prefix}-${i}`;
}
const P_B = portfolioIn(5, 'pb');
const P_B2 = portfolioIn(6, 'pb2');
const P_B3 = portfolioIn(4, 'pb3');
const P_A = portfolioIn(1, 'pa');
const P_FREE = portfolioIn(7, 'pf');
const P_FREE2 = portfolioIn(7, 'pg');

async function startNode(id: string): Promise<Node> {
  const sc = syntheticScenarioSet({ underlyings: ['AAA', 'BBB'], dailyVol: 0.02, correlation: 0.3, seed: 7 });
  if (!sc.ok) throw new Error(sc.message);
  const engine = new Engine({ calculator: new InProcessRiskCalculator({ scenarios: sc.value }), clock: { nowMs: () => Date.now() }, rate: 0.04 });
  const view = map.viewOf(id);
  const transport = new WsClusterTransport({ self: id, secret: SECRET, peers: () => view.engines(), onPeersChange: (l) => view.onChange(l), pingMs: 500 });
  const counts: Node['counts'] = { forwarded: {}, waited: {}, ticksSent: 0, ticksReceived: 0 };
  const metrics: ClusterMetrics = {
    forwarded: (kind, outcome) => void (counts.forwarded[`${kind}:${outcome}`] = (counts.forwarded[`${kind}:${outcome}`] ?? 0) + 1),
    waited: (outcome) => void (counts.waited[outcome] = (counts.waited[outcome] ?? 0) + 1),
    ticks: (direction, n) => void (direction === 'sent' ? (counts.ticksSent += n) : (counts.ticksReceived += n)),
  };
  const router = new ClusterRouter({ ownership: view, transport, moveWaitMs: MOVE_WAIT_MS, metrics });
  const gateway = await startGateway(engine, { host: '127.0.0.1', port: 0, jwt: tokens, cluster: router });
  map.join(id, endpointOf('127.0.0.1', gateway.port));
  return { id, engine, gateway, transport, router, counts, url: `ws://127.0.0.1:${gateway.port}/ws`, http: `http://127.0.0.1:${gateway.port}` };
}

async function until(what: string, cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const token = (sub: string, roles: Role[], portfolios: string[]) =>
  tokens.issueAccess({ sub, grants: roles.map((role) => ({ role, portfolios })), amr: ['dev'] }, 600, Date.now());

async function login(node: Node, sub: string, roles: Role[], portfolios: string[]): Promise<Client> {
  const c = await Client.login(node.url, await token(sub, roles, portfolios));
  clients.push(c);
  return c;
}

let orderSeq = 0;
const limitOrder = (portfolioId: string, limitPrice = 95): Msg => ({
  type: 'order', portfolioId, clientOrderId: `c-${++orderSeq}`, instrument: 'AAA', side: 'buy', qty: 1, orderType: 'limit', limitPrice,
});

beforeAll(async () => {
  keyDir = mkdtempSync(join(tmpdir(), 'cluster-keys-'));
  // One signing-key ring for the deployment: the engines share their token keys.
  tokens = new Tokens({ keys: SigningKeyRing.open({ dir: keyDir, createIfEmpty: true }), issuer: 'test-issuer', audience: 'test-gateway' });
  a = await startNode('A');
  b = await startNode('B');
  a.transport.start();
  b.transport.start();
  await until('the link', () => a.transport.linkUp('B') && b.transport.linkUp('A'));
  for (const id of [P_B, P_B2, P_B3, P_FREE, P_FREE2]) expect((await b.engine.createPortfolio({ portfolioId: id, cash: 1_000_000 }, 'test')).ok).toBe(true);
  expect((await a.engine.createPortfolio({ portfolioId: P_A, cash: 1_000_000 }, 'test')).ok).toBe(true);
  // A price for AAA on both engines (through B's feed, which passes it on to A).
  const feed = await login(b, 'feed-b', ['feed'], []);
  expect(await feed.request({ type: 'tick', symbol: 'AAA', price: 100, ts: Date.now() })).toMatchObject({ type: 'ack', status: 'accepted' });
  await until('the first tick on A', () => a.counts.ticksReceived >= 1);
});

afterAll(async () => {
  for (const c of clients) await c.close();
  for (const n of [a, b]) {
    if (n === undefined) continue;
    await n.router.close();
    await n.transport.close();
    await n.gateway.close();
    await n.engine.close();
  }
  rmSync(keyDir, { recursive: true, force: true });
});

describe('websocket messages for a portfolio another engine owns', () => {
  it("forwards an order to the owner and relays the owner's ack: the owner's engine holds the order, the forwarder's does not", async () => {
    const c = await login(a, 'alice', ['trader'], [P_B]);
    const ack = await c.request(limitOrder(P_B));
    expect(ack).toMatchObject({ type: 'ack', status: 'open', filledQty: 0 });
    expect(b.engine.getOrder(ack.orderId)).toMatchObject({ portfolioId: P_B, status: 'open' });
    expect(a.engine.getOrder(ack.orderId)).toBeUndefined();
    expect(a.engine.hasPortfolio(P_B)).toBe(false);
    expect(a.counts.forwarded['order:answered']).toBeGreaterThanOrEqual(1);
  });

  it('forwards a cancel likewise', async () => {
    const c = await login(a, 'alice', ['trader'], [P_B]);
    const ack = await c.request(limitOrder(P_B));
    const cancelled = await c.request({ type: 'cancel', portfolioId: P_B, orderId: ack.orderId });
    expect(cancelled).toMatchObject({ type: 'ack', orderId: ack.orderId, status: 'cancelled' });
    expect(b.engine.getOrder(ack.orderId)?.status).toBe('cancelled');
  });

  it('lets the owner refuse a client its grants do not cover, and keeps nothing of the order there', async () => {
    const c = await login(a, 'mallory', ['trader'], [P_A]);
    const before = b.engine.listOrders(P_B).length;
    const forwarded = a.counts.forwarded['order:answered'] ?? 0;
    const r = await c.request(limitOrder(P_B));
    expect(r).toMatchObject({ type: 'error', code: 'FORBIDDEN' });
    expect(b.engine.listOrders(P_B).length).toBe(before);
    // The refusal came from the owner: the message crossed the link and was answered there.
    expect(a.counts.forwarded['order:answered']).toBe(forwarded + 1);
  });

  it('still handles a portfolio the engine owns itself, without the link', async () => {
    const c = await login(a, 'alice', ['trader'], [P_A]);
    const sent = a.counts.forwarded['order:answered'] ?? 0;
    const ack = await c.request(limitOrder(P_A));
    expect(ack).toMatchObject({ type: 'ack', status: 'open' });
    expect(a.engine.getOrder(ack.orderId)).toBeDefined();
    expect(a.counts.forwarded['order:answered'] ?? 0).toBe(sent);
  });
});

describe('a partition with no owner', () => {
  it('holds its messages for the wait, then answers PARTITION_MOVING', async () => {
    const c = await login(a, 'alice', ['trader'], [P_FREE]);
    const t0 = Date.now();
    const order = limitOrder(P_FREE);
    const r = await c.request(order);
    // A reject as any refusal of an order, naming the clientOrderId to resend under.
    expect(r).toMatchObject({ type: 'reject', code: 'PARTITION_MOVING', clientOrderId: order.clientOrderId });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(MOVE_WAIT_MS - 20);
    expect(b.engine.listOrders(P_FREE)).toHaveLength(0);
    expect(a.counts.waited.timedOut).toBeGreaterThanOrEqual(1);
  });

  it('sends a waiting message on as soon as an owner appears within the wait', async () => {
    const c = await login(a, 'alice', ['trader'], [P_FREE2]);
    const answer = c.request(limitOrder(P_FREE2));
    setTimeout(() => map.assign([7], 'B'), 100);
    expect(await answer).toMatchObject({ type: 'ack', status: 'open' });
    expect(b.engine.listOrders(P_FREE2)).toHaveLength(1);
    map.assign([7], undefined);
  });

  it('answers REST for such a portfolio 503 PARTITION_MOVING after the wait', async () => {
    const r = await http(a, 'GET', `/portfolios/${P_FREE}`, await token('reader', ['trader'], [P_FREE]));
    expect(r.status).toBe(503);
    expect(r.body).toMatchObject({ code: 'PARTITION_MOVING' });
  });
});

describe('ticks', () => {
  it('a tick a feed gives engine A reaches engine B, whose market subscribers see it', async () => {
    const watcher = await login(b, 'bob', ['trader'], [P_B]);
    expect(await watcher.request({ type: 'subscribe', channel: 'market', symbol: 'BBB' })).toMatchObject({ type: 'subscribed' });
    const feed = await login(a, 'feed-a', ['feed'], []);
    expect(await feed.request({ type: 'tick', symbol: 'BBB', price: 42.5, ts: Date.now() })).toMatchObject({ type: 'ack', status: 'accepted' });
    expect(await watcher.next((m) => m.type === 'tick' && m.symbol === 'BBB')).toMatchObject({ price: 42.5 });
  });
});

describe('subscriptions to a portfolio another engine owns', () => {
  it("relays the owner's order updates and risk to a client subscribed at engine A", async () => {
    const sub = await login(a, 'watcher', ['trader'], [P_B2]);
    expect(await sub.request({ type: 'subscribe', channel: 'orders', portfolioId: P_B2 })).toMatchObject({ type: 'subscribed', portfolioId: P_B2 });
    expect(await sub.request({ type: 'subscribe', channel: 'risk', portfolioId: P_B2 })).toMatchObject({ type: 'subscribed', portfolioId: P_B2 });
    // An order placed at the owner itself, by another client.
    const trader = await login(b, 'bob', ['trader'], [P_B2]);
    const ack = await trader.request(limitOrder(P_B2));
    expect(await sub.next((m) => m.type === 'order' && m.orderId === ack.orderId)).toMatchObject({ portfolioId: P_B2, status: 'open' });
    expect(await sub.next((m) => m.type === 'risk' && m.portfolioId === P_B2)).toMatchObject({ portfolioId: P_B2 });
  });

  it('gives a client that trades and watches a remote portfolio each fill once, after its ack, immediate and later fills alike', async () => {
    const c = await login(a, 'both', ['trader'], [P_B3]);
    expect(await c.request({ type: 'subscribe', channel: 'orders', portfolioId: P_B3 })).toMatchObject({ type: 'subscribed' });
    const market = await c.request({ type: 'order', portfolioId: P_B3, clientOrderId: 'm-1', instrument: 'AAA', side: 'buy', qty: 2, orderType: 'market' });
    expect(market).toMatchObject({ type: 'ack', status: 'filled' });
    const resting = await c.request({ type: 'order', portfolioId: P_B3, clientOrderId: 'l-1', instrument: 'AAA', side: 'buy', qty: 1, orderType: 'limit', limitPrice: 99 });
    expect(resting).toMatchObject({ type: 'ack', status: 'open' });
    const feed = await login(a, 'feed-a2', ['feed'], []);
    await feed.request({ type: 'tick', symbol: 'AAA', price: 98.5, ts: Date.now() });
    await c.next((m) => m.type === 'fill' && m.orderId === resting.orderId);
    // Time for a duplicate to arrive, if one were coming.
    await new Promise((r) => setTimeout(r, 150));
    const fillsOf = (orderId: string) => c.received.filter((m) => m.type === 'fill' && m.orderId === orderId);
    expect(fillsOf(market.orderId)).toHaveLength(1);
    expect(fillsOf(resting.orderId)).toHaveLength(1);
    expect(c.received.indexOf(fillsOf(market.orderId)[0]!)).toBeGreaterThan(c.received.indexOf(market));
    // AAA back at 100 for the tests after this one.
    await feed.request({ type: 'tick', symbol: 'AAA', price: 100, ts: Date.now() });
  });

  it('refuses a subscription the grants do not cover, and one to a portfolio that exists nowhere', async () => {
    const c = await login(a, 'nosy', ['trader'], [P_A]);
    expect(await c.request({ type: 'subscribe', channel: 'orders', portfolioId: P_B2 })).toMatchObject({ type: 'error', code: 'FORBIDDEN' });
    const ghost = portfolioIn(4, 'ghost');
    const d = await login(a, 'ghostly', ['trader'], [ghost]);
    const asked = a.counts.forwarded['watch:answered'] ?? 0;
    expect(await d.request({ type: 'subscribe', channel: 'risk', portfolioId: ghost })).toMatchObject({ type: 'error', code: 'NOT_FOUND' });
    // The owner was asked, and said it has no such portfolio.
    expect(a.counts.forwarded['watch:answered']).toBe(asked + 1);
  });
});

async function http(node: Node, method: string, path: string, bearer: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(node.http + path, {
    method, headers: { authorization: `Bearer ${bearer}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
}

describe('REST for a portfolio another engine owns', () => {
  it("a read through engine A returns engine B's view of it", async () => {
    const r = await http(a, 'GET', `/portfolios/${P_B}`, await token('reader', ['trader'], [P_B]));
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ portfolioId: P_B, cash: 1_000_000 });
    expect(r.body.openOrders.length).toBe(b.engine.getPortfolio(P_B)?.openOrders.length);
    expect(a.counts.forwarded['rest:answered']).toBeGreaterThanOrEqual(1);
  });

  it('a limits change through engine A lands on engine B, and the owner refuses what the token does not allow', async () => {
    const ok = await http(a, 'POST', '/risk/limits', await token('rm', ['risk_manager'], [P_B]), { portfolioId: P_B, maxOrderQty: 777 });
    expect(ok.status).toBe(200);
    expect(b.engine.getPortfolio(P_B)?.limits.maxOrderQty).toBe(777);
    const refused = await http(a, 'POST', '/risk/limits', await token('rm2', ['risk_manager'], [P_A]), { portfolioId: P_B, maxOrderQty: 1 });
    expect(refused.status).toBe(403);
    expect(b.engine.getPortfolio(P_B)?.limits.maxOrderQty).toBe(777);
  });
});

describe('the internal link', () => {
  const linkUrl = () => `ws://127.0.0.1:${a.gateway.port}${CLUSTER_PATH}`;

  /** The HTTP status of an upgrade to the internal route with these headers (101 when accepted). */
  function upgradeStatus(headers: Record<string, string>): Promise<number> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(linkUrl(), { headers });
      ws.on('open', () => {
        ws.terminate();
        resolve(101);
      });
      ws.on('unexpected-response', (_req, res) => {
        resolve(res.statusCode ?? 0);
        ws.terminate();
      });
      ws.on('error', (e) => reject(e));
    });
  }

  it('refuses an upgrade without the cluster secret, or with a wrong one', async () => {
    const refusedBefore = a.transport.counters.refusedUpgrades;
    expect(await upgradeStatus({ 'x-cluster-engine': 'Z' })).toBe(401);
    expect(await upgradeStatus({ 'x-cluster-engine': 'Z', 'x-cluster-secret': `${SECRET}x` })).toBe(401);
    expect(await upgradeStatus({ 'x-cluster-secret': SECRET })).toBe(401);
    expect(a.transport.counters.refusedUpgrades).toBe(refusedBefore + 3);
    expect(a.transport.connectedPeers()).toEqual(['B']);
  });

  it('survives hostile frames from an authenticated peer, answering malformed requests as failed', async () => {
    const ws = new WebSocket(linkUrl(), { headers: { 'x-cluster-engine': 'Z', 'x-cluster-secret': SECRET } });
    const answers: unknown[] = [];
    ws.on('message', (d: Buffer) => answers.push(d));
    await new Promise((r, j) => (ws.on('open', r), ws.on('error', j)));
    const bad = a.transport.counters.badFrames;
    const frames: (Buffer | Uint8Array | string)[] = [
      Buffer.from([0xc1, 0xff, 0x00]), // not MessagePack
      'a text frame',
      encode([1, 2, 3]),
      encode({ k: 'req', id: -1, body: {} }),
      encode({ k: 'req', id: 1, body: { t: 'client', sid: 1, principal: { sub: 'x' }, msg: { type: 'order' }, arrivedAgoMs: 0 } }),
      encode({ k: 'req', id: 2, body: { t: 'watch', channel: 'risk', portfolioId: 'x'.repeat(10_000), delta: 1 } }),
      encode({ k: 'push', body: { t: 'frames', sid: 999_999, frames: [new Uint8Array([1, 2])], late: true } }),
      encode({ k: 'push', body: { t: 'ticks', ticks: [['AAA', Number.NaN, 0], ['AAA', -1, Date.now()]] } }),
      encode({ k: 'push', body: { t: 'event', channel: 'risk', portfolioId: P_B, event: { type: 'risk', portfolioId: P_B, risk: 'garbage' } } }),
      encode({ k: 'ans', id: 12345, body: { t: 'done' } }),
      encode({ k: 'push', body: { t: 'closed', sid: 'x' } }),
    ];
    for (const f of frames) ws.send(f);
    await until('two failed answers', () => answers.length >= 2);
    expect(answers.map((x) => decode(x as Buffer))).toEqual([
      { k: 'ans', id: 1, body: expect.objectContaining({ t: 'failed', code: 'BAD_REQUEST' }) },
      { k: 'ans', id: 2, body: expect.objectContaining({ t: 'failed', code: 'BAD_REQUEST' }) },
    ]);
    expect(a.transport.counters.badFrames).toBeGreaterThan(bad);
    ws.close();
    // Engine A and its link to B still work.
    const c = await login(a, 'alice', ['trader'], [P_B]);
    expect(await c.request(limitOrder(P_B))).toMatchObject({ type: 'ack', status: 'open' });
    expect(a.transport.linkUp('B')).toBe(true);
  });
});

describe('a link that drops', () => {
  it('fails the message in flight with PARTITION_MOVING, and the link comes back', async () => {
    // Engine C answers nothing: a request to it stays in flight until its link drops.
    const app = uWS.App();
    const c = new WsClusterTransport({ self: 'C', secret: SECRET, peers: () => [], onPeersChange: () => () => {} });
    const heard: string[] = [];
    c.serve({ request: (from) => (heard.push(from), new Promise(() => {})), push: () => {}, linkChanged: () => {} });
    c.attach(app);
    const listen = await new Promise<uWS.us_listen_socket>((r) => app.listen('127.0.0.1', 0, (ls) => r(ls as uWS.us_listen_socket)));
    try {
      map.join('C', endpointOf('127.0.0.1', uWS.us_socket_local_port(listen)));
      await until('the link to C', () => a.transport.linkUp('C'));
      map.assign([7], 'C');
      const client = await login(a, 'alice', ['trader'], [P_FREE]);
      const answer = client.request(limitOrder(P_FREE));
      await until('C to hear the order', () => heard.includes('A'));
      a.transport.disconnect('C');
      expect(await answer).toMatchObject({ type: 'reject', code: 'PARTITION_MOVING' });
      expect(a.counts.forwarded['order:moving']).toBeGreaterThanOrEqual(1);
      await until('the link to C again', () => a.transport.linkUp('C'));
    } finally {
      map.assign([7], undefined);
      map.leave('C');
      await c.close();
      uWS.us_listen_socket_close(listen);
    }
  });
});
