/**
 * Accounts, login, MFA, sessions with rotating refresh tokens, API keys and user administration:
 * the behaviour behind /auth/* and /admin/users/*, over the identity and session stores, the token
 * service, the users' data keys and the audit sink (all given to the constructor).
 *
 * Decisions worth knowing:
 * - Login answers LOGIN_FAILED for an unknown email, a wrong password, a locked and a disabled
 *   account alike, and each of them costs one scrypt verification (an unknown email is checked
 *   against a dummy hash made at construction), so neither body nor time tells them apart.
 * - A wrong MFA code at login counts as a failed login: with the password known, the six digits
 *   of TOTP are otherwise the only thing left to guess. Failures are forgotten only when a login
 *   completes, never at the password step alone.
 * - A user holding a privileged role (PRIVILEGED_ROLES) who has not proved a second factor gets a
 *   token with only the non-privileged grants, and the login answer says `mfaSetupRequired: true`:
 *   that token can still set up and enable MFA (any signed-in user can), after which the next
 *   login, with a code, carries every grant. The same rule is applied at every refresh, which
 *   re-reads the user's grants, so a role change reaches live sessions at their next refresh.
 * - A session is the refresh-token family: its id (`sid`) is in every access token of the login,
 *   the refresh token is `<sid>.<secret>` stored as a hash, and each refresh swaps the hash.
 *   Presenting a token already swapped away revokes the session (reuse detection), audited. Its
 *   lifetime counts from the login; rotation does not extend it.
 * - An API key is clamped at every use to what its owner holds now (intersection of the key's
 *   grants and the owner's), so lowering a user's rights lowers their keys' too, at once.
 * - Revoking an API key also announces it through the session store (revokeCredential, the key id
 *   as the session), so the websockets authenticated with it close on every engine process (4005).
 * - Lowering a user's rights (a grant or a portfolio removed) revokes every session of theirs, and
 *   closes the websockets of each live key of theirs whose clamped rights went down (announceClose,
 *   4005 API_KEY_RIGHTS_CHANGED, on every engine process): such a socket holds the rights of when it
 *   authenticated. The key is not revoked: authenticating again gets the lowered rights.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import QRCode from 'qrcode';
import { failure, ok, type Result } from '../../engine/result.js';
import { decryptField, encryptField, envelopeKeyId, type FieldContext } from '../../persistence/field-crypto.js';
import { hashPassword, passwordProblem, verifyPassword } from '../passwords.js';
import { checkTotp, newTotpSecret, totpUri } from '../totp.js';
import { checkedGrants, grantsOf, grantsOfPrincipal, grantsWithin, intersectGrants, isPrivileged, normaliseGrants, withoutPrivileged } from './grants.js';
import type { IdentityErrorCode } from './identity-errors.js';
import {
  ALL_PORTFOLIOS, type ApiKeyRefusal, type ApiKeyVerifier, type AuditSink, type AuthMethod, type DataKeys, type Grant, hasMfa, type Principal,
  type Role, type SecurityEvent, type TokenService,
} from './ports.js';
import {
  backupCodeHash, newApiKey, newBackupCode, newRefreshToken, newSessionId, normaliseBackupCode, parseApiKey, refreshTokenSession, sameHash, sha256Hex,
} from './secrets.js';
import { CREDENTIAL_REVOCATION_HOLD_MS, type IdentityStore, type SessionStore, type UserRecord } from './stores.js';

export interface AccountServiceDeps {
  readonly identity: IdentityStore;
  readonly sessions: SessionStore;
  readonly tokens: TokenService;
  readonly dataKeys: DataKeys;
  readonly audit: AuditSink;
  /** The engine's clock, epoch ms. */
  readonly clock?: () => number;
}

