/**
 * The identity store in this process (PERSISTENCE=memory and fast unit tests): the same behaviour
 * as the PostgreSQL store (test/contracts/identity-store.contract.ts), forgotten at exit.
 */
import { normaliseGrants } from '../gateway/identity/grants.js';
import type { Grant } from '../gateway/identity/ports.js';
import type { ApiKeyRecord, ApiKeyWithOwner, IdentityStore, MfaRecord, NewUser, UserRecord } from '../gateway/identity/stores.js';

interface MfaState { secretSealed: string; enabled: boolean; lastStep: number | undefined }

export class MemoryIdentityStore implements IdentityStore {
  private readonly users = new Map<string, UserRecord>();
  private readonly byEmail = new Map<string, string>();
  private readonly failures = new Map<string, number[]>();
  private readonly mfa = new Map<string, MfaState>();
  /** user id → code hash → used at (undefined: unused). */
  private readonly backupCodes = new Map<string, Map<string, number | undefined>>();
  private readonly apiKeys = new Map<string, ApiKeyRecord>();

  async createUser(u: NewUser): Promise<boolean> {
    if (this.byEmail.has(u.email) || this.users.has(u.id)) return false;
    this.users.set(u.id, { ...u, grants: copyGrants(u.grants), lockedUntilMs: undefined });
    this.byEmail.set(u.email, u.id);
    return true;
  }

  async findUserById(id: string): Promise<UserRecord | undefined> {
    return this.users.get(id);
  }

  async findUserByEmail(email: string): Promise<UserRecord | undefined> {
    const id = this.byEmail.get(email);
    return id === undefined ? undefined : this.users.get(id);
  }

  async replaceGrants(userId: string, grants: readonly Grant[]): Promise<readonly Grant[] | undefined> {
    const u = this.users.get(userId);
    if (!u) return undefined;
    this.users.set(userId, { ...u, grants: copyGrants(grants) });
    return u.grants;
  }

  async recordLoginFailure(userId: string, nowMs: number, windowMs: number): Promise<number> {
    const list = (this.failures.get(userId) ?? []).filter((t) => t >= nowMs - windowMs);
    list.push(nowMs);
    this.failures.set(userId, list);
    return list.filter((t) => t <= nowMs).length;
  }

  async lock(userId: string, untilMs: number): Promise<void> {
    const u = this.users.get(userId);
    if (u) this.users.set(userId, { ...u, lockedUntilMs: untilMs });
    this.failures.delete(userId);
  }

  async clearLoginFailures(userId: string): Promise<void> {
    this.failures.delete(userId);
  }

  async findMfa(userId: string): Promise<MfaRecord | undefined> {
    const m = this.mfa.get(userId);
    return m && { ...m };
  }

  async savePendingMfa(userId: string, secretSealed: string): Promise<boolean> {
    if (!this.users.has(userId) || this.mfa.get(userId)?.enabled) return false;
    this.mfa.set(userId, { secretSealed, enabled: false, lastStep: undefined });
    return true;
  }

  async enableMfa(userId: string, step: number, backupCodeHashes: readonly string[]): Promise<boolean> {
    const m = this.mfa.get(userId);
    if (!m || m.enabled) return false;
    m.enabled = true;
    m.lastStep = step;
    this.backupCodes.set(userId, new Map(backupCodeHashes.map((h) => [h, undefined])));
    return true;
  }

  async acceptTotpStep(userId: string, step: number): Promise<boolean> {
    const m = this.mfa.get(userId);
    if (!m || (m.lastStep !== undefined && m.lastStep >= step)) return false;
    m.lastStep = step;
    return true;
  }

  async useBackupCode(userId: string, codeHash: string, nowMs: number): Promise<boolean> {
    const codes = this.backupCodes.get(userId);
    if (!codes || !codes.has(codeHash) || codes.get(codeHash) !== undefined) return false;
    codes.set(codeHash, nowMs);
    return true;
  }

  async backupCodesLeft(userId: string): Promise<number> {
    return [...(this.backupCodes.get(userId)?.values() ?? [])].filter((v) => v === undefined).length;
  }

  async createApiKey(k: Omit<ApiKeyRecord, 'revokedMs' | 'lastUsedMs'>): Promise<boolean> {
    if (this.apiKeys.has(k.id) || !this.users.has(k.ownerId)) return false;
    this.apiKeys.set(k.id, { ...k, grants: copyGrants(k.grants), revokedMs: undefined, lastUsedMs: undefined });
    return true;
  }

  async findApiKey(id: string): Promise<ApiKeyWithOwner | undefined> {
    const k = this.apiKeys.get(id);
    const owner = k && this.users.get(k.ownerId);
    return k && owner ? { ...k, ownerGrants: owner.grants, ownerStatus: owner.status } : undefined;
  }

  async listApiKeys(ownerId: string): Promise<readonly ApiKeyRecord[]> {
    return [...this.apiKeys.values()].filter((k) => k.ownerId === ownerId).sort((a, b) => b.createdMs - a.createdMs || (a.id < b.id ? 1 : -1));
  }

  async revokeApiKey(ownerId: string, id: string, nowMs: number): Promise<boolean> {
    const k = this.apiKeys.get(id);
    if (!k || k.ownerId !== ownerId || k.revokedMs !== undefined) return false;
    this.apiKeys.set(id, { ...k, revokedMs: nowMs });
    return true;
  }

  async touchApiKey(id: string, nowMs: number): Promise<void> {
    const k = this.apiKeys.get(id);
    if (k) this.apiKeys.set(id, { ...k, lastUsedMs: nowMs });
  }

  async close(): Promise<void> {}
}

/** Stored in one form (and copied: a store's record must not change when the caller's array does). */
const copyGrants = (grants: readonly Grant[]): readonly Grant[] => normaliseGrants(grants);
