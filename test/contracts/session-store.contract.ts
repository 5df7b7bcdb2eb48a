/**
 * The session store's contract (SessionStore, src/gateway/identity/stores.ts), run against each
 * implementation (session-store.contract.test.ts: memory, PostgreSQL, Redis). What the account
 * service and the gateway rely on: the refresh hash swaps once (two refreshes with one token: one
 * wins, the other is reuse), a hash swapped away revokes the session when presented again, and a
 * revocation is known synchronously here at once and, for stores shared by several engine
 * processes, in another store instance within a second (also one that starts later). A close
 * notice (announceClose) reaches the same listeners with its reason, here and there, and leaves
 * nothing revoked.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionsEnded } from '../../src/gateway/identity/ports.js';
import type { SessionStore } from '../../src/gateway/identity/stores.js';

export interface SessionStoreFixture {
  readonly store: SessionStore;
  /** The store's rows need an account (PostgreSQL's foreign key). */
  addUser(id: string): Promise<void>;
  /** Another instance on the same backend, as another engine process opens it (not started). */
  readonly another?: () => Promise<SessionStore>;
  destroy(): Promise<void>;
}

const DAY_MS = 86_400_000;

async function within(ms: number, check: () => boolean): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return check();
}

export function describeSessionStoreContract(name: string, open: () => Promise<SessionStoreFixture>, capabilities: { readonly sharedByProcesses: boolean }): void {
  describe(`session store contract: ${name}`, () => {
    let f: SessionStoreFixture;
    let s: SessionStore;
    // Real time: Redis expires keys and the revocation view forgets sessions by the wall clock.
    const now = Date.now();
    const events: SessionsEnded[] = [];

    beforeAll(async () => {
      f = await open();
      s = f.store;
      await s.start();
      s.onRevoked((e) => events.push(e));
    });
    afterAll(async () => {
      await s?.close();
      await f?.destroy();
    });

    async function session(userId?: string, over: { expiresMs?: number } = {}): Promise<{ id: string; userId: string }> {
      const u = userId ?? randomUUID();
      if (userId === undefined) await f.addUser(u);
      const id = randomUUID();
      await s.create({ id, userId: u, amr: ['pwd', 'otp'], createdMs: now, expiresMs: over.expiresMs ?? now + 7 * DAY_MS }, `h0-${id}`);
      return { id, userId: u };
    }

    it('creates a session and finds it as created', async () => {
      const x = await session();
      expect(await s.find(x.id)).toEqual({ id: x.id, userId: x.userId, amr: ['pwd', 'otp'], createdMs: now, expiresMs: now + 7 * DAY_MS, revokedMs: undefined });
      expect(await s.find(randomUUID())).toBeUndefined();
      expect(s.isRevoked(x.id)).toBe(false);
    });

    it('rotates the current refresh hash, and refuses it afterwards as reuse, revoking the session', async () => {
      const x = await session();
      const r1 = await s.rotate(x.id, `h0-${x.id}`, 'h1', now + 1);
      expect(r1.kind).toBe('rotated');
      expect((await s.rotate(x.id, 'h1', 'h2', now + 2)).kind).toBe('rotated');
      const reuse = await s.rotate(x.id, `h0-${x.id}`, 'h9', now + 3);
      expect(reuse).toMatchObject({ kind: 'reused', session: { id: x.id, userId: x.userId, revokedMs: now + 3 } });
      expect(s.isRevoked(x.id)).toBe(true);
      expect(events).toContainEqual({ userId: x.userId, sessionIds: [x.id] });
      // The whole family is gone: the current token too.
      expect((await s.rotate(x.id, 'h2', 'h3', now + 4)).kind).toBe('invalid');
    });

    it('answers invalid for an unknown session, a hash it never had (without revoking) and an expired session', async () => {
      expect((await s.rotate(randomUUID(), 'x', 'y', now)).kind).toBe('invalid');
      const x = await session();
      expect((await s.rotate(x.id, 'never-issued', 'y', now)).kind).toBe('invalid');
      expect(s.isRevoked(x.id)).toBe(false);
      expect((await s.rotate(x.id, `h0-${x.id}`, 'h1', now + 7 * DAY_MS)).kind).toBe('invalid');
      expect((await s.rotate(x.id, `h0-${x.id}`, 'h1', now + 5)).kind).toBe('rotated');
    });

    it('lets one of two refreshes with the same token win and treats the other as reuse', async () => {
      const x = await session();
      const both = await Promise.all([s.rotate(x.id, `h0-${x.id}`, 'a', now + 1), s.rotate(x.id, `h0-${x.id}`, 'b', now + 1)]);
      expect(both.map((r) => r.kind).sort()).toEqual(['reused', 'rotated']);
      expect(s.isRevoked(x.id)).toBe(true);
    });

    it('revokes one session once, and says whose it was', async () => {
      const x = await session();
      expect(await s.revoke(x.id, now + 1)).toBe(x.userId);
      expect(s.isRevoked(x.id)).toBe(true);
      expect((await s.find(x.id))?.revokedMs).toBe(now + 1);
      expect(await s.revoke(x.id, now + 2)).toBeUndefined();
      expect(await s.revoke(randomUUID(), now)).toBeUndefined();
      expect(events.filter((e) => e.sessionIds.includes(x.id))).toHaveLength(1);
    });

    it('revokes every live session of a user and no one else\'s', async () => {
      const a = await session();
      const a2 = await session(a.userId);
      const done = await session(a.userId);
      await s.revoke(done.id, now);
      const b = await session();
      const ids = await s.revokeAllOf(a.userId, now + 1);
      expect([...ids].sort()).toEqual([a.id, a2.id].sort());
      expect(s.isRevoked(a.id) && s.isRevoked(a2.id)).toBe(true);
      expect(s.isRevoked(b.id)).toBe(false);
      expect(events).toContainEqual({ userId: a.userId, sessionIds: expect.arrayContaining([a.id, a2.id]) });
      expect(await s.revokeAllOf(a.userId, now + 2)).toEqual([]);
    });

    it('holds a revoked credential (an API key id) as revoked until its end, and tells the listeners once with the id as subject', async () => {
      const keyId = `ak_${randomUUID().replaceAll('-', '').slice(0, 24)}`;
      await s.revokeCredential(keyId, Date.now() + DAY_MS, Date.now());
      expect(s.isRevoked(keyId)).toBe(true);
      expect(events).toContainEqual({ userId: keyId, sessionIds: [keyId] });
      await s.revokeCredential(keyId, Date.now() + DAY_MS, Date.now());
      expect(events.filter((e) => e.sessionIds.includes(keyId))).toHaveLength(1);
    });

    it('tells the listeners of a close notice with its reason each time it is announced, holding nothing as revoked', async () => {
      const keyId = `ak_${randomUUID().replaceAll('-', '').slice(0, 24)}`;
      await s.announceClose({ userId: keyId, sessionIds: [keyId] }, 'rights_changed', Date.now());
      await s.announceClose({ userId: keyId, sessionIds: [keyId] }, 'rights_changed', Date.now());
      expect(s.isRevoked(keyId)).toBe(false);
      expect(events.filter((e) => e.userId === keyId)).toEqual([
        { userId: keyId, sessionIds: [keyId], reason: 'rights_changed' }, { userId: keyId, sessionIds: [keyId], reason: 'rights_changed' },
      ]);
      // A revocation later is a revocation still: the notice recorded nothing that would silence it.
      await s.revokeCredential(keyId, Date.now() + DAY_MS, Date.now());
      expect(s.isRevoked(keyId)).toBe(true);
      expect(events.filter((e) => e.userId === keyId).at(-1)).toEqual({ userId: keyId, sessionIds: [keyId] });
    });

    if (capabilities.sharedByProcesses) it('announces a close notice to another instance within a second, once on each, holding nothing as revoked there', async () => {
      const other = await f.another!();
      try {
        await other.start();
        const heard: SessionsEnded[] = [];
        other.onRevoked((e) => heard.push(e));
        const keyId = `ak_${randomUUID().replaceAll('-', '').slice(0, 24)}`;
        await s.announceClose({ userId: keyId, sessionIds: [keyId] }, 'rights_changed', Date.now());
        expect(await within(1000, () => heard.length > 0)).toBe(true);
        expect(heard).toEqual([{ userId: keyId, sessionIds: [keyId], reason: 'rights_changed' }]);
        expect(other.isRevoked(keyId)).toBe(false);
        // The sender's own echo from the channel is not told twice.
        await new Promise((r) => setTimeout(r, 200));
        expect(events.filter((e) => e.userId === keyId)).toHaveLength(1);
      } finally {
        await other.close();
      }
    });

    if (capabilities.sharedByProcesses) it('announces a revoked credential to another instance on the same backend within a second', async () => {
      const other = await f.another!();
      try {
        await other.start();
        const heard: { userId: string; sessionIds: readonly string[] }[] = [];
        other.onRevoked((e) => heard.push(e));
        const keyId = `ak_${randomUUID().replaceAll('-', '').slice(0, 24)}`;
        await s.revokeCredential(keyId, Date.now() + DAY_MS, Date.now());
        expect(await within(1000, () => other.isRevoked(keyId))).toBe(true);
        expect(heard).toEqual([{ userId: keyId, sessionIds: [keyId] }]);
      } finally {
        await other.close();
      }
    });

    // The in-memory store has no other process to tell.
    if (capabilities.sharedByProcesses) it('shares revocations with another instance on the same backend within a second, and with one started later', async () => {
      const other = await f.another!();
      try {
        await other.start();
        const heard: string[] = [];
        other.onRevoked((e) => heard.push(...e.sessionIds));
        const x = await session();
        const y = await session(x.userId);
        await s.revoke(x.id, now + 1);
        expect(await within(1000, () => other.isRevoked(x.id))).toBe(true);
        expect(heard).toEqual([x.id]);
        // Revoked there, refused here.
        await other.revokeAllOf(x.userId, now + 2);
        expect(await within(1000, () => s.isRevoked(y.id))).toBe(true);
        const late = await f.another!();
        try {
          await late.start();
          expect(late.isRevoked(x.id) && late.isRevoked(y.id)).toBe(true);
        } finally {
          await late.close();
        }
      } finally {
        await other.close();
      }
    });
  });
}