export interface AccountOptions {
  /** ACCESS_TOKEN_EXPIRE_MINUTES. */
  readonly accessTokenMinutes: number;
  /** REFRESH_TOKEN_EXPIRE_DAYS: a session's life from its login. */
  readonly refreshTokenDays: number;
  /** How long a login may take between the password and the MFA code. */
  readonly mfaTokenSeconds: number;
  readonly lockout: { readonly maxFailures: number; readonly windowMs: number; readonly lockMs: number };
  /** The issuer an authenticator app shows beside the account. */
  readonly totpIssuer: string;
  readonly backupCodes: number;
  /**
   * BOOTSTRAP_ADMIN_EMAIL: the account that holds admin on every portfolio once the engine starts
   * with it set (ensureBootstrapAdmin), so that a new deployment has someone to grant the others.
   */
  readonly bootstrapAdminEmail?: string;
  /** A key's last-used time is written at most this often, so a busy key costs no write per request. */
  readonly apiKeyTouchMs: number;
}

export const ACCOUNT_DEFAULTS: AccountOptions = Object.freeze({
  accessTokenMinutes: 30,
  refreshTokenDays: 7,
  mfaTokenSeconds: 300,
  lockout: Object.freeze({ maxFailures: 5, windowMs: 15 * 60_000, lockMs: 15 * 60_000 }),
  totpIssuer: 'Risk Engine',
  backupCodes: 10,
  apiKeyTouchMs: 60_000,
});

/** Who asks, for the audit trail of anonymous requests. */
export interface Caller {
  readonly ip: string;
}

export interface TokenPair {
  readonly accessToken: string;
  readonly refreshToken: string;
  /** Seconds the access token is valid. */
  readonly expiresIn: number;
  /** Present when privileged grants were left out because the login proved no second factor. */
  readonly mfaSetupRequired?: true;
}

export type LoginOutcome = TokenPair | { readonly mfaRequired: true; readonly mfaToken: string };

export interface ApiKeyView {
  readonly id: string;
  readonly name: string;
  readonly grants: readonly Grant[];
  readonly createdAt: string;
  readonly expiresAt: string | null;
  readonly revokedAt: string | null;
  readonly lastUsedAt: string | null;
}

export interface Profile {
  readonly userId: string;
  readonly email: string;
  /** null when the user's data key was shredded. */
  readonly displayName: string | null;
  readonly grants: readonly Grant[];
  readonly mfaEnabled: boolean;
}

type Failed = ReturnType<typeof failure<IdentityErrorCode>>;
type Outcome<T> = Result<T, IdentityErrorCode>;

const fail = (code: IdentityErrorCode, message: string): Failed => failure(code, message);
const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());
const LOGIN_FAILED_MESSAGE = 'the email or password is wrong, or the account cannot sign in now';

/** What a new account holds until an admin grants it portfolios. */
const NEW_ACCOUNT_GRANT: Grant = Object.freeze({ role: 'trader', portfolios: Object.freeze([]) as readonly string[] });

const DISPLAY_NAME: Omit<FieldContext, 'rowId'> = { table: 'users', column: 'display_name' };
const TOTP_SECRET: Omit<FieldContext, 'rowId'> = { table: 'user_mfa', column: 'secret' };

/** The login name: trimmed, lower-case, NFC (so one address cannot be registered twice in two spellings). */
export function normaliseEmail(email: string): string {
  return email.normalize('NFC').trim().toLowerCase();
}

export class AccountService implements ApiKeyVerifier {
  private readonly o: AccountOptions;
  private readonly now: () => number;
  /** Verified against for an unknown email, so that it costs what a known one does. */
  private readonly dummyHash: Promise<string>;

  constructor(private readonly d: AccountServiceDeps, options: Partial<AccountOptions> = {}) {
    this.o = { ...ACCOUNT_DEFAULTS, ...options };
    for (const [name, v] of [['accessTokenMinutes', this.o.accessTokenMinutes], ['refreshTokenDays', this.o.refreshTokenDays], ['mfaTokenSeconds', this.o.mfaTokenSeconds]] as const) {
      if (!(v > 0 && Number.isFinite(v))) throw new RangeError(`${name}: a positive number expected, got ${v}`);
    }
    this.now = d.clock ?? Date.now;
    this.dummyHash = hashPassword(randomBytes(24).toString('base64url'));
  }

  private get accessTtlS(): number {
    return Math.round(this.o.accessTokenMinutes * 60);
  }

  // ── accounts ────────────────────────────────────────────────────────────────────────────────

