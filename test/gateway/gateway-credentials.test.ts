/**
 * The gateway's credentials over real HTTP and websockets: the JWKS a verifier can use, a key rotated
 * under running clients, API keys, routes open without a token and routes added by the composition
 * root, and the grants enforced one by one (a risk manager on every portfolio who trades one).
 */
import { join } from 'node:path';
import * as jose from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failure, ok } from '../../src/engine/result.js';
import type { ApiKeyVerifier, SessionRevocations } from '../../src/gateway/identity/ports.js';
import type { PublicRouteSpec, RouteSpec } from '../../src/gateway/route-spec.js';
import { addKeyFile } from '../../src/gateway/signing-keys.js';
import { principalOf } from '../../src/gateway/tokens.js';
import { utimesSync } from 'node:fs';
import { Client, type Stack, httpJson, startStack } from './harness.js';
import { rawRequest } from './raw-http.js';

/**
 * The ApiKeyVerifier port as the gateway sees it, with two fixed keys (the account helper's store
 * implements it for real): a feed key, and a revoked one.
 */
const apiKeys: ApiKeyVerifier = {
  verify: (key, _nowMs) => {
    if (key === 'feed-key-1') return Promise.resolve(ok(principalOf({ sub: 'apikey:feed-1', grants: [{ role: 'feed', portfolios: [] }], expMs: Number.MAX_SAFE_INTEGER, amr: ['apikey'], via: 'apiKey' })));
    if (key === 'bot-key-1') return Promise.resolve(ok(principalOf({ sub: 'apikey:bot-1', grants: [{ role: 'trader', portfolios: ['G1'] }], expMs: Number.MAX_SAFE_INTEGER, amr: ['apikey'], via: 'apiKey' })));
    if (key === 'revoked-key') return Promise.resolve(failure('API_KEY_REVOKED', 'this API key was revoked'));
    return Promise.resolve(failure('API_KEY_INVALID', 'unknown API key'));
  },
};

const seen: { ip: string; body: unknown }[] = [];
const publicRoutes: PublicRouteSpec[] = [
  {
    method: 'post', pattern: '/auth/echo', paramCount: 0, hasBody: true, public: true,
    handle: (c) => {
      seen.push({ ip: c.ip, body: c.body });
      return { status: 200, body: { echoed: c.body } };
    },
  },
  { method: 'get', pattern: '/auth/ping', paramCount: 0, hasBody: false, public: true, handle: () => ({ status: 200, body: { pong: true } }) },
];
const routes: RouteSpec[] = [
  { method: 'get', pattern: '/auth/me', paramCount: 0, hasBody: false, handle: (c) => ({ status: 200, body: { sub: c.principal.sub, via: c.principal.via } }) },
];

/** The SessionRevocations port as the session store keeps it: revoked ids, and who to tell. */
const revokedIds = new Set<string>();
const revocationListeners = new Set<(e: { readonly userId: string; readonly sessionIds: readonly string[] }) => void>();
const revocations: SessionRevocations = {
  isRevoked: (sid) => revokedIds.has(sid),
  onRevoked: (listener) => {
    revocationListeners.add(listener);
    return () => revocationListeners.delete(listener);
  },
};
function revoke(userId: string, sessionIds: string[]): void {
  for (const id of sessionIds) revokedIds.add(id);
  for (const l of revocationListeners) l({ userId, sessionIds });
}

let stack: Stack;
let gatewayless: Stack;

beforeAll(async () => {
  stack = await startStack({ apiKeys, publicRoutes, routes, revocations, maxBodyBytes: 1024 });
  gatewayless = await startStack();
  for (const id of ['G1', 'G2']) expect((await stack.engine.createPortfolio({ portfolioId: id, cash: 1e7 }, 'test')).ok).toBe(true);
  const feed = await Client.login(stack.url, await stack.token('feed', ['feed'], []));
  await feed.request({ type: 'tick', symbol: 'AAA', price: 100, ts: stack.nextTickTs() });
  await feed.close();
});

afterAll(async () => {
  await stack?.close();
  await gatewayless?.close();
});

const order = (portfolioId: string, clientOrderId: string) => ({ portfolioId, clientOrderId, instrument: 'AAA', side: 'buy', qty: 1, orderType: 'limit', limitPrice: 95 });

