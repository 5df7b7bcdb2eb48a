/**
 * The seams between the identity pieces of issue 14, fixed before they are built so that the
 * token signer, the account service, the stores and the gateway can be written side by side.
 *
 *   tokens.ts (signing keys, EdDSA)  ──implements──▶ TokenService
 *   identity/account-service.ts      ──uses──▶ TokenService, IdentityStore, SessionStore, DataKeys
 *   persistence/identity-store.ts    ──implements──▶ IdentityStore, SessionStore (PostgreSQL, Redis, memory)
 *   persistence/data-keys.ts         ──implements──▶ DataKeys
 *   server.ts                        ──uses──▶ SessionRevocations (every REST call, websocket auth, push)
 */
import type { Result } from '../../engine/result.js';

/** The five roles. A grant gives one role on some portfolios. */
export const ROLES = ['trader', 'risk_manager', 'compliance_officer', 'admin', 'feed'] as const;
export type Role = (typeof ROLES)[number];

/** Roles that may not hold a full token without MFA. */
export const PRIVILEGED_ROLES: readonly Role[] = ['risk_manager', 'compliance_officer', 'admin'];

/** Every portfolio, in a grant's list. */
export const ALL_PORTFOLIOS = '*';

/** One role on some portfolios, as tokens, API keys and the user store carry it: ["*"] = all. */
export interface Grant {
  readonly role: Role;
  readonly portfolios: readonly string[];
}

/**
 * How the holder proved who they are (RFC 8176 values): pwd = password, otp = TOTP code,
 * backup = a backup code, apikey = an API key, dev = minted by `risk-engine token`.
 */
export type AuthMethod = 'pwd' | 'otp' | 'backup' | 'apikey' | 'dev';

export interface AccessClaims {
  /** User id, API key id, or the development subject. */
  readonly sub: string;
  /** The session the token belongs to (user logins); revoking it refuses the token. */
  readonly sid?: string;
  readonly grants: readonly Grant[];
  readonly amr: readonly AuthMethod[];
}

export type TokenRefusal = 'TOKEN_INVALID' | 'TOKEN_EXPIRED' | 'TOKEN_WRONG_TYPE';

/** Signs and checks the engine's tokens with its current signing keys (asymmetric, with a key id). */
export interface TokenService {
  /** An access token (JWT, typ at+jwt) valid for ttlSeconds from nowMs. */
  issueAccess(claims: AccessClaims, ttlSeconds: number, nowMs: number): Promise<string>;
  /** A token that can do nothing but finish a login with MFA (typ mfa+jwt, its own audience). */
  issueMfa(sub: string, ttlSeconds: number, nowMs: number): Promise<string>;
  /** The subject of a valid, unexpired MFA token; an access token is refused here (and vice versa). */
  verifyMfa(token: string, nowMs: number): Promise<Result<{ readonly sub: string }, TokenRefusal>>;
  /** The public keys for GET /.well-known/jwks.json (current and still-trusted previous keys). */
  jwks(): { readonly keys: readonly Record<string, unknown>[] };
}

/** What the gateway asks about sessions: a synchronous view kept current by the session store. */
export interface SessionRevocations {
  /** True once the session (or API key, by its id) was revoked (logout, reuse detected, admin, key revoked); checked on every REST call and websocket auth of a token. */
  isRevoked(sessionId: string): boolean;
  /**
   * Called on every revocation, local or from another engine process, and on every close notice
   * (reason set: nothing is revoked, the connections only have to authenticate again): the gateway
   * closes the sockets whose principal has this sub and one of these session ids. userId is the
   * principal's sub: the user for login sessions, the key id for an API key (sessionIds [key id]).
   */
  onRevoked(listener: (e: SessionsEnded) => void): () => void;
}

/**
 * Why open connections must authenticate again although their credential stays valid:
 * 'rights_changed', the owner's rights were lowered (an API key's rights are clamped to its owner's
 * when it authenticates, so a connection opened before holds the old ones).
 */
export type SessionCloseReason = 'rights_changed';

/** What the SessionRevocations listeners hear: these sessions of this subject end now. */
export interface SessionsEnded {
  readonly userId: string;
  readonly sessionIds: readonly string[];
  /** Absent: revoked. Set: a close notice, the credential is not revoked. */
  readonly reason?: SessionCloseReason;
}

/** Per-user data keys for field encryption (crypto-shredding deletes one). */
export interface DataKeys {
  /** The user's data key, created on first use. */
  forUser(userId: string): Promise<{ readonly id: string; readonly key: Buffer }>;
  /** The user's data key by its id, or undefined when it was shredded (fields become unreadable). */
  find(userId: string, keyId: string): Promise<Buffer | undefined>;
  /** Deletes the user's data keys: every field sealed with them is unreadable from now on. `by`: who (audited; default `engine`). */
  shred(userId: string, by?: string): Promise<void>;
}

/** A security event for the audit trail (hash-chained with the rest): who did what, before and after. */
export interface SecurityEvent {
  /** Who did it: a user id, `anonymous` (a failed login), or `engine`. */
  readonly actor: string;
  /** e.g. auth.login.locked, auth.refresh.reused, auth.mfa.enabled, user.roles.changed, apikey.created. */
  readonly action: string;
  readonly entityType: 'user' | 'session' | 'apikey' | 'dead_letter' | 'signing_key' | 'data_key' | 'aml_alert' | 'report' | 'sanctions_list';
  readonly entityId: string;
  readonly before: unknown;
  readonly after: unknown;
}

/** Resolves once the event is durable (the journal's audit chain on durable engines). */
export type AuditSink = (e: SecurityEvent) => Promise<void>;

/** A grant as the gateway checks it: null portfolios = every portfolio. */
export interface CheckedGrant {
  readonly role: Role;
  readonly portfolios: ReadonlySet<string> | null;
}

/** Who is calling, as a verified access token or API key establishes it. */
export interface Principal {
  readonly sub: string;
  readonly grants: readonly CheckedGrant[];
  /** The roles of the grants, for quick role-only checks. */
  readonly roles: ReadonlySet<Role>;
  /** Expiry, epoch ms (an API key without expiry: Number.MAX_SAFE_INTEGER). */
  readonly expMs: number;
  /**
   * The login session (user tokens), or the key id for an API key (so a revoked key's open
   * websockets close as a revoked session's do); absent for development tokens.
   */
  readonly sessionId?: string;
  readonly amr: readonly AuthMethod[];
  readonly via: 'token' | 'apiKey';
}

/** True when the principal proved a second factor (MFA) when it signed in. */
export function hasMfa(p: Principal): boolean {
  return p.amr.includes('otp') || p.amr.includes('backup');
}

export type ApiKeyRefusal = 'API_KEY_INVALID' | 'API_KEY_REVOKED' | 'API_KEY_EXPIRED';

/** Checks `Authorization: ApiKey <key>` and websocket `auth {apiKey}`. */
export interface ApiKeyVerifier {
  verify(apiKey: string, nowMs: number): Promise<Result<Principal, ApiKeyRefusal>>;
}