  async register(input: { email: string; password: string; displayName: string }, caller: Caller): Promise<Outcome<{ userId: string }>> {
    const email = normaliseEmail(input.email);
    const displayName = input.displayName.normalize('NFC').trim();
    const problem = passwordProblem(input.password, { email, displayName });
    if (problem) return fail(problem.code, `password: ${problem.message}`);
    if (await this.d.identity.findUserByEmail(email)) return fail('EMAIL_TAKEN', 'an account with this email exists');
    const id = randomUUID();
    const passwordHash = await hashPassword(input.password);
    const key = await this.d.dataKeys.forUser(id);
    const created = await this.d.identity.createUser({
      id, email, passwordHash, status: 'active', createdMs: this.now(),
      displayNameSealed: encryptField(key, displayName, { ...DISPLAY_NAME, rowId: id }),
      grants: [NEW_ACCOUNT_GRANT],
    });
    if (!created) {
      // Lost a race for the email: the key made for this attempt protects nothing.
      await this.d.dataKeys.shred(id);
      return fail('EMAIL_TAKEN', 'an account with this email exists');
    }
    await this.audit({ actor: id, action: 'user.registered', entityType: 'user', entityId: id, before: null, after: { grants: [NEW_ACCOUNT_GRANT], ip: caller.ip } });
    return ok({ userId: id });
  }

  /**
   * Grants admin on every portfolio to the account registered with BOOTSTRAP_ADMIN_EMAIL, audited.
   * Only at start, never at registration: whoever registers that email after the operator set it
   * does not become admin until the operator restarts the engine (and would have noticed their own
   * registration refused with EMAIL_TAKEN). The admin still needs MFA to administer users.
   */
  async ensureBootstrapAdmin(): Promise<'off' | 'absent' | 'held' | 'granted'> {
    if (this.o.bootstrapAdminEmail === undefined) return 'off';
    const user = await this.d.identity.findUserByEmail(normaliseEmail(this.o.bootstrapAdminEmail));
    if (!user) return 'absent';
    if (user.grants.some((g) => g.role === 'admin' && g.portfolios.includes(ALL_PORTFOLIOS))) return 'held';
    const next: Grant[] = [...user.grants.filter((g) => g.role !== 'admin'), { role: 'admin', portfolios: [ALL_PORTFOLIOS] }];
    const before = await this.d.identity.replaceGrants(user.id, next);
    if (before === undefined) return 'absent';
    await this.audit({ actor: 'engine', action: 'user.admin.bootstrapped', entityType: 'user', entityId: user.id, before, after: next });
    return 'granted';
  }

  async profile(p: Principal): Promise<Outcome<Profile>> {
    const user = await this.d.identity.findUserById(p.sub);
    if (!user) return fail('NOT_AN_ACCOUNT', 'the caller is not an account');
    const mfa = await this.d.identity.findMfa(user.id);
    return ok({
      userId: user.id, email: user.email, displayName: await this.open(user.id, user.displayNameSealed, { ...DISPLAY_NAME, rowId: user.id }),
      grants: user.grants, mfaEnabled: mfa?.enabled === true,
    });
  }

  // ── login ───────────────────────────────────────────────────────────────────────────────────

  async login(input: { email: string; password: string }, caller: Caller): Promise<Outcome<LoginOutcome>> {
    const nowMs = this.now();
    const user = await this.d.identity.findUserByEmail(normaliseEmail(input.email));
    if (!user) {
      await verifyPassword(input.password, await this.dummyHash);
      await this.audit({ actor: 'anonymous', action: 'auth.login.failed', entityType: 'user', entityId: 'unknown', before: null, after: { reason: 'unknown_email', ip: caller.ip } });
      return fail('LOGIN_FAILED', LOGIN_FAILED_MESSAGE);
    }
    // Verified whatever the account's state, so a locked account answers in the time a wrong password does.
    const passwordOk = await verifyPassword(input.password, user.passwordHash);
    const refusal = this.cannotSignIn(user, nowMs);
    if (refusal) {
      await this.audit({ actor: 'anonymous', action: 'auth.login.refused', entityType: 'user', entityId: user.id, before: null, after: { reason: refusal, ip: caller.ip } });
      return fail('LOGIN_FAILED', LOGIN_FAILED_MESSAGE);
    }
    if (!passwordOk) {
      await this.noteFailure(user, nowMs, 'wrong_password', caller);
      return fail('LOGIN_FAILED', LOGIN_FAILED_MESSAGE);
    }
    const mfa = await this.d.identity.findMfa(user.id);
    if (mfa?.enabled) {
      return ok({ mfaRequired: true, mfaToken: await this.d.tokens.issueMfa(user.id, this.o.mfaTokenSeconds, nowMs) });
    }
    await this.d.identity.clearLoginFailures(user.id);
    return ok(await this.openSession(user, ['pwd'], nowMs));
  }

