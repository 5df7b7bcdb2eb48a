/**
 * The identity store's contract (IdentityStore, src/gateway/identity/stores.ts), written once and
 * run against each implementation (identity-store.contract.test.ts: memory and PostgreSQL). What
 * the account service relies on: an email is taken once, grants come back in one form, failures
 * count within their window, a TOTP step and a backup code are each accepted once even when two
 * requests race, and an API key is found with its owner's current grants.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Grant } from '../../src/gateway/identity/ports.js';
import type { IdentityStore, NewUser } from '../../src/gateway/identity/stores.js';

export interface IdentityStoreFixture {
  readonly store: IdentityStore;
  destroy(): Promise<void>;
}

const T0 = Date.UTC(2026, 5, 1, 9);

const user = (over: Partial<NewUser> = {}): NewUser => {
  const id = randomUUID();
  return { id, email: `${id}@example.com`, passwordHash: 'scrypt$15$8$3$c2FsdA$a2V5', displayNameSealed: 'v1.k.iv.tag.ct', status: 'active', createdMs: T0, grants: [{ role: 'trader', portfolios: [] }], ...over };
};

export function describeIdentityStoreContract(name: string, open: () => Promise<IdentityStoreFixture>): void {
  describe(`identity store contract: ${name}`, () => {
    let f: IdentityStoreFixture;
    let s: IdentityStore;
    beforeAll(async () => {
      f = await open();
      s = f.store;
    });
    afterAll(async () => {
      await f?.destroy();
    });

    it('creates a user once per email and finds it by id and by email', async () => {
      const u = user();
      expect(await s.createUser(u)).toBe(true);
      expect(await s.createUser({ ...user(), email: u.email })).toBe(false);
      const byId = await s.findUserById(u.id);
      expect(byId).toEqual({ ...u, lockedUntilMs: undefined });
      expect(await s.findUserByEmail(u.email)).toEqual(byId);
      expect(await s.findUserById(randomUUID())).toBeUndefined();
      expect(await s.findUserByEmail('nobody@example.com')).toBeUndefined();
    });

    it('keeps grants in one form: one per role, in role order, portfolios sorted, "*" absorbing the rest', async () => {
      const u = user({ grants: [{ role: 'risk_manager', portfolios: ['P2', '*'] }, { role: 'trader', portfolios: ['P2', 'P1'] }, { role: 'trader', portfolios: ['P3'] }] });
      await s.createUser(u);
      expect((await s.findUserById(u.id))?.grants).toEqual([{ role: 'trader', portfolios: ['P1', 'P2', 'P3'] }, { role: 'risk_manager', portfolios: ['*'] }]);
    });

    it('replaces grants and answers the grants before (undefined for an unknown user)', async () => {
      const u = user({ grants: [{ role: 'trader', portfolios: ['P1'] }] });
      await s.createUser(u);
      const next: Grant[] = [{ role: 'trader', portfolios: ['P1', 'P2'] }, { role: 'admin', portfolios: ['*'] }];
      expect(await s.replaceGrants(u.id, next)).toEqual([{ role: 'trader', portfolios: ['P1'] }]);
      expect((await s.findUserById(u.id))?.grants).toEqual(next);
      expect(await s.replaceGrants(u.id, [])).toEqual(next);
      expect((await s.findUserById(u.id))?.grants).toEqual([]);
      expect(await s.replaceGrants(randomUUID(), next)).toBeUndefined();
    });

    it('counts failed logins within the window only, and a lock forgets them', async () => {
      const u = user();
      await s.createUser(u);
      const window = 15 * 60_000;
      expect(await s.recordLoginFailure(u.id, T0, window)).toBe(1);
      expect(await s.recordLoginFailure(u.id, T0 + 60_000, window)).toBe(2);
      // 16 minutes after the first: it has left the window.
      expect(await s.recordLoginFailure(u.id, T0 + 16 * 60_000, window)).toBe(2);
      await s.lock(u.id, T0 + 31 * 60_000);
      expect((await s.findUserById(u.id))?.lockedUntilMs).toBe(T0 + 31 * 60_000);
      expect(await s.recordLoginFailure(u.id, T0 + 17 * 60_000, window)).toBe(1);
      await s.clearLoginFailures(u.id);
      expect(await s.recordLoginFailure(u.id, T0 + 18 * 60_000, window)).toBe(1);
    });

    it('keeps a pending MFA secret until a code enables it, and then refuses a new set-up', async () => {
      const u = user();
      await s.createUser(u);
      expect(await s.findMfa(u.id)).toBeUndefined();
      expect(await s.enableMfa(u.id, 100, ['h1'])).toBe(false);
      expect(await s.savePendingMfa(u.id, 'sealed-1', T0)).toBe(true);
      expect(await s.savePendingMfa(u.id, 'sealed-2', T0)).toBe(true);
      expect(await s.findMfa(u.id)).toEqual({ secretSealed: 'sealed-2', enabled: false, lastStep: undefined });
      expect(await s.enableMfa(u.id, 100, ['h1', 'h2'])).toBe(true);
      expect(await s.findMfa(u.id)).toEqual({ secretSealed: 'sealed-2', enabled: true, lastStep: 100 });
      expect(await s.enableMfa(u.id, 101, ['h3'])).toBe(false);
      expect(await s.savePendingMfa(u.id, 'sealed-3', T0)).toBe(false);
      expect((await s.findMfa(u.id))?.secretSealed).toBe('sealed-2');
      expect(await s.savePendingMfa(randomUUID(), 'sealed', T0)).toBe(false);
    });

    it('accepts each TOTP step once and never an earlier one, even for two requests at once', async () => {
      const u = user();
      await s.createUser(u);
      await s.savePendingMfa(u.id, 'sealed', T0);
      await s.enableMfa(u.id, 100, []);
      expect(await s.acceptTotpStep(u.id, 100)).toBe(false);
      expect(await s.acceptTotpStep(u.id, 99)).toBe(false);
      const raced = await Promise.all([s.acceptTotpStep(u.id, 101), s.acceptTotpStep(u.id, 101)]);
      expect(raced.filter(Boolean)).toHaveLength(1);
      expect((await s.findMfa(u.id))?.lastStep).toBe(101);
      expect(await s.acceptTotpStep(u.id, 103)).toBe(true);
    });

    it('uses a backup code up once, and only its own user\'s', async () => {
      const a = user();
      const b = user();
      await s.createUser(a);
      await s.createUser(b);
      for (const x of [a, b]) await s.savePendingMfa(x.id, 'sealed', T0);
      await s.enableMfa(a.id, 1, ['ha1', 'ha2', 'ha3']);
      await s.enableMfa(b.id, 1, ['hb1']);
      expect(await s.backupCodesLeft(a.id)).toBe(3);
      const raced = await Promise.all([s.useBackupCode(a.id, 'ha1', T0), s.useBackupCode(a.id, 'ha1', T0)]);
      expect(raced.filter(Boolean)).toHaveLength(1);
      expect(await s.useBackupCode(a.id, 'ha1', T0 + 1)).toBe(false);
      expect(await s.useBackupCode(a.id, 'hb1', T0)).toBe(false);
      expect(await s.useBackupCode(a.id, 'nope', T0)).toBe(false);
      expect(await s.backupCodesLeft(a.id)).toBe(2);
      expect(await s.backupCodesLeft(b.id)).toBe(1);
    });

    it('stores API keys of an owner, finds one with the owner\'s current grants, lists newest first and revokes only the owner\'s', async () => {
      const owner = user({ grants: [{ role: 'trader', portfolios: ['P1', 'P2'] }] });
      const other = user();
      await s.createUser(owner);
      await s.createUser(other);
      const k1 = { id: `ak_${randomUUID()}`, ownerId: owner.id, name: 'bot', secretHash: 'aa', grants: [{ role: 'trader' as const, portfolios: ['P1'] }], expiresMs: undefined, createdMs: T0 };
      const k2 = { ...k1, id: `ak_${randomUUID()}`, name: 'feed', expiresMs: T0 + 86_400_000, createdMs: T0 + 1 };
      expect(await s.createApiKey(k1)).toBe(true);
      expect(await s.createApiKey(k2)).toBe(true);
      expect(await s.createApiKey(k1)).toBe(false);
      expect(await s.createApiKey({ ...k1, id: `ak_${randomUUID()}`, ownerId: randomUUID() })).toBe(false);
      const found = await s.findApiKey(k1.id);
      expect(found).toEqual({ ...k1, revokedMs: undefined, lastUsedMs: undefined, ownerGrants: owner.grants, ownerStatus: 'active' });
      await s.replaceGrants(owner.id, [{ role: 'trader', portfolios: ['P2'] }]);
      expect((await s.findApiKey(k1.id))?.ownerGrants).toEqual([{ role: 'trader', portfolios: ['P2'] }]);
      expect((await s.listApiKeys(owner.id)).map((k) => k.id)).toEqual([k2.id, k1.id]);
      expect(await s.listApiKeys(other.id)).toEqual([]);
      expect(await s.revokeApiKey(other.id, k1.id, T0 + 5)).toBe(false);
      expect(await s.revokeApiKey(owner.id, k1.id, T0 + 5)).toBe(true);
      expect(await s.revokeApiKey(owner.id, k1.id, T0 + 6)).toBe(false);
      expect((await s.findApiKey(k1.id))?.revokedMs).toBe(T0 + 5);
      await s.touchApiKey(k2.id, T0 + 10);
      expect((await s.findApiKey(k2.id))?.lastUsedMs).toBe(T0 + 10);
      expect(await s.findApiKey('ak_unknown')).toBeUndefined();
    });
  });
}
