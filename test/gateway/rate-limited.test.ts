/**
 * Rate limits over real HTTP and websockets (the uWS gateway, the engine, the pool): a user's burst
 * gets 429 with Retry-After and the RateLimit fields while another user goes on; a refused request
 * never reaches its handler; `/auth/*` is limited per client address; a websocket's messages are
 * refused with RATE_LIMITED and a client that keeps on is closed with 4029; two gateways on one
 * Redis share one budget. Needs `npm run build` (the risk pool runs the compiled worker).
 */
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { Redis } from 'ioredis';
import uWS from 'uWebSockets.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLOSE_CODES } from '../../src/gateway/errors.js';
import { HttpPolicy, STRICT_TRANSPORT_SECURITY } from '../../src/gateway/http-policy.js';
import { Reply } from '../../src/gateway/http-util.js';
import { MemoryRateLimiter, RATE_LIMIT_DEFAULTS, type RatePolicies, type RestRateLimits, restAdmission, wsAdmission } from '../../src/gateway/rate-limit.js';
import { type Gateway, startGateway } from '../../src/gateway/server.js';
import { RedisRateLimiter } from '../../src/persistence/rate-limit-store.js';
import { Client, type Stack, httpJson, startStack } from './harness.js';
import { rawRequest } from './raw-http.js';

/** Slow refills (one token every 100 s): nothing comes back while a case runs. */
const POLICIES: RatePolicies = {
  ...RATE_LIMIT_DEFAULTS,
  read: { burst: 5, perSecond: 0.01 },
  write: { burst: 2, perSecond: 0.01 },
  wsMessages: { burst: 5, perSecond: 0.01 },
  wsCloseAfterRefusals: 3,
};
const SECURITY = {
  'x-content-type-options': 'nosniff', 'cache-control': 'no-store', 'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'", 'strict-transport-security': STRICT_TRANSPORT_SECURITY[1],
};

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ hsts: true, rateLimits: { limiter: new MemoryRateLimiter(), policies: POLICIES }, admission: wsAdmission(POLICIES) });
  expect((await stack.engine.createPortfolio({ portfolioId: 'L1', cash: 1e6 }, 'test')).ok).toBe(true);
});
afterAll(() => stack?.close());

describe('REST rate limits per user and route class', () => {
  it('answers a user\'s request beyond the burst with 429, Retry-After and the RateLimit fields, while another user gets 200', async () => {
    const [amy, bob] = await Promise.all([stack.token('amy', ['risk_manager'], ['*']), stack.token('bob', ['risk_manager'], ['*'])]);
    for (let i = 0; i < 5; i++) expect((await httpJson(stack, 'GET', '/portfolios/L1', { token: amy })).status).toBe(200);
    const refused = await rawRequest(stack.gateway.port, `GET /portfolios/L1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${amy}`);
    expect(refused.status).toBe(429);
    expect(refused.headers).toMatchObject({ ...SECURITY, 'retry-after': '100', 'ratelimit-policy': '"read";q=5;w=500', ratelimit: '"read";r=0;t=100' });
    expect(JSON.parse(refused.body)).toEqual({
      code: 'RATE_LIMITED', message: 'rate limit of read requests reached: at most 5 at once, then 0.01 per second; retry in 100 s', requestId: refused.headers['x-request-id'],
    });
    expect((await httpJson(stack, 'GET', '/portfolios/L1', { token: bob })).status).toBe(200);
    // Another route class of the same user has its own bucket.
    expect((await httpJson(stack, 'POST', '/risk/limits', { token: amy, body: { portfolioId: 'L1', limits: { maxLeverage: 5 } } })).status).toBe(200);
  });

  it('never runs the handler of a refused request', async () => {
    const admin = await stack.token('ada', ['admin'], ['*']);
    const create = (id: string) => httpJson(stack, 'POST', '/portfolios', { token: admin, body: { portfolioId: id, cash: 1000 } });
    expect([(await create('N1')).status, (await create('N2')).status, (await create('N3')).status]).toEqual([201, 201, 429]);
    expect(stack.engine.getPortfolio('N2')).toBeDefined();
    expect(stack.engine.getPortfolio('N3')).toBeUndefined();
  });
});