  /** Finishes a login with a TOTP code or a backup code. */
  async verifyMfaLogin(input: { mfaToken: string; code: string }, caller: Caller): Promise<Outcome<TokenPair>> {
    const nowMs = this.now();
    const v = await this.d.tokens.verifyMfa(input.mfaToken, nowMs);
    if (!v.ok) return fail('MFA_TOKEN_INVALID', `MFA token refused: ${v.code}`);
    const user = await this.d.identity.findUserById(v.value.sub);
    const mfa = user && (await this.d.identity.findMfa(user.id));
    if (!user || !mfa?.enabled) return fail('MFA_TOKEN_INVALID', 'MFA token refused: its account cannot finish a login with MFA');
    const refusal = this.cannotSignIn(user, nowMs);
    if (refusal) {
      await this.audit({ actor: 'anonymous', action: 'auth.login.refused', entityType: 'user', entityId: user.id, before: null, after: { reason: refusal, step: 'mfa', ip: caller.ip } });
      return fail('LOGIN_FAILED', LOGIN_FAILED_MESSAGE);
    }
    const method = await this.secondFactor(user.id, mfa.secretSealed, mfa.lastStep, input.code, nowMs);
    if (!method) {
      await this.noteFailure(user, nowMs, 'wrong_mfa_code', caller);
      return fail('MFA_CODE_INVALID', 'the code is wrong or was used before');
    }
    await this.d.identity.clearLoginFailures(user.id);
    return ok(await this.openSession(user, ['pwd', method], nowMs));
  }

  /** Rotates the refresh token: a new pair, or the session revoked when the token was used before. */
  async refresh(refreshToken: string): Promise<Outcome<TokenPair>> {
    const nowMs = this.now();
    const sid = refreshTokenSession(refreshToken);
    if (sid === undefined) return fail('REFRESH_INVALID', 'not a refresh token');
    const next = newRefreshToken(sid);
    const r = await this.d.sessions.rotate(sid, sha256Hex(refreshToken), sha256Hex(next), nowMs);
    if (r.kind === 'invalid') return fail('REFRESH_INVALID', 'the refresh token is unknown, expired or revoked');
    if (r.kind === 'reused') {
      await this.audit({
        actor: 'engine', action: 'auth.refresh.reused', entityType: 'session', entityId: sid,
        before: { revoked: false }, after: { revoked: true, userId: r.session.userId },
      });
      return fail('REFRESH_REUSED', 'this refresh token was used before: the session is revoked, sign in again');
    }
    const user = await this.d.identity.findUserById(r.session.userId);
    if (!user || user.status !== 'active') {
      await this.d.sessions.revoke(sid, nowMs);
      return fail('REFRESH_INVALID', 'the account cannot sign in');
    }
    const { grants, mfaSetupRequired } = this.grantsFor(user, r.session.amr);
    const accessToken = await this.d.tokens.issueAccess({ sub: user.id, sid, grants, amr: r.session.amr }, this.accessTtlS, nowMs);
    return ok({ accessToken, refreshToken: next, expiresIn: this.accessTtlS, ...(mfaSetupRequired ? { mfaSetupRequired: true as const } : {}) });
  }

  async logout(p: Principal): Promise<Outcome<{ revoked: boolean }>> {
    // An API key's principal carries its key id as sessionId: it has no login session to end.
    if (p.via !== 'token' || p.sessionId === undefined) return fail('NO_SESSION', 'this token belongs to no login session');
    const userId = await this.d.sessions.revoke(p.sessionId, this.now());
    if (userId !== undefined) {
      await this.audit({ actor: p.sub, action: 'auth.logout', entityType: 'session', entityId: p.sessionId, before: { revoked: false }, after: { revoked: true } });
    }
    return ok({ revoked: userId !== undefined });
  }

