/**
 * Accounts over real HTTP: the gateway (uWS on loopback) serving the auth routes over the account
 * service on the in-memory stores, with the engine's signing keys. The whole path a client takes:
 * register → login → MFA set-up and enable → login with MFA → refresh → reuse detected; an API key
 * used as `Authorization: ApiKey …`; lockout answers that do not tell an unknown email apart.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authPublicRoutes, authRoutes } from '../../src/gateway/auth-routes.js';
import { AccountService } from '../../src/gateway/identity/account-service.js';
import type { SecurityEvent } from '../../src/gateway/identity/ports.js';
import { SigningKeyRing } from '../../src/gateway/signing-keys.js';
import { Tokens } from '../../src/gateway/tokens.js';
import { CLOSE_CODES } from '../../src/gateway/errors.js';
import { totpCode } from '../../src/gateway/totp.js';
import { MemoryIdentityStore } from '../../src/persistence/identity-store-memory.js';
import { masterKeyId } from '../../src/persistence/master-keys.js';
import { memoryDataKeys } from '../../src/persistence/memory-data-keys.js';
import { MemorySessionStore } from '../../src/persistence/session-store-memory.js';
import { AUDIENCE, Client, ISSUER, type Stack, httpJson, startStack } from './harness.js';

const PASSWORD = 'correct horse battery staple 42';

describe('accounts over HTTP', () => {
  let stack: Stack;
  let keyDir: string;
  const identity = new MemoryIdentityStore();
  const sessions = new MemorySessionStore();
  const events: SecurityEvent[] = [];

  beforeAll(async () => {
    keyDir = mkdtempSync(join(tmpdir(), 'risk-keys-'));
    const tokens = new Tokens({ keys: SigningKeyRing.open({ dir: keyDir, createIfEmpty: true }), issuer: ISSUER, audience: AUDIENCE });
    const master = randomBytes(32);
    const service = new AccountService({
      identity, sessions, tokens, audit: async (e) => void events.push(e),
      dataKeys: memoryDataKeys({ current: { id: masterKeyId(master), key: master }, previous: [] }),
    });
    stack = await startStack({ jwt: tokens, publicRoutes: authPublicRoutes(service), routes: authRoutes(service), apiKeys: service, revocations: sessions });
  });
  afterAll(async () => {
    await stack?.close();
    rmSync(keyDir, { recursive: true, force: true });
  });

  it('runs register → login → MFA set-up and enable → login with MFA → refresh, and revokes the family on reuse', async () => {
    const email = `http.${Date.now()}@example.com`;
    expect(await httpJson(stack, 'POST', '/auth/register', { body: { email, password: PASSWORD, displayName: 'Http User' } })).toMatchObject({ status: 201, body: { userId: expect.any(String) } });
    const login = await httpJson(stack, 'POST', '/auth/login', { body: { email, password: PASSWORD } });
    expect(login).toMatchObject({ status: 200, body: { accessToken: expect.any(String), refreshToken: expect.any(String), expiresIn: 1800 } });
    const token = login.body.accessToken as string;
    expect(await httpJson(stack, 'GET', '/auth/me', { token })).toMatchObject({ status: 200, body: { email, displayName: 'Http User', mfaEnabled: false } });
    const setup = await httpJson(stack, 'POST', '/auth/mfa/setup', { token });
    expect(setup).toMatchObject({ status: 200, body: { secret: expect.any(String), qrSvg: expect.stringMatching(/^<svg/) } });
    const secret = setup.body.secret as string;
    const enabled = await httpJson(stack, 'POST', '/auth/mfa/enable', { token, body: { code: totpCode(secret, Date.now()) } });
    expect(enabled).toMatchObject({ status: 200, body: { backupCodes: expect.any(Array) } });
    expect(enabled.body.backupCodes).toHaveLength(10);

    const first = await httpJson(stack, 'POST', '/auth/login', { body: { email, password: PASSWORD } });
    expect(first).toMatchObject({ status: 200, body: { mfaRequired: true, mfaToken: expect.any(String) } });
    // The mfaToken is no access token.
    expect((await httpJson(stack, 'GET', '/auth/me', { token: first.body.mfaToken })).status).toBe(401);
    const done = await httpJson(stack, 'POST', '/auth/mfa/verify', { body: { mfaToken: first.body.mfaToken, code: enabled.body.backupCodes[0] } });
    expect(done).toMatchObject({ status: 200, body: { accessToken: expect.any(String), refreshToken: expect.any(String) } });

    const refreshed = await httpJson(stack, 'POST', '/auth/refresh', { body: { refreshToken: done.body.refreshToken } });
    expect(refreshed).toMatchObject({ status: 200, body: { accessToken: expect.any(String), refreshToken: expect.any(String) } });
    const reused = await httpJson(stack, 'POST', '/auth/refresh', { body: { refreshToken: done.body.refreshToken } });
    expect(reused).toMatchObject({ status: 401, body: { code: 'REFRESH_REUSED' } });
    expect(events.some((e) => e.action === 'auth.refresh.reused')).toBe(true);
    expect(await httpJson(stack, 'POST', '/auth/refresh', { body: { refreshToken: refreshed.body.refreshToken } })).toMatchObject({ status: 401, body: { code: 'REFRESH_INVALID' } });
    // The revoked session's access token is refused at once, not at its expiry.
    expect(await httpJson(stack, 'GET', '/auth/me', { token: refreshed.body.accessToken })).toMatchObject({ status: 401, body: { message: expect.stringMatching(/^SESSION_REVOKED/) } });
  });

  it('logs out: the session\'s access token is refused from then on', async () => {
    const email = `logout.${Date.now()}@example.com`;
    await httpJson(stack, 'POST', '/auth/register', { body: { email, password: PASSWORD, displayName: 'Logout User' } });
    const token = (await httpJson(stack, 'POST', '/auth/login', { body: { email, password: PASSWORD } })).body.accessToken as string;
    expect((await httpJson(stack, 'GET', '/auth/me', { token })).status).toBe(200);
    expect(await httpJson(stack, 'POST', '/auth/logout', { token })).toMatchObject({ status: 200, body: { revoked: true } });
    expect(await httpJson(stack, 'GET', '/auth/me', { token })).toMatchObject({ status: 401, body: { message: expect.stringMatching(/^SESSION_REVOKED/) } });
  });

  it('answers a wrong password, an unknown email and a locked account with the same status and body', async () => {
    const email = `lock.${Date.now()}@example.com`;
    await httpJson(stack, 'POST', '/auth/register', { body: { email, password: PASSWORD, displayName: 'Lock User' } });
    const strip = (r: { status: number; body: any }) => ({ status: r.status, body: { ...r.body, requestId: undefined } });
    const wrong = strip(await httpJson(stack, 'POST', '/auth/login', { body: { email, password: 'not the password!' } }));
    for (let i = 0; i < 4; i++) await httpJson(stack, 'POST', '/auth/login', { body: { email, password: `wrong password ${i}` } });
    const locked = strip(await httpJson(stack, 'POST', '/auth/login', { body: { email, password: PASSWORD } }));
    const unknown = strip(await httpJson(stack, 'POST', '/auth/login', { body: { email: `x${email}`, password: PASSWORD } }));
    expect(wrong).toMatchObject({ status: 401, body: { code: 'LOGIN_FAILED' } });
    expect(locked).toEqual(wrong);
    expect(unknown).toEqual(wrong);
  });

  it('creates an API key that works as Authorization: ApiKey, lists it without the secret, refuses it once revoked and closes its websocket within a second', async () => {
    const email = `keys.${Date.now()}@example.com`;
    await httpJson(stack, 'POST', '/auth/register', { body: { email, password: PASSWORD, displayName: 'Key User' } });
    const token = (await httpJson(stack, 'POST', '/auth/login', { body: { email, password: PASSWORD } })).body.accessToken as string;
    const created = await httpJson(stack, 'POST', '/auth/api-keys', { token, body: { name: 'bot', roles: ['trader'], portfolios: [] } });
    expect(created).toMatchObject({ status: 201, body: { id: expect.stringMatching(/^ak_/), key: expect.any(String) } });
    const key = created.body.key as string;
    const listed = await httpJson(stack, 'GET', '/auth/api-keys', { apiKey: key });
    // An API key is no account session: listing keys is for the signed-in account.
    expect(listed).toMatchObject({ status: 403, body: { code: 'NOT_AN_ACCOUNT' } });
    const mine = await httpJson(stack, 'GET', '/auth/api-keys', { token });
    expect(mine.body.apiKeys).toHaveLength(1);
    expect(JSON.stringify(mine.body)).not.toContain(key.split('.')[1]);
    const socket = await Client.connect(stack.url);
    expect(await socket.request({ type: 'auth', apiKey: key })).toMatchObject({ type: 'authenticated' });
    const t0 = Date.now();
    expect(await httpJson(stack, 'DELETE', `/auth/api-keys/${created.body.id}`, { token })).toMatchObject({ status: 200, body: { revoked: true } });
    expect(await socket.closed).toEqual({ code: 4005, reason: 'api key revoked' });
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(socket.received).toContainEqual(expect.objectContaining({ type: 'error', code: 'UNAUTHENTICATED', message: expect.stringMatching(/^API_KEY_REVOKED: /) }));
    expect(await httpJson(stack, 'GET', '/auth/api-keys', { apiKey: key })).toMatchObject({ status: 401 });
  });

  it('answers NO_SESSION to a logout with an API key: the key id it carries as its session is no login to end', async () => {
    const email = `keylogout.${Date.now()}@example.com`;
    await httpJson(stack, 'POST', '/auth/register', { body: { email, password: PASSWORD, displayName: 'Key User' } });
    const token = (await httpJson(stack, 'POST', '/auth/login', { body: { email, password: PASSWORD } })).body.accessToken as string;
    const key = (await httpJson(stack, 'POST', '/auth/api-keys', { token, body: { name: 'bot', roles: ['trader'], portfolios: [] } })).body.key as string;
    expect(await httpJson(stack, 'POST', '/auth/logout', { apiKey: key })).toMatchObject({ body: { code: 'NO_SESSION' } });
    expect(await httpJson(stack, 'GET', '/portfolios/P1', { apiKey: key })).not.toMatchObject({ status: 401 });
  });

  /** An admin signed in with MFA (its first login without MFA also, whose token holds no admin grant). */
  async function signInAdmin(): Promise<{ userId: string; token: string; weak: string }> {
    const adminEmail = `admin.${Date.now()}.${randomBytes(3).toString('hex')}@example.com`;
    const reg = await httpJson(stack, 'POST', '/auth/register', { body: { email: adminEmail, password: PASSWORD, displayName: 'Admin User' } });
    await identity.replaceGrants(reg.body.userId, [{ role: 'admin', portfolios: ['*'] }]); // the first admin, as a bootstrap grants it
    const pwdOnly = await httpJson(stack, 'POST', '/auth/login', { body: { email: adminEmail, password: PASSWORD } });
    expect(pwdOnly.body.mfaSetupRequired).toBe(true);
    const weak = pwdOnly.body.accessToken as string;
    const setup = await httpJson(stack, 'POST', '/auth/mfa/setup', { token: weak });
    await httpJson(stack, 'POST', '/auth/mfa/enable', { token: weak, body: { code: totpCode(setup.body.secret, Date.now()) } });
    const first = await httpJson(stack, 'POST', '/auth/login', { body: { email: adminEmail, password: PASSWORD } });
    // The next step's code: the enabling code's step is used up.
    const code = totpCode(setup.body.secret, Date.now() + 30_000);
    const admin = await httpJson(stack, 'POST', '/auth/mfa/verify', { body: { mfaToken: first.body.mfaToken, code } });
    expect(admin).toMatchObject({ status: 200, body: { accessToken: expect.any(String) } });
    return { userId: reg.body.userId as string, token: admin.body.accessToken as string, weak };
  }

  it('lets an admin signed in with MFA lower a user\'s rights over HTTP: the user\'s token is refused and its websocket closed within a second', async () => {
    const { userId: adminId, token: adminToken, weak } = await signInAdmin();
    const admin = { body: { accessToken: adminToken } };
    // Without MFA the admin token holds no admin grant: refused by the one table.
    expect(await httpJson(stack, 'POST', `/admin/users/${adminId}/revoke-sessions`, { token: weak })).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });

    const email = `lowered.${Date.now()}@example.com`;
    const user = await httpJson(stack, 'POST', '/auth/register', { body: { email, password: PASSWORD, displayName: 'Lowered User' } });
    const raised = await httpJson(stack, 'POST', `/admin/users/${user.body.userId}/portfolios`, { token: admin.body.accessToken, body: { role: 'trader', portfolios: ['P1'] } });
    expect(raised).toMatchObject({ status: 200, body: { grants: [{ role: 'trader', portfolios: ['P1'] }], sessionsRevoked: 0 } });
    const userToken = (await httpJson(stack, 'POST', '/auth/login', { body: { email, password: PASSWORD } })).body.accessToken as string;
    const socket = await Client.login(stack.url, userToken);
    const lowered = await httpJson(stack, 'POST', `/admin/users/${user.body.userId}/portfolios`, { token: admin.body.accessToken, body: { portfolios: [] } });
    expect(lowered).toMatchObject({ status: 200, body: { sessionsRevoked: 1 } });
    const closed = await Promise.race([socket.closed, new Promise((r) => setTimeout(() => r('still open'), 1000))]);
    expect(closed).toMatchObject({ code: CLOSE_CODES.SESSION_REVOKED });
    expect(await httpJson(stack, 'GET', '/auth/me', { token: userToken })).toMatchObject({ status: 401 });
    expect(events.filter((e) => e.action === 'user.portfolios.changed' && e.entityId === user.body.userId).at(-1)).toMatchObject({
      before: [{ role: 'trader', portfolios: ['P1'] }], after: [{ role: 'trader', portfolios: [] }],
    });
  });

  it('closes the websockets of a user\'s API key within a second when an admin lowers the user\'s rights, without revoking the key: it authenticates again with the lowered rights', async () => {
    for (const id of ['RC1', 'RC2']) if (!stack.engine.getPortfolio(id)) expect((await stack.engine.createPortfolio({ portfolioId: id, cash: 1e6 }, 'test')).ok).toBe(true);
    const admin = await signInAdmin();
    const email = `keyowner.${Date.now()}@example.com`;
    const user = await httpJson(stack, 'POST', '/auth/register', { body: { email, password: PASSWORD, displayName: 'Key Owner' } });
    await httpJson(stack, 'POST', `/admin/users/${user.body.userId}/portfolios`, { token: admin.token, body: { role: 'trader', portfolios: ['RC1', 'RC2'] } });
    const userToken = (await httpJson(stack, 'POST', '/auth/login', { body: { email, password: PASSWORD } })).body.accessToken as string;
    const wide = await httpJson(stack, 'POST', '/auth/api-keys', { token: userToken, body: { name: 'wide', roles: ['trader'], portfolios: ['RC1', 'RC2'] } });
    const narrow = await httpJson(stack, 'POST', '/auth/api-keys', { token: userToken, body: { name: 'narrow', roles: ['trader'], portfolios: ['RC1'] } });
    const key = wide.body.key as string;
    expect(await httpJson(stack, 'GET', '/portfolios/RC2', { apiKey: key })).toMatchObject({ status: 200 });
    const socket = await Client.connect(stack.url);
    expect(await socket.request({ type: 'auth', apiKey: key })).toMatchObject({ type: 'authenticated', grants: [{ role: 'trader', portfolios: ['RC1', 'RC2'] }] });
    // A key whose rights the change leaves as they were keeps its connection.
    const untouched = await Client.connect(stack.url);
    expect(await untouched.request({ type: 'auth', apiKey: narrow.body.key })).toMatchObject({ type: 'authenticated' });

    const t0 = Date.now();
    const lowered = await httpJson(stack, 'POST', `/admin/users/${user.body.userId}/portfolios`, { token: admin.token, body: { portfolios: ['RC1'] } });
    expect(lowered).toMatchObject({ status: 200, body: { grants: [{ role: 'trader', portfolios: ['RC1'] }] } });
    const closed = await Promise.race([socket.closed, new Promise((r) => setTimeout(() => r('still open'), 1000))]);
    expect(closed).toEqual({ code: CLOSE_CODES.SESSION_REVOKED, reason: 'api key rights changed' });
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(socket.received).toContainEqual(expect.objectContaining({ type: 'error', code: 'UNAUTHENTICATED', message: expect.stringMatching(/^API_KEY_RIGHTS_CHANGED: /) }));
    const stillOpen = await Promise.race([untouched.closed, new Promise((r) => setTimeout(() => r('still open'), 200))]);
    expect(stillOpen).toBe('still open');
    await untouched.close();
    expect(events.filter((e) => e.action === 'user.sessions.revoked' && e.entityId === user.body.userId).at(-1)).toMatchObject({ after: { apiKeysReconnect: [wide.body.id] } });

    // The key is not revoked: it authenticates again, with the owner's rights as they are now.
    expect(sessions.isRevoked(wide.body.id)).toBe(false);
    const again = await Client.connect(stack.url);
    expect(await again.request({ type: 'auth', apiKey: key })).toMatchObject({ type: 'authenticated', grants: [{ role: 'trader', portfolios: ['RC1'] }] });
    await again.close();
    expect(await httpJson(stack, 'GET', '/portfolios/RC1', { apiKey: key })).toMatchObject({ status: 200 });
    expect(await httpJson(stack, 'GET', '/portfolios/RC2', { apiKey: key })).toMatchObject({ status: 403 });
  });
});