describe('REST rate limits per client address (/auth/*)', () => {
  let app: uWS.TemplatedApp;
  let listen: uWS.us_listen_socket;
  let port = 0;
  let served = 0;
  beforeAll(async () => {
    // A public route as the account routes will be: the check runs before anything else.
    const limits: RestRateLimits = { limiter: new MemoryRateLimiter(), policies: RATE_LIMIT_DEFAULTS };
    const policy = new HttpPolicy({ extraHeaders: [STRICT_TRANSPORT_SECURITY] });
    app = uWS.App().post('/auth/login', (res) => {
      const reply = new Reply(res, 'r', policy, '');
      const ip = Buffer.from(res.getRemoteAddressAsText()).toString();
      void restAdmission(limits, { kind: 'address', ip, pattern: '/auth/login' }, Date.now()).then((refused) => {
        if (refused) return reply.send(refused, true);
        served += 1;
        reply.send({ status: 200, body: { ok: true } }, true);
      });
    });
    listen = await new Promise((resolve) => app.listen('0.0.0.0', 0, (ls) => resolve(ls as uWS.us_listen_socket)));
    port = uWS.us_socket_local_port(listen);
  });
  afterAll(() => uWS.us_listen_socket_close(listen));

  const login = (localAddress: string) => new Promise<{ status: number; headers: Record<string, unknown> }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/auth/login', localAddress }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });

  it('allows an address a burst of 10, refuses the 11th with 429, and serves another address meanwhile', async () => {
    const first = [];
    for (let i = 0; i < 11; i++) first.push((await login('127.0.0.1')).status);
    expect(first).toEqual([...Array(10).fill(200), 429]);
    const refused = await login('127.0.0.1');
    expect(refused).toMatchObject({ status: 429, headers: { 'retry-after': '1', 'ratelimit-policy': '"auth";q=10;w=10', ratelimit: '"auth";r=0;t=1' } });
    expect((await login('127.0.0.2')).status).toBe(200);
    expect(served).toBe(11);
  });
});

describe('websocket message rate limits per connection', () => {
  it('refuses a message beyond the budget with RATE_LIMITED (its id), and another connection of the user goes on', async () => {
    const tok = await stack.token('wes', ['risk_manager'], ['*']);
    const [a, b] = await Promise.all([Client.login(stack.url, tok), Client.login(stack.url, tok)]);
    for (let i = 0; i < 5; i++) expect(await a.request({ type: 'subscribe', channel: 'market', symbol: `S${i}` })).toMatchObject({ type: 'subscribed' });
    expect(await a.request({ type: 'subscribe', channel: 'market', symbol: 'S5' })).toMatchObject({ type: 'error', code: 'RATE_LIMITED', message: expect.stringContaining('at most 5 at once') });
    expect(await b.request({ type: 'subscribe', channel: 'market', symbol: 'S5' })).toMatchObject({ type: 'subscribed' });
    await Promise.all([a.close(), b.close()]);
  });

  it('closes a connection that keeps on sending after its refusals with 4029', async () => {
    const c = await Client.login(stack.url, await stack.token('kim', ['risk_manager'], ['*']));
    for (let i = 0; i < 5; i++) await c.request({ type: 'subscribe', channel: 'market', symbol: `S${i}` });
    for (let i = 0; i < 3; i++) c.send({ type: 'unsubscribe', channel: 'market', symbol: 'S0', id: 100 + i });
    const closed = await Promise.race([c.closed, new Promise((resolve) => setTimeout(resolve, 5000, 'still open after 5 s'))]);
    expect(closed).toEqual({ code: CLOSE_CODES.RATE_LIMITED, reason: 'rate limit: too many refused messages' });
    expect(c.received.filter((m) => m.code === 'RATE_LIMITED').map((m) => m.id)).toEqual([100, 101, 102]);
    expect(CLOSE_CODES.RATE_LIMITED).toBe(4029);
  });

  it('keeps a feed\'s ticks on their own budget: 200 ticks at once pass a message budget of 5, and leave it whole', async () => {
    const feed = await Client.login(stack.url, await stack.token('feed', ['feed', 'risk_manager'], ['*']));
    const acks = Array.from({ length: 200 }, (_, i) => feed.next((m) => m.id === 1000 + i));
    feed.sendBatch(Array.from({ length: 200 }, (_, i) => ({ type: 'tick', symbol: 'AAA', price: 100 + (i % 2) / 100, ts: stack.nextTickTs(), id: 1000 + i })));
    expect((await Promise.all(acks)).map((m) => m.type)).toEqual(Array(200).fill('ack'));
    for (let i = 0; i < 5; i++) expect(await feed.request({ type: 'subscribe', channel: 'market', symbol: `F${i}` })).toMatchObject({ type: 'subscribed' });
    await feed.close();
  });
});

describe('two gateways on one Redis', () => {
  let redis: Redis;
  let second: Gateway;
  const prefix = `rl-gw-${randomBytes(5).toString('hex')}:`;
  beforeAll(async () => {
    redis = new Redis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
    const shared = (): RestRateLimits => ({ limiter: new RedisRateLimiter({ redis, prefix }), policies: POLICIES });
    // Two engines' gateways: each with its own limiter object, the buckets only in Redis.
    second = await startGateway(stack.engine, { host: '127.0.0.1', port: 0, jwt: stack.tokens, rateLimits: shared() });
    third = await startGateway(stack.engine, { host: '127.0.0.1', port: 0, jwt: stack.tokens, rateLimits: shared() });
  });
  let third: Gateway;
  afterAll(async () => {
    await Promise.all([second?.close(), third?.close()]);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it('shares one budget per user: the burst spent on one gateway is gone on the other', async () => {
    const tok = await stack.token('sam', ['risk_manager'], ['*']);
    const get = async (gw: Gateway) => (await fetch(`http://127.0.0.1:${gw.port}/portfolios/L1`, { headers: { authorization: `Bearer ${tok}` } })).status;
    const statuses = [await get(second), await get(second), await get(second), await get(third), await get(third), await get(third), await get(second)];
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
  });
});