  // ── MFA set-up ──────────────────────────────────────────────────────────────────────────────

  async setupMfa(p: Principal): Promise<Outcome<{ secret: string; otpauthUrl: string; qrSvg: string }>> {
    const user = await this.accountOf(p);
    if (!user.ok) return user;
    const id = user.value.id;
    const secret = newTotpSecret();
    const key = await this.d.dataKeys.forUser(id);
    if (!(await this.d.identity.savePendingMfa(id, encryptField(key, secret, { ...TOTP_SECRET, rowId: id }), this.now()))) {
      return fail('MFA_ALREADY_ENABLED', 'MFA is already on for this account');
    }
    const otpauthUrl = totpUri(secret, user.value.email, this.o.totpIssuer);
    const qrSvg = await QRCode.toString(otpauthUrl, { type: 'svg' });
    return ok({ secret, otpauthUrl, qrSvg });
  }

  /** Turns MFA on once a code proves the authenticator works; the backup codes are shown this once. */
  async enableMfa(p: Principal, code: string): Promise<Outcome<{ backupCodes: string[] }>> {
    const user = await this.accountOf(p);
    if (!user.ok) return user;
    const id = user.value.id;
    const mfa = await this.d.identity.findMfa(id);
    if (!mfa) return fail('MFA_NOT_SET_UP', 'call POST /auth/mfa/setup first');
    if (mfa.enabled) return fail('MFA_ALREADY_ENABLED', 'MFA is already on for this account');
    const secret = await this.open(id, mfa.secretSealed, { ...TOTP_SECRET, rowId: id });
    if (secret === null) return fail('MFA_NOT_SET_UP', 'the pending secret cannot be read: call POST /auth/mfa/setup again');
    const nowMs = this.now();
    const check = checkTotp(secret, code, nowMs, mfa.lastStep);
    if (!check.ok) return fail('MFA_CODE_INVALID', 'the code does not match the authenticator');
    const backupCodes = Array.from({ length: this.o.backupCodes }, newBackupCode);
    const hashes = backupCodes.map((c) => backupCodeHash(id, normaliseBackupCode(c) as string));
    if (!(await this.d.identity.enableMfa(id, check.step, hashes))) return fail('MFA_ALREADY_ENABLED', 'MFA is already on for this account');
    await this.audit({ actor: id, action: 'auth.mfa.enabled', entityType: 'user', entityId: id, before: { mfa: false }, after: { mfa: true, backupCodes: hashes.length } });
    return ok({ backupCodes });
  }

  // ── API keys ────────────────────────────────────────────────────────────────────────────────

  async createApiKey(p: Principal, input: { name: string; roles: readonly Role[]; portfolios: readonly string[]; expiresAtMs?: number }): Promise<Outcome<ApiKeyView & { key: string }>> {
    if (p.via !== 'token') return fail('FORBIDDEN', 'an API key cannot create API keys');
    const user = await this.accountOf(p);
    if (!user.ok) return user;
    const nowMs = this.now();
    if (input.expiresAtMs !== undefined && input.expiresAtMs <= nowMs) return fail('API_KEY_EXPIRY_PAST', 'expiresAt must be in the future');
    const grants = grantsOf(input.roles, input.portfolios);
    // Against the token's grants, not the stored ones: a login without MFA holds no privileged grant to hand on.
    if (!grantsWithin(grants, grantsOfPrincipal(p))) return fail('GRANTS_EXCEED_OWN', 'an API key may carry only roles and portfolios its creator holds');
    const k = newApiKey();
    const record = { id: k.id, ownerId: user.value.id, name: input.name, secretHash: k.secretHash, grants, expiresMs: input.expiresAtMs, createdMs: nowMs };
    if (!(await this.d.identity.createApiKey(record))) throw new Error(`API key id ${k.id} exists`); // 96 random bits: a bug, not a collision
    await this.audit({ actor: p.sub, action: 'apikey.created', entityType: 'apikey', entityId: k.id, before: null, after: { name: input.name, grants, expiresAt: iso(input.expiresAtMs) } });
    return ok({ ...viewOf({ ...record, revokedMs: undefined, lastUsedMs: undefined }), key: k.key });
  }

