/**
 * The /auth and /admin/users handlers: bodies checked by their schemas (400 INVALID_MESSAGE naming
 * the field), service failures answered with their stable code and status, and the two MFA doors
 * kept apart. Called as the server calls them (handle with the request's context), over the
 * account service on in-memory stores; the full flow over real HTTP is the gateway's test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineApi } from '../../src/engine/runtime/engine-api.js';
import { authPublicRoutes, authRoutes } from '../../src/gateway/auth-routes.js';
import type { HttpResult, RequestInfo } from '../../src/gateway/http-util.js';
import { AccountService } from '../../src/gateway/identity/account-service.js';
import type { Principal } from '../../src/gateway/identity/ports.js';
import type { PublicRouteSpec, RouteContext, RouteSpec } from '../../src/gateway/route-spec.js';
import { randomBytes } from 'node:crypto';
import { masterKeyId } from '../../src/persistence/master-keys.js';
import { memoryDataKeys } from '../../src/persistence/memory-data-keys.js';
import { MemoryIdentityStore } from '../../src/persistence/identity-store-memory.js';
import { MemorySessionStore } from '../../src/persistence/session-store-memory.js';
import { accountTokens } from './account-tokens.js';

const PASSWORD = 'correct horse battery staple 42';

const req = (params: string[] = []): RequestInfo => ({
  requestId: 'r1', method: 'POST', url: '/', params, query: new URLSearchParams(), authorization: '', contentType: 'application/json', contentLength: undefined, origin: '',
});

const master = randomBytes(32);

describe('auth routes', () => {
  const keys = accountTokens();
  const tokens = keys.tokens;
  const identity = new MemoryIdentityStore();
  const service = new AccountService({ identity, sessions: new MemorySessionStore(), tokens, dataKeys: memoryDataKeys({ current: { id: masterKeyId(master), key: master }, previous: [] }), audit: async () => {} });
  const open = authPublicRoutes(service);
  const signedIn = authRoutes(service);
  const pub = (method: string, pattern: string): PublicRouteSpec => open.find((r) => r.method === method && r.pattern === pattern)!;
  const route = (method: string, pattern: string): RouteSpec => signedIn.find((r) => r.method === method && r.pattern === pattern)!;
  /** An open route, called without a credential or (`as`) with the access token of a signed-in principal. */
  const callPublic = async (pattern: string, body: unknown, as?: Principal): Promise<HttpResult> => pub('post', pattern).handle({
    req: as === undefined ? req() : { ...req(), authorization: 'Bearer signed-in' }, ip: '127.0.0.1', body,
    signedIn: async () => as ?? { status: 401, body: { code: 'UNAUTHENTICATED', message: 'no credential' } },
  });
  const call = async (method: string, pattern: string, principal: Principal, body?: unknown, params: string[] = []): Promise<HttpResult> =>
    route(method, pattern).handle({ engine: {} as EngineApi, principal, req: req(params), body } as unknown as RouteContext);
  let user: Principal;
  afterAll(() => keys.remove());

  beforeAll(async () => {
    expect(await callPublic('/auth/register', { email: 'route.user@example.com', password: PASSWORD, displayName: 'Route User' })).toMatchObject({ status: 201, body: { userId: expect.any(String) } });
    const login = await callPublic('/auth/login', { email: 'route.user@example.com', password: PASSWORD });
    user = await keys.principal((login.body as { accessToken: string }).accessToken, Date.now());
  });

  it('lists the public routes with public: true and the rest without', () => {
    expect(open.map((r) => `${r.method} ${r.pattern}`)).toEqual(['post /auth/register', 'post /auth/login', 'post /auth/refresh', 'post /auth/mfa/verify']);
    expect(open.every((r) => r.public)).toBe(true);
    expect(signedIn.map((r) => `${r.method} ${r.pattern}`)).toEqual([
      'get /auth/me', 'post /auth/mfa/setup', 'post /auth/mfa/enable', 'post /auth/logout', 'post /auth/api-keys', 'get /auth/api-keys', 'del /auth/api-keys/:id',
      'post /admin/users/:id/roles', 'post /admin/users/:id/portfolios', 'post /admin/users/:id/revoke-sessions',
    ]);
  });

  it('answers a body that breaks its schema with 400 INVALID_MESSAGE naming the field', async () => {
    expect(await callPublic('/auth/register', { email: 'not-an-email', password: PASSWORD, displayName: 'X' })).toMatchObject({ status: 400, body: { code: 'INVALID_MESSAGE', message: expect.stringMatching(/^email:/) } });
    expect(await callPublic('/auth/login', { email: 'a@example.com', password: PASSWORD, admin: true })).toMatchObject({ status: 400, body: { code: 'INVALID_MESSAGE' } });
    expect(await callPublic('/auth/login', 'a string')).toMatchObject({ status: 400, body: { code: 'INVALID_MESSAGE' } });
    expect(await callPublic('/auth/refresh', { refreshToken: 'x'.repeat(513) })).toMatchObject({ status: 400, body: { code: 'INVALID_MESSAGE', message: expect.stringMatching(/^refreshToken:/) } });
    expect(await call('post', '/auth/api-keys', user, { name: 'k', roles: ['superuser'], portfolios: [] })).toMatchObject({ status: 400, body: { message: expect.stringMatching(/^roles\.0:/) } });
    expect(await call('post', '/auth/api-keys', user, { name: 'k', roles: ['trader'], portfolios: [], expiresAt: 'tomorrow' })).toMatchObject({ status: 400, body: { message: expect.stringMatching(/^expiresAt:/) } });
  });

  it('answers service failures with their stable code and status, and nothing more', async () => {
    const failed = await callPublic('/auth/login', { email: 'route.user@example.com', password: 'wrong password here' });
    expect(failed).toEqual({ status: 401, body: { code: 'LOGIN_FAILED', message: expect.any(String) } });
    expect(await callPublic('/auth/register', { email: 'Route.User@example.com', password: PASSWORD, displayName: 'Again' })).toMatchObject({ status: 409, body: { code: 'EMAIL_TAKEN' } });
    expect(await callPublic('/auth/refresh', { refreshToken: 'nope' })).toMatchObject({ status: 401, body: { code: 'REFRESH_INVALID' } });
    expect(await call('post', '/admin/users/:id/roles', user, { roles: ['admin'] }, ['someone'])).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
    expect(await call('del', '/auth/api-keys/:id', user, undefined, ['ak_nope'])).toMatchObject({ status: 404, body: { code: 'API_KEY_NOT_FOUND' } });
  });

  it('finishes a login at /auth/mfa/verify and turns MFA on at /auth/mfa/enable, each pointing to the other when misused', async () => {
    expect(await callPublic('/auth/mfa/verify', { code: '123456' })).toMatchObject({ status: 400, body: { code: 'MFA_TOKEN_MISSING', message: expect.stringContaining('/auth/mfa/enable') } });
    expect(await callPublic('/auth/mfa/verify', { mfaToken: 'x.y.z', code: '123456' })).toMatchObject({ status: 401, body: { code: 'MFA_TOKEN_INVALID' } });
    expect(await call('post', '/auth/mfa/enable', user, { code: '123456' })).toMatchObject({ status: 409, body: { code: 'MFA_NOT_SET_UP' } });
    const setup = await call('post', '/auth/mfa/setup', user);
    expect(setup).toMatchObject({ status: 200, body: { secret: expect.any(String), otpauthUrl: expect.stringMatching(/^otpauth:\/\/totp\//), qrSvg: expect.stringMatching(/^<svg/) } });
    // A wrong code from a signed-in caller is a bad request, not a refused credential.
    expect(await call('post', '/auth/mfa/enable', user, { code: '000000' })).toMatchObject({ status: 400, body: { code: 'MFA_CODE_INVALID' } });
    // The issue's own form: POST /auth/mfa/verify {code} with the access token is the same as enable.
    expect(await callPublic('/auth/mfa/verify', { code: '000000' }, user)).toMatchObject({ status: 400, body: { code: 'MFA_CODE_INVALID' } });
  });

  it('creates an API key (201, the key once), lists it without the key, and revokes it', async () => {
    const created = await call('post', '/auth/api-keys', user, { name: 'bot', roles: ['trader'], portfolios: [], expiresAt: '2099-01-01T00:00:00Z' });
    expect(created).toMatchObject({ status: 201, body: { id: expect.stringMatching(/^ak_/), key: expect.any(String), expiresAt: '2099-01-01T00:00:00.000Z' } });
    const { id, key } = created.body as { id: string; key: string };
    const listed = await call('get', '/auth/api-keys', user);
    expect(listed).toMatchObject({ status: 200, body: { apiKeys: [{ id, name: 'bot' }] } });
    expect(JSON.stringify(listed.body)).not.toContain(key.split('.')[1]);
    expect(await call('del', '/auth/api-keys/:id', user, undefined, [id])).toEqual({ status: 200, body: { revoked: true } });
    expect(await call('post', '/auth/logout', user)).toEqual({ status: 200, body: { revoked: true } });
  });
});