describe('GET /.well-known/jwks.json', () => {
  it('is served without a token, and verifies the engine’s tokens with a standard JWKS client', async () => {
    const r = await httpJson(stack, 'GET', '/.well-known/jwks.json');
    expect(r.status).toBe(200);
    expect(r.body.keys).toEqual([expect.objectContaining({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig', kid: stack.keys.kids()[0] })]);
    expect(JSON.stringify(r.body)).not.toContain('"d"');
    const token = await stack.token('alice', ['trader'], ['G1']);
    const { payload, protectedHeader } = await jose.jwtVerify(token, jose.createLocalJWKSet(r.body), { issuer: 'test-issuer', audience: 'test-gateway' });
    expect(payload).toMatchObject({ sub: 'alice', grants: [{ role: 'trader', portfolios: ['G1'] }], amr: ['dev'] });
    expect(protectedHeader).toMatchObject({ alg: 'EdDSA', typ: 'at+jwt' });
  });
});

describe('key rotation under running clients', () => {
  it('keeps the previous key’s tokens working on REST and the websocket once a new key signs, and publishes both', async () => {
    const before = await stack.token('rita', ['risk_manager'], ['*']);
    const oldKid = jose.decodeProtectedHeader(before).kid;
    const added = addKeyFile(stack.keys.dir, Date.now());
    // Written a re-read interval ago: trusted at the next read and signing at once.
    const aged = (Date.now() - stack.keys.refreshMs) / 1000;
    utimesSync(join(stack.keys.dir, `${added.kid}.pem`), aged, aged);
    stack.keys.refresh();
    const after = await stack.token('rita', ['risk_manager'], ['*']);
    expect(jose.decodeProtectedHeader(after).kid).toBe(added.kid);
    expect((await httpJson(stack, 'GET', '/.well-known/jwks.json')).body.keys.map((k: { kid: string }) => k.kid)).toEqual([oldKid, added.kid]);
    for (const t of [before, after]) {
      expect((await httpJson(stack, 'GET', '/risk/portfolio', { token: t })).status).toBe(200);
      const c = await Client.login(stack.url, t);
      await c.close();
    }
  });
});

describe('API keys', () => {
  it('authenticate REST with Authorization: ApiKey, refused with the verifier’s code', async () => {
    expect(await httpJson(stack, 'GET', '/auth/me', { apiKey: 'bot-key-1' })).toEqual({ status: 200, body: { sub: 'apikey:bot-1', via: 'apiKey' } });
    expect(await httpJson(stack, 'POST', '/trades', { apiKey: 'bot-key-1', body: order('G1', 'k1') })).toMatchObject({ status: 201 });
    expect(await httpJson(stack, 'POST', '/trades', { apiKey: 'bot-key-1', body: order('G2', 'k2') })).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
    expect(await httpJson(stack, 'GET', '/auth/me', { apiKey: 'revoked-key' })).toMatchObject({ status: 401, body: { code: 'UNAUTHENTICATED', message: expect.stringMatching(/^API_KEY_REVOKED: /) } });
    expect(await httpJson(stack, 'GET', '/auth/me', { apiKey: 'guess' })).toMatchObject({ status: 401, body: { message: expect.stringMatching(/^API_KEY_INVALID: /) } });
  });

  it('authenticate the websocket with auth {apiKey} and at the upgrade', async () => {
    const c = await Client.connect(stack.url);
    expect(await c.request({ type: 'auth', apiKey: 'feed-key-1' })).toMatchObject({ type: 'authenticated', sub: 'apikey:feed-1', grants: [{ role: 'feed', portfolios: [] }] });
    expect(await c.request({ type: 'tick', symbol: 'AAA', price: 100.5, ts: stack.nextTickTs() })).toMatchObject({ type: 'ack', status: 'accepted' });
    await c.close();
    const d = await Client.connect(stack.url, { apiKeyHeader: 'feed-key-1' });
    expect(await d.request({ type: 'tick', symbol: 'AAA', price: 100, ts: stack.nextTickTs() })).toMatchObject({ type: 'ack', status: 'accepted' });
    await d.close();
    const e = await Client.connect(stack.url);
    expect(await e.request({ type: 'auth', apiKey: 'revoked-key' })).toMatchObject({ type: 'error', code: 'UNAUTHENTICATED', message: expect.stringMatching(/^API_KEY_REVOKED/) });
    expect(await e.request({ type: 'auth', apiKey: 'feed-key-1', token: 'x.y.z' })).toMatchObject({ type: 'error', code: 'INVALID_MESSAGE', message: expect.stringContaining('exactly one of token and apiKey') });
    await e.close();
  });

  it('are refused with 401 when the engine runs without them', async () => {
    expect(await httpJson(gatewayless, 'GET', '/trades', { apiKey: 'feed-key-1' })).toMatchObject({ status: 401, body: { message: expect.stringMatching(/^API_KEYS_DISABLED: API keys are not enabled/) } });
    const c = await Client.connect(gatewayless.url);
    expect(await c.request({ type: 'auth', apiKey: 'feed-key-1' })).toMatchObject({ type: 'error', code: 'UNAUTHENTICATED', message: expect.stringMatching(/^API_KEYS_DISABLED/) });
    await c.close();
  });
});

describe('tokens of the wrong kind', () => {
  it('refuses an MFA token as an access token, on REST and the websocket', async () => {
    const mfa = await stack.tokens.issueMfa('alice', 300, Date.now());
    expect(await httpJson(stack, 'GET', '/trades', { token: mfa })).toMatchObject({ status: 401, body: { message: expect.stringMatching(/^TOKEN_WRONG_TYPE: /) } });
    const c = await Client.connect(stack.url);
    expect(await c.request({ type: 'auth', token: mfa })).toMatchObject({ type: 'error', code: 'UNAUTHENTICATED', message: expect.stringMatching(/^TOKEN_WRONG_TYPE/) });
    await c.close();
  });
});

describe('routes open without a token, and routes the composition root adds', () => {
  it('serves a public route without a token, with the caller’s address and the parsed body', async () => {
    seen.length = 0;
    expect(await httpJson(stack, 'POST', '/auth/echo', { body: { email: 'a@b.c' } })).toMatchObject({ status: 200, body: { echoed: { email: 'a@b.c' } } });
    expect(seen).toEqual([{ ip: expect.stringMatching(/127\.0\.0\.1$/), body: { email: 'a@b.c' } }]);
    expect(await httpJson(stack, 'GET', '/auth/ping')).toEqual({ status: 200, body: { pong: true } });
  });

  it('applies the same body checks to a public route: 415, 400 BAD_JSON, 413, 405', async () => {
    expect(await httpJson(stack, 'POST', '/auth/echo', { rawBody: 'email=a', contentType: 'application/x-www-form-urlencoded' })).toMatchObject({ status: 415, body: { code: 'UNSUPPORTED_MEDIA_TYPE' } });
    expect(await httpJson(stack, 'POST', '/auth/echo', { rawBody: '{"email":' })).toMatchObject({ status: 400, body: { code: 'BAD_JSON' } });
    expect(await httpJson(stack, 'POST', '/auth/echo', { body: { pad: 'x'.repeat(2000) } })).toMatchObject({ status: 413, body: { code: 'PAYLOAD_TOO_LARGE' } });
    const announced = await rawRequest(stack.gateway.port, 'POST /auth/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000', '', { timeoutMs: 3000, waitClose: true });
    expect(announced).toMatchObject({ status: 413, closed: true });
    expect(await httpJson(stack, 'GET', '/auth/echo')).toMatchObject({ status: 405, body: { code: 'METHOD_NOT_ALLOWED' } });
    expect(seen.filter((s) => s.ip === '')).toEqual([]);
  });

  it('serves an added route behind a token, 401 without one', async () => {
    expect(await httpJson(stack, 'GET', '/auth/me', { token: await stack.token('alice', ['compliance_officer'], ['*']) })).toEqual({ status: 200, body: { sub: 'alice', via: 'token' } });
    expect(await httpJson(stack, 'GET', '/auth/me')).toMatchObject({ status: 401, body: { code: 'UNAUTHENTICATED' } });
  });
});

describe('grants, one at a time', () => {
  it('lets a risk manager on every portfolio who trades G1 trade G1 only, on REST and the websocket', async () => {
    const both = await stack.tokens.issueAccess({ sub: 'rex', grants: [{ role: 'risk_manager', portfolios: ['*'] }, { role: 'trader', portfolios: ['G1'] }], amr: ['dev'] }, 600, Date.now());
    expect(await httpJson(stack, 'POST', '/trades', { token: both, body: order('G1', 'rx1') })).toMatchObject({ status: 201 });
    expect(await httpJson(stack, 'POST', '/trades', { token: both, body: order('G2', 'rx2') })).toMatchObject({ status: 403, body: { message: 'no grant allowing trade covers portfolio G2' } });
    const c = await Client.login(stack.url, both);
    expect(await c.request({ type: 'order', ...order('G2', 'rx3') })).toMatchObject({ type: 'error', code: 'FORBIDDEN' });
    expect(await c.request({ type: 'order', ...order('G1', 'rx4') })).toMatchObject({ type: 'ack', status: 'open' });
    // Its risk-manager grant still reads and limits every portfolio.
    expect(await c.request({ type: 'subscribe', channel: 'risk', portfolioId: 'G2' })).toMatchObject({ type: 'subscribed' });
    expect((await httpJson(stack, 'POST', '/risk/limits', { token: both, body: { portfolioId: 'G2', tradingState: 'active' } })).status).toBe(200);
    await c.close();
  });

  it('lets a risk manager cancel a trader’s order (the kill switch) but not replace it, and a trader only its own', async () => {
    const tom = await stack.token('tom', ['trader'], ['G1']);
    const ann = await stack.token('ann', ['trader'], ['G1']);
    const rita = await stack.token('rita', ['risk_manager'], ['G1']);
    const placed = await httpJson(stack, 'POST', '/trades', { token: tom, body: order('G1', 'kill-1') });
    const orderId = placed.body.order.orderId as string;
    const a = await Client.login(stack.url, ann);
    expect(await a.request({ type: 'cancel', portfolioId: 'G1', orderId })).toMatchObject({ type: 'error', code: 'FORBIDDEN', message: expect.stringContaining('only the orders it placed') });
    expect(await a.request({ type: 'replace', portfolioId: 'G1', orderId, limitPrice: 96 })).toMatchObject({ type: 'error', code: 'FORBIDDEN' });
    expect(await httpJson(stack, 'DELETE', `/trades/${orderId}`, { token: ann })).toMatchObject({ status: 403 });
    await a.close();
    const r = await Client.login(stack.url, rita);
    expect(await r.request({ type: 'replace', portfolioId: 'G1', orderId, limitPrice: 96 })).toMatchObject({ type: 'error', code: 'FORBIDDEN' });
    expect(await r.request({ type: 'cancel', portfolioId: 'G1', orderId })).toMatchObject({ type: 'ack', status: 'cancelled' });
    expect(stack.engine.getOrder(orderId)).toMatchObject({ status: 'cancelled', submittedBy: 'tom' });
    await r.close();
    // Tom cancels his own, over REST.
    const own = await httpJson(stack, 'POST', '/trades', { token: tom, body: order('G1', 'kill-2') });
    expect((await httpJson(stack, 'DELETE', `/trades/${own.body.order.orderId as string}`, { token: tom })).status).toBe(204);
  });
});

describe('revoked login sessions', () => {
  it('refuse the session’s tokens on REST (cached or not) and at auth, close its open websockets with 4005, and leave other sessions be', async () => {
    const issue = (sid: string) => stack.tokens.issueAccess({ sub: 'uma', sid, grants: [{ role: 'compliance_officer', portfolios: ['*'] }], amr: ['pwd'] }, 600, Date.now());
    const [s1, s2] = await Promise.all([issue('sess-1'), issue('sess-2')]);
    expect((await httpJson(stack, 'GET', '/trades', { token: s1 })).status).toBe(200);
    const open1 = await Client.login(stack.url, s1);
    const open2 = await Client.login(stack.url, s2);
    expect(revocationListeners.size).toBe(1);

    revoke('uma', ['sess-1']);
    expect(await open1.closed).toEqual({ code: 4005, reason: 'session revoked' });
    expect(open1.received).toContainEqual(expect.objectContaining({ type: 'error', code: 'UNAUTHENTICATED', message: expect.stringMatching(/^SESSION_REVOKED/) }));
    expect(await httpJson(stack, 'GET', '/trades', { token: s1 })).toMatchObject({ status: 401, body: { message: expect.stringMatching(/^SESSION_REVOKED: /) } });
    const again = await Client.connect(stack.url);
    expect(await again.request({ type: 'auth', token: s1 })).toMatchObject({ type: 'error', code: 'UNAUTHENTICATED', message: expect.stringMatching(/^SESSION_REVOKED/) });
    await expect(Client.connect(stack.url, { header: s1 })).rejects.toThrow('HTTP 401');

    expect((await httpJson(stack, 'GET', '/trades', { token: s2 })).status).toBe(200);
    expect(await open2.request({ type: 'subscribe', channel: 'orders' })).toMatchObject({ type: 'subscribed' });
    await Promise.all([open2.close(), again.close()]);
  });
});
