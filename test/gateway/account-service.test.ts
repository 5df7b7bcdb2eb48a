/**
 * The account service over the in-memory stores and over the PostgreSQL stores (a schema of its
 * own on this machine's server): accounts, login with lockout, MFA, rotating refresh tokens with
 * reuse detection, API keys and user administration, each with its audit trail. Time is a fake
 * clock; TOTP codes are computed for it (RFC 6238).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountService, type LoginOutcome, type TokenPair } from '../../src/gateway/identity/account-service.js';
import type { Principal, Role, SecurityEvent } from '../../src/gateway/identity/ports.js';
import type { IdentityStore, SessionStore } from '../../src/gateway/identity/stores.js';
import { totpCode } from '../../src/gateway/totp.js';
import { IdentityDb, identityDb } from '../contracts/identity-pg.js';
import { randomBytes } from 'node:crypto';
import type { DataKeys } from '../../src/gateway/identity/ports.js';
import { pgDataKeys } from '../../src/persistence/data-keys.js';
import { masterKeyId, type MasterKeys } from '../../src/persistence/master-keys.js';
import { memoryDataKeys } from '../../src/persistence/memory-data-keys.js';
import { MemoryIdentityStore } from '../../src/persistence/identity-store-memory.js';
import { MemorySessionStore } from '../../src/persistence/session-store-memory.js';
import { PgIdentityStore } from '../../src/persistence/identity-store-pg.js';
import { PgSessionStore } from '../../src/persistence/session-store-pg.js';
import { accountTokens } from './account-tokens.js';

interface Backend {
  readonly identity: IdentityStore;
  readonly sessions: SessionStore;
  readonly dataKeys: DataKeys;
  close(): Promise<void>;
}

const master = randomBytes(32);
const masters: MasterKeys = { current: { id: masterKeyId(master), key: master }, previous: [] };

const BACKENDS: readonly [string, (clock: () => number) => Promise<Backend>][] = [
  ['in-memory stores', async () => ({ identity: new MemoryIdentityStore(), sessions: new MemorySessionStore(), dataKeys: memoryDataKeys(masters), close: async () => {} })],
  ['PostgreSQL stores', async (clock) => {
    const d: IdentityDb = await identityDb('external');
    const sessions = new PgSessionStore({ pool: d.db.pool, connection: d.db.connection, schema: d.db.schema, nowMs: clock });
    await sessions.start();
    return { identity: new PgIdentityStore(d.db.pool), sessions, dataKeys: pgDataKeys(d.db.pool, masters), close: async () => { await sessions.close(); await d.destroy(); } };
  }],
];

const PASSWORD = 'correct horse battery staple 42';
const caller = { ip: '203.0.113.7' };
let seq = 0;
const email = () => `user${++seq}.${Math.random().toString(36).slice(2, 8)}@example.com`;

function pair(r: { ok: boolean; value?: LoginOutcome }): TokenPair {
  if (!r.ok || !r.value || 'mfaRequired' in r.value) throw new Error(`expected a token pair, got ${JSON.stringify(r)}`);
  return r.value;
}

describe.each(BACKENDS)('account service on %s', (_name, open) => {
  let nowMs = Date.now();
  const clock = () => nowMs;
  let backend: Backend;
  let service: AccountService;
  const keys = accountTokens();
  const tokens = keys.tokens;
  const events: SecurityEvent[] = [];
  const principal = (p: TokenPair) => keys.principal(p.accessToken, nowMs);
  const eventsOf = (action: string, entityId?: string) => events.filter((e) => e.action === action && (entityId === undefined || e.entityId === entityId));

  beforeAll(async () => {
    backend = await open(clock);
    service = new AccountService({ identity: backend.identity, sessions: backend.sessions, tokens, dataKeys: backend.dataKeys, audit: async (e) => void events.push(e), clock });
  });
  afterAll(async () => {
    await backend?.close();
    keys.remove();
  });

  async function registered(over: { email?: string; password?: string } = {}): Promise<{ userId: string; email: string }> {
    const e = over.email ?? email();
    const r = await service.register({ email: e, password: over.password ?? PASSWORD, displayName: 'Ada Lovelace' }, caller);
    if (!r.ok) throw new Error(r.message);
    return { userId: r.value.userId, email: e };
  }

  /** Sets up and enables MFA for a signed-in user; the secret and the backup codes. */
  async function withMfa(p: Principal): Promise<{ secret: string; backupCodes: string[] }> {
    const setup = await service.setupMfa(p);
    if (!setup.ok) throw new Error(setup.message);
    const enabled = await service.enableMfa(p, totpCode(setup.value.secret, nowMs));
    if (!enabled.ok) throw new Error(enabled.message);
    nowMs += 30_000; // the enabling code's step is used: the next login needs the next step's code
    return { secret: setup.value.secret, backupCodes: enabled.value.backupCodes };
  }

  async function mfaLogin(e: string, code: (mfaToken: string) => string | Promise<string>): Promise<TokenPair> {
    const first = await service.login({ email: e, password: PASSWORD }, caller);
    if (!first.ok || !('mfaRequired' in first.value)) throw new Error(`expected mfaRequired, got ${JSON.stringify(first)}`);
    const r = await service.verifyMfaLogin({ mfaToken: first.value.mfaToken, code: await code(first.value.mfaToken) }, caller);
    if (!r.ok) throw new Error(r.message);
    return r.value;
  }

  /** An admin who signed in with MFA (the first admin is granted in the store, as a bootstrap would). */
  async function adminWithMfa(): Promise<Principal> {
    const a = await registered();
    await backend.identity.replaceGrants(a.userId, [{ role: 'admin', portfolios: ['*'] }]);
    const p = await principal(pair(await service.login({ email: a.email, password: PASSWORD }, caller)));
    const { secret } = await withMfa(p);
    return principal(await mfaLogin(a.email, () => totpCode(secret, nowMs)));
  }

  it('registers an account with a normalised, unique email, as a trader on no portfolio, its name sealed', async () => {
    const { userId, email: e } = await registered({ email: `  Grace.Hopper.${seq}@Example.COM ` });
    const user = await backend.identity.findUserByEmail(e.trim().toLowerCase());
    expect(user?.id).toBe(userId);
    expect(user?.grants).toEqual([{ role: 'trader', portfolios: [] }]);
    expect(user?.displayNameSealed).toMatch(/^v1\./);
    expect(user?.displayNameSealed).not.toContain('Ada');
    expect(user?.passwordHash).toMatch(/^scrypt\$/);
    const again = await service.register({ email: e.trim().toUpperCase(), password: PASSWORD, displayName: 'Someone Else' }, caller);
    expect(again).toMatchObject({ ok: false, code: 'EMAIL_TAKEN' });
    const p = await principal(pair(await service.login({ email: e.trim(), password: PASSWORD }, caller)));
    expect(await service.profile(p)).toMatchObject({ ok: true, value: { userId, email: e.trim().toLowerCase(), displayName: 'Ada Lovelace', mfaEnabled: false } });
    await backend.dataKeys.shred(userId);
    expect(await service.profile(p)).toMatchObject({ ok: true, value: { displayName: null } });
  });

  it('refuses a password that breaks the policy, saying which rule', async () => {
    expect(await service.register({ email: email(), password: 'short', displayName: 'A B' }, caller)).toMatchObject({ ok: false, code: 'PASSWORD_TOO_SHORT' });
    expect(await service.register({ email: email(), password: 'password1234', displayName: 'A B' }, caller)).toMatchObject({ ok: false, code: 'PASSWORD_TOO_COMMON' });
    const e = email();
    expect(await service.register({ email: e, password: `my ${e} secret`, displayName: 'A B' }, caller)).toMatchObject({ ok: false, code: 'PASSWORD_IS_PERSONAL' });
  });

  it('runs register → MFA set-up → login → MFA → refresh, and revokes the family when a used refresh token comes back', async () => {
    const u = await registered();
    const first = pair(await service.login({ email: u.email, password: PASSWORD }, caller));
    const p = await principal(first);
    expect(p.amr).toEqual(['pwd']);
    const setup = await service.setupMfa(p);
    if (!setup.ok) throw new Error(setup.message);
    expect(setup.value.otpauthUrl).toContain(`secret=${setup.value.secret}`);
    expect(setup.value.qrSvg).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
    expect((await backend.identity.findMfa(u.userId))?.secretSealed).not.toContain(setup.value.secret);
    expect(await service.enableMfa(p, '000000')).toMatchObject({ ok: false, code: 'MFA_CODE_INVALID' });
    const enabled = await service.enableMfa(p, totpCode(setup.value.secret, nowMs));
    expect(enabled.ok && enabled.value.backupCodes).toHaveLength(10);
    expect(new Set(enabled.ok ? enabled.value.backupCodes : []).size).toBe(10);
    expect(eventsOf('auth.mfa.enabled', u.userId)).toHaveLength(1);
    expect(await service.setupMfa(p)).toMatchObject({ ok: false, code: 'MFA_ALREADY_ENABLED' });

    nowMs += 30_000;
    const login = await service.login({ email: u.email, password: PASSWORD }, caller);
    expect(login.ok && login.value).toMatchObject({ mfaRequired: true, mfaToken: expect.any(String) });
    if (!login.ok || !('mfaRequired' in login.value)) return;
    // The MFA token is no access token: it finishes a login and nothing else.
    expect(await tokens.verifyAccess(login.value.mfaToken, nowMs)).toMatchObject({ ok: false, code: 'TOKEN_WRONG_TYPE' });
    const signedIn = await service.verifyMfaLogin({ mfaToken: login.value.mfaToken, code: totpCode(setup.value.secret, nowMs) }, caller);
    if (!signedIn.ok) throw new Error(signedIn.message);
    const p2 = await principal(signedIn.value);
    expect(p2.amr).toEqual(['pwd', 'otp']);
    expect(p2.sessionId).toBeDefined();

    nowMs += 60_000;
    const refreshed = await service.refresh(signedIn.value.refreshToken);
    if (!refreshed.ok) throw new Error(refreshed.message);
    expect(refreshed.value.refreshToken).not.toBe(signedIn.value.refreshToken);
    expect((await principal(refreshed.value)).sessionId).toBe(p2.sessionId);
    expect((await principal(refreshed.value)).amr).toEqual(['pwd', 'otp']);

    const reused = await service.refresh(signedIn.value.refreshToken);
    expect(reused).toMatchObject({ ok: false, code: 'REFRESH_REUSED' });
    expect(backend.sessions.isRevoked(p2.sessionId!)).toBe(true);
    expect(eventsOf('auth.refresh.reused', p2.sessionId)).toEqual([
      { actor: 'engine', action: 'auth.refresh.reused', entityType: 'session', entityId: p2.sessionId, before: { revoked: false }, after: { revoked: true, userId: u.userId } },
    ]);
    // The whole family: the newest token is refused as well.
    expect(await service.refresh(refreshed.value.refreshToken)).toMatchObject({ ok: false, code: 'REFRESH_INVALID' });
    expect(await service.refresh('not-a-token')).toMatchObject({ ok: false, code: 'REFRESH_INVALID' });
  });

  it('accepts a TOTP code once, and each backup code once', async () => {
    const u = await registered();
    const { secret, backupCodes } = await withMfa(await principal(pair(await service.login({ email: u.email, password: PASSWORD }, caller))));
    const code = totpCode(secret, nowMs);
    await mfaLogin(u.email, () => code);
    await expect(mfaLogin(u.email, () => code)).rejects.toThrow(/wrong or was used/);
    const backup = backupCodes[3] as string;
    const viaBackup = await mfaLogin(u.email, () => backup.toUpperCase().replaceAll('-', ' '));
    expect((await principal(viaBackup)).amr).toEqual(['pwd', 'backup']);
    expect(eventsOf('auth.mfa.backup_used', u.userId).at(-1)?.after).toEqual({ backupCodesLeft: 9 });
    await expect(mfaLogin(u.email, () => backup)).rejects.toThrow(/wrong or was used/);
  });

  it('locks an account after 5 failed logins in 15 minutes, for 15 minutes, answering exactly as for an unknown email', async () => {
    const u = await registered();
    const wrong = await service.login({ email: u.email, password: 'not the password at all' }, caller);
    for (let i = 0; i < 4; i++) await service.login({ email: u.email, password: `wrong password ${i}!` }, caller);
    expect(eventsOf('auth.login.locked', u.userId)).toHaveLength(1);
    const locked = await service.login({ email: u.email, password: PASSWORD }, caller);
    const unknown = await service.login({ email: `nobody.${seq}@example.com`, password: PASSWORD }, caller);
    expect(wrong).toEqual({ ok: false, code: 'LOGIN_FAILED', message: expect.any(String) });
    expect(locked).toEqual(wrong);
    expect(unknown).toEqual(wrong);
    expect(eventsOf('auth.login.failed', u.userId)).toHaveLength(5);
    nowMs += 14 * 60_000;
    expect(await service.login({ email: u.email, password: PASSWORD }, caller)).toEqual(wrong);
    nowMs += 61_000;
    expect(pair(await service.login({ email: u.email, password: PASSWORD }, caller)).accessToken).toEqual(expect.any(String));
  });

  it('does not lock for failures spread beyond the 15-minute window', async () => {
    const u = await registered();
    for (let i = 0; i < 4; i++) await service.login({ email: u.email, password: `wrong password ${i}!` }, caller);
    nowMs += 16 * 60_000;
    await service.login({ email: u.email, password: 'wrong password again' }, caller);
    expect(eventsOf('auth.login.locked', u.userId)).toHaveLength(0);
    expect((await service.login({ email: u.email, password: PASSWORD }, caller)).ok).toBe(true);
  });

  it('counts wrong MFA codes as failed logins, and a correct password does not forget them', async () => {
    const u = await registered();
    await withMfa(await principal(pair(await service.login({ email: u.email, password: PASSWORD }, caller))));
    for (let i = 0; i < 5; i++) {
      const first = await service.login({ email: u.email, password: PASSWORD }, caller);
      if (!first.ok || !('mfaRequired' in first.value)) throw new Error('expected mfaRequired');
      expect(await service.verifyMfaLogin({ mfaToken: first.value.mfaToken, code: '123456' }, caller)).toMatchObject({ ok: false });
    }
    expect(eventsOf('auth.login.locked', u.userId)).toHaveLength(1);
    expect(await service.login({ email: u.email, password: PASSWORD }, caller)).toMatchObject({ ok: false, code: 'LOGIN_FAILED' });
  });

  it('gives a privileged user without MFA only its other grants, says mfaSetupRequired, and everything once it signs in with MFA', async () => {
    const admin = await adminWithMfa();
    const u = await registered();
    await service.setPortfolios(admin, u.userId, { role: 'trader', portfolios: ['P1'] });
    await service.setRoles(admin, u.userId, ['trader', 'risk_manager']);
    await service.setPortfolios(admin, u.userId, { role: 'risk_manager', portfolios: ['*'] });
    const login = pair(await service.login({ email: u.email, password: PASSWORD }, caller));
    expect(login.mfaSetupRequired).toBe(true);
    const p = await principal(login);
    expect([...p.roles]).toEqual(['trader']);
    // A refresh applies the same rule.
    expect([...(await principal(pair(await service.refresh(login.refreshToken)))).roles]).toEqual(['trader']);
    const { secret } = await withMfa(p);
    const full = await mfaLogin(u.email, () => totpCode(secret, nowMs));
    expect(full.mfaSetupRequired).toBeUndefined();
    expect([...(await principal(full)).roles].sort()).toEqual(['risk_manager', 'trader']);

    // Only privileged roles: a new account's rights, enough to set up MFA.
    const onlyAdmin = await registered();
    await service.setRoles(admin, onlyAdmin.userId, ['admin']);
    const t = pair(await service.login({ email: onlyAdmin.email, password: PASSWORD }, caller));
    expect(t.mfaSetupRequired).toBe(true);
    const q = await principal(t);
    expect(q.grants).toEqual([{ role: 'trader', portfolios: new Set() }]);
    expect((await service.setupMfa(q)).ok).toBe(true);
  });

  it('creates an API key once (stored hashed), verifies it within its creator\'s grants, lists it without the secret, and revokes it', async () => {
    const admin = await adminWithMfa();
    const u = await registered();
    await service.setPortfolios(admin, u.userId, { portfolios: ['P1', 'P2'] });
    const p = await principal(pair(await service.login({ email: u.email, password: PASSWORD }, caller)));
    expect(await service.createApiKey(p, { name: 'too much', roles: ['trader'], portfolios: ['P3'] })).toMatchObject({ ok: false, code: 'GRANTS_EXCEED_OWN' });
    expect(await service.createApiKey(p, { name: 'feed', roles: ['feed'], portfolios: ['P1'] })).toMatchObject({ ok: false, code: 'GRANTS_EXCEED_OWN' });
    expect(await service.createApiKey(p, { name: 'past', roles: ['trader'], portfolios: ['P1'], expiresAtMs: nowMs - 1 })).toMatchObject({ ok: false, code: 'API_KEY_EXPIRY_PAST' });
    const created = await service.createApiKey(p, { name: 'bot', roles: ['trader'], portfolios: ['P1'], expiresAtMs: nowMs + 3_600_000 });
    if (!created.ok) throw new Error(created.message);
    const { key, id } = created.value;
    expect(key.startsWith(`${id}.`)).toBe(true);
    const stored = await backend.identity.findApiKey(id);
    expect(stored?.secretHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(stored)).not.toContain(key.split('.')[1]);
    expect(eventsOf('apikey.created', id)).toHaveLength(1);

    const v = await service.verify(key, nowMs);
    if (!v.ok) throw new Error(v.message);
    expect(v.value).toMatchObject({ sub: id, via: 'apiKey', amr: ['apikey'], expMs: nowMs + 3_600_000 });
    expect(v.value.grants).toEqual([{ role: 'trader', portfolios: new Set(['P1']) }]);
    expect(await service.verify(`${id}.${'A'.repeat(43)}`, nowMs)).toMatchObject({ ok: false, code: 'API_KEY_INVALID' });
    expect(await service.verify('garbage', nowMs)).toMatchObject({ ok: false, code: 'API_KEY_INVALID' });
    expect(await service.verify(key, nowMs + 3_600_000)).toMatchObject({ ok: false, code: 'API_KEY_EXPIRED' });
    // An API key cannot make API keys.
    expect(await service.createApiKey(v.value, { name: 'child', roles: ['trader'], portfolios: ['P1'] })).toMatchObject({ ok: false, code: 'FORBIDDEN' });

    // Lowering the owner's rights lowers the key's at once.
    await service.setPortfolios(admin, u.userId, { portfolios: ['P2'] });
    const clamped = await service.verify(key, nowMs);
    expect(clamped.ok && clamped.value.grants).toEqual([]);

    const listed = await service.listApiKeys(p);
    expect(listed.ok && listed.value).toEqual([{ id, name: 'bot', grants: [{ role: 'trader', portfolios: ['P1'] }], createdAt: new Date(created.value.createdAt).toISOString(), expiresAt: new Date(nowMs + 3_600_000).toISOString(), revokedAt: null, lastUsedAt: expect.any(String) }]);
    expect(JSON.stringify(listed)).not.toContain(key.split('.')[1]);
    expect(await service.revokeApiKey(p, id)).toEqual({ ok: true, value: { revoked: true } });
    expect(await service.revokeApiKey(p, id)).toMatchObject({ ok: false, code: 'API_KEY_NOT_FOUND' });
    expect(await service.verify(key, nowMs)).toMatchObject({ ok: false, code: 'API_KEY_REVOKED' });
    expect(eventsOf('apikey.revoked', id)).toHaveLength(1);
  });

  it('lets only an admin with MFA change roles and portfolios, audits before and after, and revokes the sessions of a user whose rights went down', async () => {
    const admin = await adminWithMfa();
    const u = await registered();
    const userToken = pair(await service.login({ email: u.email, password: PASSWORD }, caller));
    const userP = await principal(userToken);
    expect(await service.setRoles(userP, u.userId, ['admin'])).toMatchObject({ ok: false, code: 'FORBIDDEN' });
    const adminWithoutMfa: Principal = { ...admin, amr: ['pwd'] };
    expect(await service.setRoles(adminWithoutMfa, u.userId, ['admin'])).toMatchObject({ ok: false, code: 'MFA_REQUIRED' });
    expect(await service.setRoles(admin, 'no-such-user', ['trader'])).toMatchObject({ ok: false, code: 'USER_NOT_FOUND' });
    expect(await service.setPortfolios(admin, u.userId, { role: 'admin', portfolios: ['P1'] })).toMatchObject({ ok: false, code: 'ROLE_NOT_HELD' });

    // Raising rights leaves the sessions alone.
    expect(await service.setPortfolios(admin, u.userId, { role: 'trader', portfolios: ['P1', 'P2'] })).toEqual({ ok: true, value: { grants: [{ role: 'trader', portfolios: ['P1', 'P2'] }], sessionsRevoked: 0 } });
    expect(backend.sessions.isRevoked(userP.sessionId!)).toBe(false);
    expect(eventsOf('user.portfolios.changed', u.userId).at(-1)).toEqual({
      actor: admin.sub, action: 'user.portfolios.changed', entityType: 'user', entityId: u.userId,
      before: [{ role: 'trader', portfolios: [] }], after: [{ role: 'trader', portfolios: ['P1', 'P2'] }],
    });
    const revokedEvents: { userId: string; sessionIds: readonly string[] }[] = [];
    const stop = backend.sessions.onRevoked((e) => revokedEvents.push(e));
    // Lowering them revokes every session at once.
    const r = await service.setRoles(admin, u.userId, ['compliance_officer']);
    stop();
    expect(r).toEqual({ ok: true, value: { grants: [{ role: 'compliance_officer', portfolios: [] }], sessionsRevoked: 1 } });
    expect(backend.sessions.isRevoked(userP.sessionId!)).toBe(true);
    expect(revokedEvents).toContainEqual({ userId: u.userId, sessionIds: [userP.sessionId] });
    expect(eventsOf('user.roles.changed', u.userId).at(-1)).toMatchObject({ actor: admin.sub, before: [{ role: 'trader', portfolios: ['P1', 'P2'] }], after: [{ role: 'compliance_officer', portfolios: [] }] });
    expect(await service.refresh(userToken.refreshToken)).toMatchObject({ ok: false, code: 'REFRESH_INVALID' });
  });

  it('logs out one session, and lets an admin revoke all of a user\'s sessions', async () => {
    const admin = await adminWithMfa();
    const u = await registered();
    const a = pair(await service.login({ email: u.email, password: PASSWORD }, caller));
    const b = pair(await service.login({ email: u.email, password: PASSWORD }, caller));
    const c = pair(await service.login({ email: u.email, password: PASSWORD }, caller));
    const pa = await principal(a);
    expect(await service.logout(pa)).toEqual({ ok: true, value: { revoked: true } });
    expect(backend.sessions.isRevoked(pa.sessionId!)).toBe(true);
    expect(eventsOf('auth.logout', pa.sessionId)).toHaveLength(1);
    expect(await service.refresh(a.refreshToken)).toMatchObject({ ok: false, code: 'REFRESH_INVALID' });
    expect((await service.refresh(b.refreshToken)).ok).toBe(true);

    expect(await service.revokeAllSessions(await principal(c), u.userId)).toMatchObject({ ok: false, code: 'FORBIDDEN' });
    expect(await service.revokeAllSessions(admin, u.userId)).toEqual({ ok: true, value: { sessionsRevoked: 2 } });
    expect(backend.sessions.isRevoked((await principal(c)).sessionId!)).toBe(true);
    expect(eventsOf('user.sessions.revoked', u.userId).at(-1)).toMatchObject({ actor: admin.sub, after: { sessions: expect.any(Array) } });
    const apiKeyPrincipal: Principal = { ...pa, via: 'apiKey' };
    delete (apiKeyPrincipal as { sessionId?: string }).sessionId;
    expect(await service.logout(apiKeyPrincipal)).toMatchObject({ ok: false, code: 'NO_SESSION' });
  });

  it('refuses an expired or wrong-kind MFA token', async () => {
    const u = await registered();
    const { secret } = await withMfa(await principal(pair(await service.login({ email: u.email, password: PASSWORD }, caller))));
    const first = await service.login({ email: u.email, password: PASSWORD }, caller);
    if (!first.ok || !('mfaRequired' in first.value)) throw new Error('expected mfaRequired');
    nowMs += 301_000;
    expect(await service.verifyMfaLogin({ mfaToken: first.value.mfaToken, code: totpCode(secret, nowMs) }, caller)).toMatchObject({ ok: false, code: 'MFA_TOKEN_INVALID' });
    const access = await tokens.issueAccess({ sub: u.userId, grants: [{ role: 'trader', portfolios: [] }], amr: ['pwd'] }, 60, nowMs);
    expect(await service.verifyMfaLogin({ mfaToken: access, code: totpCode(secret, nowMs) }, caller)).toMatchObject({ ok: false, code: 'MFA_TOKEN_INVALID' });
  });
});

// Keeps the role list honest if a role is added: every role is exercised above or named here.
const _roles: Role[] = ['trader', 'risk_manager', 'compliance_officer', 'admin', 'feed'];
void _roles;
