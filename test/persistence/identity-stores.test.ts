/** openIdentityStores picks the stores from what the engine runs with, and starts the session store. */
import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryIdentityStore } from '../../src/persistence/identity-store-memory.js';
import { PgIdentityStore } from '../../src/persistence/identity-store-pg.js';
import { openIdentityStores } from '../../src/persistence/identity-stores.js';
import { MemorySessionStore } from '../../src/persistence/session-store-memory.js';
import { PgSessionStore } from '../../src/persistence/session-store-pg.js';
import { RedisSessionStore } from '../../src/persistence/session-store-redis.js';
import { identityDb, type IdentityDb } from '../contracts/identity-pg.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('openIdentityStores', () => {
  let d: IdentityDb;
  beforeAll(async () => {
    d = await identityDb('external');
  });
  afterAll(async () => {
    await d?.destroy();
  });

  it('keeps everything in memory without a database', async () => {
    const s = await openIdentityStores({});
    expect(s.kind).toBe('memory');
    expect(s.identity).toBeInstanceOf(MemoryIdentityStore);
    expect(s.sessions).toBeInstanceOf(MemorySessionStore);
    await s.close();
  });

  it('keeps both in PostgreSQL without Redis, with revocations loaded at start', async () => {
    const userId = randomUUID();
    const sid = randomUUID();
    const before = await openIdentityStores({ db: d.db });
    await before.identity.createUser({ id: userId, email: `${userId}@example.com`, passwordHash: 'x', displayNameSealed: 'x', status: 'active', createdMs: 0, grants: [] });
    await before.sessions.create({ id: sid, userId, amr: ['pwd'], createdMs: Date.now(), expiresMs: Date.now() + 60_000 }, 'h');
    await before.sessions.revoke(sid, Date.now());
    await before.close();
    const s = await openIdentityStores({ db: d.db });
    expect(s.kind).toBe('postgres');
    expect(s.identity).toBeInstanceOf(PgIdentityStore);
    expect(s.sessions).toBeInstanceOf(PgSessionStore);
    expect(s.sessions.isRevoked(sid)).toBe(true);
    await s.close();
  });

  it('keeps sessions in Redis when it is given, under the deployment\'s prefix', async () => {
    const prefix = `test-${randomBytes(6).toString('hex')}`;
    const s = await openIdentityStores({ db: d.db, redisUrl: REDIS_URL, redisPrefix: prefix });
    try {
      expect(s.kind).toBe('postgres+redis');
      expect(s.sessions).toBeInstanceOf(RedisSessionStore);
      await s.sessions.create({ id: 'sid-1', userId: 'u1', amr: ['pwd'], createdMs: Date.now(), expiresMs: Date.now() + 60_000 }, 'h');
      const r = new Redis(REDIS_URL);
      const keys = await r.keys(`${prefix}:*`);
      expect(keys.sort()).toEqual([`${prefix}:sessions:s:sid-1`, `${prefix}:sessions:u:u1`]);
      await r.del(...keys);
      await r.quit();
    } finally {
      await s.close();
    }
  });
});
