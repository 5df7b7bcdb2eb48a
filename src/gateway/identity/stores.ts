/**
 * The identity service's two stores, as ports: accounts (users, grants, MFA, backup codes, login
 * failures, API keys) and login sessions. Implemented in src/persistence/ on PostgreSQL and in
 * memory (identity-store-*.ts), and for sessions on Redis too (session-store-*.ts); one contract
 * suite each (test/contracts/) holds every implementation to the same behaviour.
 *
 * Stores keep what they are given: secrets arrive hashed, personal fields arrive sealed
 * (field-crypto envelopes), and time arrives as an argument (epoch ms), never from the store's clock.
 */
import type { AuthMethod, Grant, SessionCloseReason, SessionRevocations } from './ports.js';

export type UserStatus = 'active' | 'disabled';

export interface UserRecord {
  readonly id: string;
  /** Normalised: trimmed, lower-case, NFC. */
  readonly email: string;
  readonly passwordHash: string;
  /** field-crypto envelope (table users, column display_name, row id). */
  readonly displayNameSealed: string;
  readonly status: UserStatus;
  /** Login refused until then (lockout); undefined when not locked. */
  readonly lockedUntilMs: number | undefined;
  readonly createdMs: number;
  readonly grants: readonly Grant[];
}

export type NewUser = Omit<UserRecord, 'lockedUntilMs'>;

export interface MfaRecord {
  /** field-crypto envelope of the base32 TOTP secret (table user_mfa, column secret, user id). */
  readonly secretSealed: string;
  /** True once a code proved the authenticator works; until then the secret is only pending. */
  readonly enabled: boolean;
  /** The step of the last accepted code: it and every earlier one are refused. */
  readonly lastStep: number | undefined;
}

export interface ApiKeyRecord {
  readonly id: string;
  readonly ownerId: string;
  readonly name: string;
  /** Hex SHA-256 of the key's secret part. */
  readonly secretHash: string;
  readonly grants: readonly Grant[];
  readonly expiresMs: number | undefined;
  readonly revokedMs: number | undefined;
  readonly createdMs: number;
  readonly lastUsedMs: number | undefined;
}

/** A key as its verifier reads it: with its owner's current grants and status, to clamp it to them. */
export interface ApiKeyWithOwner extends ApiKeyRecord {
  readonly ownerGrants: readonly Grant[];
  readonly ownerStatus: UserStatus;
}

export interface IdentityStore {
  /** false when the email is already taken (nothing is written). */
  createUser(u: NewUser): Promise<boolean>;
  findUserById(id: string): Promise<UserRecord | undefined>;
  findUserByEmail(email: string): Promise<UserRecord | undefined>;
  /** Replaces the user's grants (one per role); the grants before, or undefined for an unknown user. */
  replaceGrants(userId: string, grants: readonly Grant[]): Promise<readonly Grant[] | undefined>;

  /** Records a failed login at nowMs and answers how many fell within [nowMs - windowMs, nowMs]. */
  recordLoginFailure(userId: string, nowMs: number, windowMs: number): Promise<number>;
  /** Locks logins until untilMs and forgets the failures that caused it. */
  lock(userId: string, untilMs: number): Promise<void>;
  /** Forgets the user's failed logins (a successful login). */
  clearLoginFailures(userId: string): Promise<void>;

  findMfa(userId: string): Promise<MfaRecord | undefined>;
  /** A new pending secret (set-up again replaces one not yet enabled); false when MFA is already enabled. */
  savePendingMfa(userId: string, secretSealed: string, nowMs: number): Promise<boolean>;
  /**
   * Turns MFA on with the code's step as the last one used and these backup codes (hashes),
   * replacing any earlier ones; false when there is no pending secret or it is already on.
   */
  enableMfa(userId: string, step: number, backupCodeHashes: readonly string[]): Promise<boolean>;
  /** Accepts a TOTP step once: false when this step or a later one was accepted before (atomic). */
  acceptTotpStep(userId: string, step: number): Promise<boolean>;
  /** Uses a backup code up: false when it is not one of the user's or was used before (atomic). */
  useBackupCode(userId: string, codeHash: string, nowMs: number): Promise<boolean>;
  /** How many of the user's backup codes are left. */
  backupCodesLeft(userId: string): Promise<number>;