  async listApiKeys(p: Principal): Promise<Outcome<ApiKeyView[]>> {
    const user = await this.accountOf(p);
    if (!user.ok) return user;
    return ok((await this.d.identity.listApiKeys(user.value.id)).map(viewOf));
  }

  async revokeApiKey(p: Principal, id: string): Promise<Outcome<{ revoked: true }>> {
    const user = await this.accountOf(p);
    if (!user.ok) return user;
    const nowMs = this.now();
    if (!(await this.d.identity.revokeApiKey(user.value.id, id, nowMs))) return fail('API_KEY_NOT_FOUND', `no live API key ${id.slice(0, 64)} of this account`);
    // The store refuses the key from now on; the websockets already authenticated with it close on
    // every engine process through the session revocations' channel.
    const expiresMs = (await this.d.identity.findApiKey(id))?.expiresMs ?? Infinity;
    await this.d.sessions.revokeCredential(id, Math.min(expiresMs, nowMs + CREDENTIAL_REVOCATION_HOLD_MS), nowMs);
    await this.audit({ actor: p.sub, action: 'apikey.revoked', entityType: 'apikey', entityId: id, before: { revoked: false }, after: { revoked: true } });
    return ok({ revoked: true });
  }

  /** ApiKeyVerifier: `Authorization: ApiKey …` and websocket `auth {apiKey}`. */
  async verify(apiKey: string, nowMs: number): Promise<Result<Principal, ApiKeyRefusal>> {
    const parsed = parseApiKey(apiKey);
    const k = parsed && (await this.d.identity.findApiKey(parsed.id));
    if (!parsed || !k || !sameHash(parsed.secretHash, k.secretHash)) return failure('API_KEY_INVALID', 'not a valid API key');
    if (k.revokedMs !== undefined || k.ownerStatus !== 'active') return failure('API_KEY_REVOKED', 'the API key was revoked');
    if (k.expiresMs !== undefined && k.expiresMs <= nowMs) return failure('API_KEY_EXPIRED', 'the API key expired');
    if (k.lastUsedMs === undefined || nowMs - k.lastUsedMs >= this.o.apiKeyTouchMs) {
      void this.d.identity.touchApiKey(k.id, nowMs).catch(() => {}); // best effort: it only dates the last use
    }
    const grants = intersectGrants(k.grants, k.ownerGrants);
    return ok({
      sub: k.id, grants: checkedGrants(grants), roles: new Set(grants.map((g) => g.role)),
      expMs: k.expiresMs ?? Number.MAX_SAFE_INTEGER, amr: ['apikey'], via: 'apiKey',
      // The key id as the session: revoking the key closes the websockets it opened (revokeCredential).
      sessionId: k.id,
    });
  }

  // ── user administration ─────────────────────────────────────────────────────────────────────

  /** The user's roles become exactly these: a kept role keeps its portfolios, a new one starts with none. */
  async setRoles(admin: Principal, userId: string, roles: readonly Role[]): Promise<Outcome<{ grants: Grant[]; sessionsRevoked: number }>> {
    return this.changeGrants(admin, userId, 'user.roles.changed', (before) => ok(normaliseGrants(roles.map((role) => before.find((g) => g.role === role) ?? { role, portfolios: [] }))));
  }

  /** The portfolios of one role's grant, or of every grant when no role is named. */
  async setPortfolios(admin: Principal, userId: string, input: { role?: Role; portfolios: readonly string[] }): Promise<Outcome<{ grants: Grant[]; sessionsRevoked: number }>> {
    return this.changeGrants(admin, userId, 'user.portfolios.changed', (before) => {
      if (input.role !== undefined && !before.some((g) => g.role === input.role)) return fail('ROLE_NOT_HELD', `the user holds no ${input.role} grant`);
      return ok(normaliseGrants(before.map((g) => (input.role === undefined || g.role === input.role ? { role: g.role, portfolios: [...input.portfolios] } : g))));
    });
  }

