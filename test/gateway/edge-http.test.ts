/**
 * The HTTP edge over the real uWS gateway: malformed paths, wrong methods, the headers of every
 * answer, CORS, liveness and readiness, a handler that throws, the token checked before the body
 * and the pages of GET /trades (large answers: large-answer.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kycRoutes } from '../../src/gateway/kyc-routes.js';
import { KycService } from '../../src/persistence/kyc-service.js';
import { KycStore } from '../../src/persistence/kyc-store.js';
import { MemoryKycRows } from '../../src/persistence/kyc-rows-memory.js';
import { memoryDataKeys } from '../../src/persistence/memory-data-keys.js';
import { Client, type Stack, httpJson, startStack } from './harness.js';
import { rawRequest } from './raw-http.js';

const ORIGIN = 'https://desk.example.com';
const logs: { level: string; msg: string; fields?: Record<string, unknown> }[] = [];
let ready = true;
let stack: Stack;
let admin: string, trader: string;

beforeAll(async () => {
  stack = await startStack({
    corsOrigins: [ORIGIN],
    // As behind a declared TLS proxy: HSTS then goes on every answer too.
    hsts: true,
    maxBodyBytes: 64 * 1024,
    log: (level, msg, fields) => logs.push({ level, msg, ...(fields ? { fields } : {}) }),
    readiness: () => ({ ready, components: { database: ready ? 'ok' : 'writer lock reconnecting', journal: 'ok', queues: 'ok' } }),
    // An operator port whose listing fails with a plain (uncoded) error: the route rethrows it.
    admin: {
      listDeadLetters: () => Promise.reject(new Error('connection terminated unexpectedly: secret detail at pg/lib/client.js:132')),
      replayDeadLetter: () => Promise.resolve(),
    },
  }, { historyLimit: 10_000 });
  [admin, trader] = await Promise.all([stack.token('ada', ['admin'], ['*']), stack.token('tom', ['trader'], ['E1'])]);
  expect((await stack.engine.createPortfolio({ portfolioId: 'E1', cash: 1e9, limits: { submitRateLimit: 1_000_000, maxOrderQty: Infinity, maxOrderNotional: Infinity } }, 'test')).ok).toBe(true);
  expect((await stack.engine.createPortfolio({ portfolioId: 'E2', cash: 1e6 }, 'test')).ok).toBe(true);
  const feed = await Client.login(stack.url, await stack.token('feed', ['feed'], []));
  expect(await feed.request({ type: 'tick', symbol: 'AAA', price: 100, ts: stack.nextTickTs() })).toMatchObject({ type: 'ack' });
  await feed.close();
});

afterAll(() => stack?.close());

const port = () => stack.gateway.port;

describe('HTTP edge: nothing a caller sends stops the engine', () => {
  it('answers 400 BAD_PATH for a malformed escape on every route with a path parameter, with or without a token', async () => {
    const routes = ['GET /portfolios/', 'GET /trades/', 'DELETE /trades/', 'POST /admin/dead-letters/'];
    for (const escape of ['%E0%A4%A', '%', '%zz', '%C0%AF', '%ED%A0%80', '%FF']) {
      for (const r of routes) {
        const [method, prefix] = r.split(' ') as [string, string];
        const suffix = method === 'POST' ? '/replay' : '';
        for (const auth of ['', `\r\nAuthorization: Bearer ${admin}`]) {
          const body = method === 'POST' ? '{}' : '';
          const a = await rawRequest(port(), `${method} ${prefix}${escape}${suffix} HTTP/1.1\r\nHost: x${auth}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}`, body);
          expect(a.status, `${method} ${prefix}${escape}${suffix}`).toBe(400);
          expect(JSON.parse(a.body)).toMatchObject({ code: 'BAD_PATH', requestId: a.headers['x-request-id'] });
        }
      }
    }
    expect((await httpJson(stack, 'GET', '/livez')).status).toBe(200);
  });

  it('refuses numbers that are finite but absurd (a notional that would be Infinity) with 400 INVALID_MESSAGE', async () => {
    const bad = [
      ['/portfolios', { portfolioId: 'HUGE', cash: 1e308 }, 'cash'],
      ['/portfolios', { portfolioId: 'HUGE', cash: 1, positions: [{ instrument: 'AAA', qty: -1e300 }] }, 'positions.0.qty'],
      ['/portfolios', { portfolioId: 'HUGE', cash: 1, positions: [{ instrument: 'AAA', qty: 1, avgPrice: 1e300 }] }, 'positions.0.avgPrice'],
      ['/trades', { portfolioId: 'E1', clientOrderId: 'h1', instrument: 'AAA', side: 'buy', qty: 1e300, orderType: 'market' }, 'qty'],
      ['/trades', { portfolioId: 'E1', clientOrderId: 'h2', instrument: 'AAA', side: 'buy', qty: 1, orderType: 'limit', limitPrice: 1e300 }, 'limitPrice'],
    ] as const;
    for (const [path, body, field] of bad) {
      expect(await httpJson(stack, 'POST', path, { token: admin, body }), field).toMatchObject({ status: 400, body: { code: 'INVALID_MESSAGE', message: expect.stringMatching(new RegExp(`^${field.replace('.', '\\.')}:`)) } });
    }
    expect(stack.engine.hasPortfolio('HUGE')).toBe(false);
  });

  it('decodes a valid escape once: a portfolio id with a space is found', async () => {
    expect((await stack.engine.createPortfolio({ portfolioId: 'E 3', cash: 1 }, 'test')).ok).toBe(true);
    expect(await httpJson(stack, 'GET', '/portfolios/E%203', { token: admin })).toMatchObject({ status: 200, body: { portfolioId: 'E 3' } });
    expect(await httpJson(stack, 'GET', '/portfolios/E%25203', { token: admin })).toMatchObject({ status: 404 });
  });

  it('answers 405 with Allow for a wrong method on a known route, and OPTIONS lists the methods', async () => {
    for (const [method, path, allow] of [
      ['PUT', '/trades', 'GET, POST, OPTIONS'], ['PATCH', '/trades/x', 'GET, DELETE, OPTIONS'], ['DELETE', '/portfolios', 'POST, OPTIONS'],
      ['POST', '/health', 'GET, OPTIONS'], ['DELETE', '/livez', 'GET, OPTIONS'], ['GET', '/admin/dead-letters/x/replay', 'POST, OPTIONS'],
    ] as const) {
      const a = await rawRequest(port(), `${method} ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: 0`);
      expect(a.status, `${method} ${path}`).toBe(405);
      expect(a.headers.allow).toBe(allow);
      expect(JSON.parse(a.body)).toMatchObject({ code: 'METHOD_NOT_ALLOWED' });
    }
    const o = await rawRequest(port(), 'OPTIONS /trades HTTP/1.1\r\nHost: x');
    expect(o.status).toBe(204);
    expect(o.headers.allow).toBe('GET, POST, OPTIONS');
    expect((await rawRequest(port(), 'PUT /nowhere HTTP/1.1\r\nHost: x\r\nContent-Length: 0')).status).toBe(404);
  });

  it('puts the security headers and a request id on every answer, and the same id in error bodies', async () => {
    const answers = [
      await rawRequest(port(), 'GET /livez HTTP/1.1\r\nHost: x'),
      await rawRequest(port(), 'GET /portfolios/E1 HTTP/1.1\r\nHost: x'),
      await rawRequest(port(), `GET /portfolios/E1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${admin}`),
      await rawRequest(port(), 'GET /nowhere HTTP/1.1\r\nHost: x'),
      await rawRequest(port(), 'PUT /trades HTTP/1.1\r\nHost: x\r\nContent-Length: 0'),
      await rawRequest(port(), `POST /portfolios HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${admin}\r\nContent-Type: text/plain\r\nContent-Length: 2`, 'hi'),
      await rawRequest(port(), 'GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nAuthorization: Bearer nope'),
      await rawRequest(port(), `POST /portfolios HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${admin}\r\nContent-Type: application/json\r\nContent-Length: ${1024 * 1024}`),
      await rawRequest(port(), 'GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: https://evil.example'),
      await rawRequest(port(), 'GET /ws HTTP/1.1\r\nHost: x'),
      await rawRequest(port(), `GET /admin/dead-letters HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${admin}`),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 401, 200, 404, 405, 415, 401, 413, 403, 426, 500]);
    const ids = new Set<string>();
    for (const a of answers) {
      expect(a.headers).toMatchObject({
        'x-content-type-options': 'nosniff', 'cache-control': 'no-store',
        'content-security-policy': "default-src 'none'; frame-ancestors 'none'", 'referrer-policy': 'no-referrer',
        'strict-transport-security': 'max-age=31536000; includeSubDomains',
      });
      // Neither our version nor the runtime's; nor a stack trace. (uWS itself adds `uWebSockets: 20`,
      // its major version; the licence gates turning it off, so a proxy in front strips it.)
      expect(a.headers.server).toBeUndefined();
      expect(a.headers['x-powered-by']).toBeUndefined();
      expect(a.body).not.toMatch(/\bat \S+ \(|node:internal|\.ts:\d+|\.js:\d+/);
      expect(a.body).not.toContain(process.version);
      expect(a.headers['x-request-id']).toMatch(/^[0-9a-f]{8}-[0-9a-z]+$/);
      ids.add(a.headers['x-request-id']!);
      if (a.status >= 400) expect(JSON.parse(a.body).requestId).toBe(a.headers['x-request-id']);
    }
    expect(ids.size).toBe(answers.length);
  });

  it('answers CORS only for an allowed origin, preflight included', async () => {
    const allowed = await rawRequest(port(), `GET /livez HTTP/1.1\r\nHost: x\r\nOrigin: ${ORIGIN}`);
    expect(allowed.headers['access-control-allow-origin']).toBe(ORIGIN);
    expect(allowed.headers.vary).toBe('Origin');
    const foreign = await rawRequest(port(), 'GET /livez HTTP/1.1\r\nHost: x\r\nOrigin: https://evil.example');
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
    const pre = await rawRequest(port(), `OPTIONS /trades HTTP/1.1\r\nHost: x\r\nOrigin: ${ORIGIN}\r\nAccess-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: authorization, content-type`);
    expect(pre.status).toBe(204);
    expect(pre.headers).toMatchObject({ 'access-control-allow-origin': ORIGIN, 'access-control-allow-methods': 'GET, POST, OPTIONS', 'access-control-allow-headers': 'authorization, content-type' });
    const preForeign = await rawRequest(port(), 'OPTIONS /trades HTTP/1.1\r\nHost: x\r\nOrigin: https://evil.example\r\nAccess-Control-Request-Method: POST');
    expect(preForeign.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('refuses a websocket from a foreign browser origin (403) and opens one from an allowed origin or none', async () => {
    const tok = await stack.token('tom', ['trader'], ['E1']);
    await expect(Client.connect(stack.url, { header: tok, origin: 'https://evil.example' })).rejects.toMatchObject({ status: 403, body: expect.stringContaining('ORIGIN_NOT_ALLOWED') });
    const a = await Client.connect(stack.url, { header: tok, origin: ORIGIN });
    const b = await Client.connect(stack.url, { header: tok });
    await Promise.all([a.close(), b.close()]);
  });

  it('turns a throwing handler into 500 INTERNAL with its request id, logs the stack under that id, and shows the caller no internals', async () => {
    const r = await rawRequest(port(), `GET /admin/dead-letters HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${admin}`);
    expect(r.status).toBe(500);
    const body = JSON.parse(r.body);
    expect(body).toMatchObject({ code: 'INTERNAL', requestId: r.headers['x-request-id'] });
    expect(r.body).not.toMatch(/secret detail|pg\/lib|at /);
    const line = logs.find((l) => l.fields?.requestId === body.requestId);
    expect(line).toMatchObject({ level: 'error', fields: { error: expect.stringContaining('secret detail') } });
    expect(String(line?.fields?.error)).toMatch(/\n\s+at /);
    expect((await httpJson(stack, 'GET', '/portfolios/E1', { token: admin })).status).toBe(200);
  });

  it('says live with no detail, and ready only when orders can be accepted, naming the part that is not', async () => {
    expect(await httpJson(stack, 'GET', '/livez')).toEqual({ status: 200, body: { status: 'live' } });
    expect(await httpJson(stack, 'GET', '/readyz')).toMatchObject({ status: 200, body: { status: 'ready' } });
    ready = false;
    try {
      const r = await httpJson(stack, 'GET', '/readyz');
      expect(r).toMatchObject({ status: 503, body: { code: 'NOT_READY', components: { database: 'writer lock reconnecting' } } });
      expect((await stack.health()).body).toMatchObject({ status: 'ok', ready: false });
    } finally {
      ready = true;
    }
  });
});

describe('HTTP edge: a static path beside a parameter route', () => {
  it('answers 405 for a method the static path lacks, though a parameter route of that method matches its shape', async () => {
    // POST /kyc/documents and POST /kyc/submit beside GET /kyc/:userId: uWS 20.57 would hand a GET of
    // either to GET /kyc/:userId if the 405 were registered only as `any`.
    const kyc = new KycService({ store: new KycStore(new MemoryKycRows(), memoryDataKeys({ current: { id: 'k', key: Buffer.alloc(32) }, previous: [] })), audit: async () => {} });
    const s = await startStack({ routes: kycRoutes(kyc) });
    try {
      const token = await s.token('cleo', ['compliance_officer'], ['*']);
      for (const path of ['/kyc/documents', '/kyc/submit']) {
        for (const auth of ['', `\r\nAuthorization: Bearer ${token}`]) {
          const a = await rawRequest(s.gateway.port, `GET ${path} HTTP/1.1\r\nHost: x${auth}`);
          expect(a.status, `GET ${path}${auth ? ' with a token' : ''}`).toBe(405);
          expect(a.headers.allow).toBe('POST, OPTIONS');
        }
      }
      // The parameter route itself still answers its method.
      expect((await rawRequest(s.gateway.port, `GET /kyc/someone HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}`)).status).toBe(404);
    } finally {
      await s.close();
    }
  });
});

describe('HTTP edge: the token before the body', () => {
  it('refuses a bad token without waiting for the body it announced', async () => {
    // 60 KiB announced, none sent: the old gateway read the body first and never answered.
    const a = await rawRequest(port(), 'POST /portfolios HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer not.a.token\r\nContent-Type: application/json\r\nContent-Length: 61440', '', { timeoutMs: 3000, waitClose: true });
    expect(a.status).toBe(401);
    expect(a.closed).toBe(true);
  });

  it('reads the body of a fresh, valid token once jose has verified it', async () => {
    const fresh = await stack.token('ada-2', ['admin'], ['*']);
    const body = JSON.stringify({ portfolioId: 'E4', cash: 10 });
    const a = await rawRequest(port(), `POST /portfolios HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${fresh}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}`, body);
    expect(a.status).toBe(201);
  });
});

describe('HTTP edge: GET /trades pages', () => {
  const N = 1200;
  beforeAll(async () => {
    // Resting limit orders below the market (within the price collar): each is one open order with no fill.
    const outs = await Promise.all(Array.from({ length: N }, (_, i) => stack.engine.submitOrder('E1', { clientOrderId: `p${i}`, instrument: 'AAA', side: 'buy', qty: 1, orderType: 'limit', limitPrice: 95 }, 'tom')));
    expect(outs.filter((o) => o.kind === 'ack')).toHaveLength(N);
    await stack.engine.submitOrder('E2', { clientOrderId: 'q0', instrument: 'AAA', side: 'buy', qty: 1, orderType: 'market' }, 'ada');
  });

  it('walks every order once, in creation order, by limit and cursor', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const r = await httpJson(stack, 'GET', `/trades?portfolioId=E1&limit=500${cursor ? `&cursor=${cursor}` : ''}`, { token: trader });
      expect(r.status).toBe(200);
      expect(r.body.orders.length).toBeLessThanOrEqual(500);
      seen.push(...r.body.orders.map((o: { clientOrderId: string }) => o.clientOrderId));
      cursor = r.body.nextCursor;
      pages += 1;
    } while (cursor !== undefined && pages < 10);
    expect(seen).toEqual(Array.from({ length: N }, (_, i) => `p${i}`));
    expect(pages).toBe(3);
  });

  it('defaults to 100, caps at 1000, lists fills with their orders, and filters to what the token covers', async () => {
    const first = await httpJson(stack, 'GET', '/trades', { token: trader });
    expect(first.body.orders).toHaveLength(100);
    expect(first.body.orders.every((o: { portfolioId: string }) => o.portfolioId === 'E1')).toBe(true);
    const all = await httpJson(stack, 'GET', '/trades?limit=1000', { token: admin });
    expect(all.body.orders).toHaveLength(1000);
    expect(typeof all.body.nextCursor).toBe('string');
    const e2 = await httpJson(stack, 'GET', '/trades?portfolioId=E2', { token: admin });
    expect(e2.body.orders).toHaveLength(1);
    expect(e2.body.fills).toHaveLength(1);
    expect(e2.body.fills[0].orderId).toBe(e2.body.orders[0].orderId);
    expect(e2.body.nextCursor).toBeUndefined();
  });

  it('refuses a limit out of range and a cursor that is not one of this list', async () => {
    for (const q of ['limit=0', 'limit=1001', 'limit=abc', 'limit=1.5']) {
      expect(await httpJson(stack, 'GET', `/trades?portfolioId=E1&${q}`, { token: trader }), q).toMatchObject({ status: 400, body: { code: 'BAD_QUERY' } });
    }
    const page = await httpJson(stack, 'GET', '/trades?portfolioId=E1&limit=10', { token: trader });
    expect(await httpJson(stack, 'GET', `/trades?portfolioId=E2&cursor=${page.body.nextCursor}`, { token: admin })).toMatchObject({ status: 400, body: { code: 'BAD_QUERY' } });
    for (const c of ['garbage', '%00', 'W10', Buffer.from('["E1",-1]').toString('base64url')]) {
      expect(await httpJson(stack, 'GET', `/trades?portfolioId=E1&cursor=${c}`, { token: trader }), c).toMatchObject({ status: 400 });
    }
  });
});