  /** false when the id exists (nothing is written). */
  createApiKey(k: Omit<ApiKeyRecord, 'revokedMs' | 'lastUsedMs'>): Promise<boolean>;
  findApiKey(id: string): Promise<ApiKeyWithOwner | undefined>;
  /** The owner's keys, newest first. */
  listApiKeys(ownerId: string): Promise<readonly ApiKeyRecord[]>;
  /** Revokes the owner's key; false when there is no such key of that owner or it was revoked before. */
  revokeApiKey(ownerId: string, id: string, nowMs: number): Promise<boolean>;
  /** Notes the key was used (best effort: a lost write only makes last-used older). */
  touchApiKey(id: string, nowMs: number): Promise<void>;

  close(): Promise<void>;
}

export interface SessionRecord {
  readonly id: string;
  readonly userId: string;
  /** How the login was proved; refreshes keep it (a session without a second factor stays without). */
  readonly amr: readonly AuthMethod[];
  readonly createdMs: number;
  /** The refresh tokens' end: counted from the login, rotation does not extend it. */
  readonly expiresMs: number;
  readonly revokedMs: number | undefined;
}

export type RotateOutcome =
  /** The presented hash was the current one; `nextHash` is current now. */
  | { readonly kind: 'rotated'; readonly session: SessionRecord }
  /** The presented hash was rotated away before: the session is revoked now (and announced). */
  | { readonly kind: 'reused'; readonly session: SessionRecord }
  /** No such session, not one of its hashes, expired or revoked. */
  | { readonly kind: 'invalid' };

/**
 * How long a revoked API key is held in the revocation views (and reloaded by a process that was
 * away from the channel): open websockets end at the gateway's maximum session age (24 h by
 * default), so past this no connection authenticated before the revocation is left to close.
 */
export const CREDENTIAL_REVOCATION_HOLD_MS = 24 * 3_600_000;

export interface SessionStore extends SessionRevocations {
  create(s: Omit<SessionRecord, 'revokedMs'>, refreshHash: string): Promise<void>;
  find(sessionId: string): Promise<SessionRecord | undefined>;
  /** Swaps the refresh hash atomically; a used hash presented again revokes the session. */
  rotate(sessionId: string, presentedHash: string, nextHash: string, nowMs: number): Promise<RotateOutcome>;
  /** Revokes one session (if it exists and is not revoked yet); its user id, or undefined. */
  revoke(sessionId: string, nowMs: number): Promise<string | undefined>;
  /** Revokes every live session of the user; the ids revoked. */
  revokeAllOf(userId: string, nowMs: number): Promise<readonly string[]>;
  /**
   * A credential that is not a login session (an API key, by its id) was revoked: it is held as
   * revoked here until untilMs and announced through the sessions' channel with the id as both
   * subject and session (an API key's principal has sub = session = key id), so every engine
   * process closes the websockets it authenticated. The credential's own store stays the truth
   * for REST and new websockets; this only reaches the connections already open.
   */
  revokeCredential(credentialId: string, untilMs: number, nowMs: number): Promise<void>;
  /**
   * The open websockets of these sessions must authenticate again, though nothing is revoked (an API
   * key whose owner's rights were lowered, by its id as userId and session): the listeners hear it
   * here at once with the reason, and every other engine process through the sessions' channel.
   * Nothing is stored (isRevoked stays as it was; a process away from the channel misses it) and a
   * repeat is told again.
   */
  announceClose(target: { readonly userId: string; readonly sessionIds: readonly string[] }, reason: SessionCloseReason, nowMs: number): Promise<void>;
  /** Loads the revoked sessions still live and starts listening to other engine processes. */
  start(): Promise<void>;
  close(): Promise<void>;
}