  async revokeAllSessions(admin: Principal, userId: string): Promise<Outcome<{ sessionsRevoked: number }>> {
    const refused = this.adminRefusal(admin);
    if (refused) return refused;
    if (!(await this.d.identity.findUserById(userId))) return fail('USER_NOT_FOUND', 'no such user');
    const ids = await this.d.sessions.revokeAllOf(userId, this.now());
    await this.audit({ actor: admin.sub, action: 'user.sessions.revoked', entityType: 'user', entityId: userId, before: null, after: { sessions: ids } });
    return ok({ sessionsRevoked: ids.length });
  }

  // ── inside ──────────────────────────────────────────────────────────────────────────────────

  private async changeGrants(
    admin: Principal, userId: string, action: string, change: (before: readonly Grant[]) => Outcome<Grant[]>,
  ): Promise<Outcome<{ grants: Grant[]; sessionsRevoked: number }>> {
    const refused = this.adminRefusal(admin);
    if (refused) return refused;
    const user = await this.d.identity.findUserById(userId);
    if (!user) return fail('USER_NOT_FOUND', 'no such user');
    const next = change(user.grants);
    if (!next.ok) return next;
    const before = await this.d.identity.replaceGrants(userId, next.value);
    if (before === undefined) return fail('USER_NOT_FOUND', 'no such user');
    await this.audit({ actor: admin.sub, action, entityType: 'user', entityId: userId, before, after: next.value });
    let sessionsRevoked = 0;
    if (!grantsWithin(before, next.value)) {
      // Rights went down: tokens minted with the old grants must stop working now, not at their expiry.
      const nowMs = this.now();
      const ids = await this.d.sessions.revokeAllOf(userId, nowMs);
      sessionsRevoked = ids.length;
      const keys = await this.closeApiKeyConnections(userId, before, next.value, nowMs);
      await this.audit({ actor: admin.sub, action: 'user.sessions.revoked', entityType: 'user', entityId: userId, before: null, after: { sessions: ids, apiKeysReconnect: keys, because: action } });
    }
    return ok({ grants: next.value, sessionsRevoked });
  }

  /**
   * An API key's websocket keeps the rights clamped when it authenticated (REST is clamped at every
   * call): the user's live keys whose clamped rights went down are told to authenticate again. The
   * ids of those keys.
   */
  private async closeApiKeyConnections(userId: string, before: readonly Grant[], after: readonly Grant[], nowMs: number): Promise<string[]> {
    const lowered = (await this.d.identity.listApiKeys(userId)).filter((k) =>
      k.revokedMs === undefined && (k.expiresMs === undefined || k.expiresMs > nowMs)
      && !grantsWithin(intersectGrants(k.grants, before), intersectGrants(k.grants, after)));
    for (const k of lowered) await this.d.sessions.announceClose({ userId: k.id, sessionIds: [k.id] }, 'rights_changed', nowMs);
    return lowered.map((k) => k.id);
  }

  private adminRefusal(p: Principal): Failed | undefined {
    if (!p.roles.has('admin')) return fail('FORBIDDEN', 'only an admin administers users');
    if (!hasMfa(p)) return fail('MFA_REQUIRED', 'administering users needs a login with MFA');
    return undefined;
  }

  private async accountOf(p: Principal): Promise<Outcome<UserRecord>> {
    if (p.via !== 'token') return fail('NOT_AN_ACCOUNT', 'this route is for a signed-in account, not an API key');
    const user = await this.d.identity.findUserById(p.sub);
    return user ? ok(user) : fail('NOT_AN_ACCOUNT', 'the token names no account of this engine');
  }

  private cannotSignIn(user: UserRecord, nowMs: number): 'locked' | 'disabled' | undefined {
    if (user.status !== 'active') return 'disabled';
    if (user.lockedUntilMs !== undefined && user.lockedUntilMs > nowMs) return 'locked';
    return undefined;
  }

  private async noteFailure(user: UserRecord, nowMs: number, reason: string, caller: Caller): Promise<void> {
    const { maxFailures, windowMs, lockMs } = this.o.lockout;
    const n = await this.d.identity.recordLoginFailure(user.id, nowMs, windowMs);
    await this.audit({ actor: 'anonymous', action: 'auth.login.failed', entityType: 'user', entityId: user.id, before: null, after: { reason, failures: n, ip: caller.ip } });
    if (n >= maxFailures) {
      await this.d.identity.lock(user.id, nowMs + lockMs);
      await this.audit({ actor: 'engine', action: 'auth.login.locked', entityType: 'user', entityId: user.id, before: null, after: { lockedUntil: iso(nowMs + lockMs), failures: n } });
    }
  }

  /** 'otp' or 'backup' when the code is the user's (and now used up), else undefined. */
  private async secondFactor(userId: string, secretSealed: string, lastStep: number | undefined, code: string, nowMs: number): Promise<AuthMethod | undefined> {
    if (/^\d+$/.test(code)) {
      const secret = await this.open(userId, secretSealed, { ...TOTP_SECRET, rowId: userId });
      if (secret === null) return undefined;
      const check = checkTotp(secret, code, nowMs, lastStep);
      // The store accepts a step once, atomically: the same code sent twice at once wins once.
      return check.ok && (await this.d.identity.acceptTotpStep(userId, check.step)) ? 'otp' : undefined;
    }
    const normalised = normaliseBackupCode(code);
    if (normalised === undefined || !(await this.d.identity.useBackupCode(userId, backupCodeHash(userId, normalised), nowMs))) return undefined;
    const left = await this.d.identity.backupCodesLeft(userId);
    await this.audit({ actor: userId, action: 'auth.mfa.backup_used', entityType: 'user', entityId: userId, before: { backupCodesLeft: left + 1 }, after: { backupCodesLeft: left } });
    return 'backup';
  }

  private grantsFor(user: UserRecord, amr: readonly AuthMethod[]): { grants: Grant[]; mfaSetupRequired: boolean } {
    const secondFactor = amr.includes('otp') || amr.includes('backup');
    const grants = secondFactor ? [...user.grants] : withoutPrivileged(user.grants);
    const mfaSetupRequired = !secondFactor && user.grants.some((g) => isPrivileged(g.role));
    // An access token carries at least one grant; a user left with none (only privileged roles, no
    // second factor) gets what a new account has, trader on no portfolio: enough to set up MFA, nothing more.
    return { grants: grants.length > 0 ? grants : [NEW_ACCOUNT_GRANT], mfaSetupRequired };
  }

  private async openSession(user: UserRecord, amr: readonly AuthMethod[], nowMs: number): Promise<TokenPair> {
    const sid = newSessionId();
    const refreshToken = newRefreshToken(sid);
    await this.d.sessions.create({ id: sid, userId: user.id, amr, createdMs: nowMs, expiresMs: nowMs + this.o.refreshTokenDays * 86_400_000 }, sha256Hex(refreshToken));
    const { grants, mfaSetupRequired } = this.grantsFor(user, amr);
    const accessToken = await this.d.tokens.issueAccess({ sub: user.id, sid, grants, amr }, this.accessTtlS, nowMs);
    return { accessToken, refreshToken, expiresIn: this.accessTtlS, ...(mfaSetupRequired ? { mfaSetupRequired: true as const } : {}) };
  }

  /** A sealed field's text, or null when its data key is gone (shredded) or it does not authenticate. */
  private async open(userId: string, envelope: string, where: FieldContext): Promise<string | null> {
    const keyId = envelopeKeyId(envelope);
    const key = keyId === undefined ? undefined : await this.d.dataKeys.find(userId, keyId);
    const r = decryptField(() => key, envelope, where);
    return r.ok ? r.value : null;
  }

  private audit(e: SecurityEvent): Promise<void> {
    return this.d.audit(e);
  }
}

function viewOf(k: { id: string; name: string; grants: readonly Grant[]; createdMs: number; expiresMs: number | undefined; revokedMs: number | undefined; lastUsedMs: number | undefined }): ApiKeyView {
  return { id: k.id, name: k.name, grants: k.grants, createdAt: iso(k.createdMs) as string, expiresAt: iso(k.expiresMs), revokedAt: iso(k.revokedMs), lastUsedAt: iso(k.lastUsedMs) };
}
