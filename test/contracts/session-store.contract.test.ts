/**
 * The session store contract against the in-memory store, the PostgreSQL store (a schema of its
 * own on this machine's server; LISTEN/NOTIFY between instances) and the Redis store (this
 * machine's Redis, a key prefix of its own; pub/sub between instances).
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { PgIdentityStore } from '../../src/persistence/identity-store-pg.js';
import { MemorySessionStore } from '../../src/persistence/session-store-memory.js';
import { PgSessionStore } from '../../src/persistence/session-store-pg.js';
import { RedisSessionStore } from '../../src/persistence/session-store-redis.js';
import { identityDb } from './identity-pg.js';
import { describeSessionStoreContract } from './session-store.contract.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describeSessionStoreContract('in memory', async () => ({ store: new MemorySessionStore(), addUser: async () => {}, destroy: async () => {} }), { sharedByProcesses: false });

describeSessionStoreContract('PostgreSQL server', async () => {
  const d = await identityDb('external');
  const users = new PgIdentityStore(d.db.pool);
  const on = (db: typeof d.db) => new PgSessionStore({ pool: db.pool, connection: db.connection, schema: db.schema });
  return {
    store: on(d.db),
    async addUser(id) {
      await users.createUser({ id, email: `${id}@example.com`, passwordHash: 'x', displayNameSealed: 'x', status: 'active', createdMs: 0, grants: [] });
    },
    another: async () => on(await d.openAnother()),
    destroy: () => d.destroy(),
  };
}, { sharedByProcesses: true });

describeSessionStoreContract('Redis', async () => {
  const prefix = `test-sessions-${randomBytes(6).toString('hex')}`;
  const on = () => new RedisSessionStore({ url: REDIS_URL, prefix });
  return {
    store: on(),
    addUser: async () => {},
    another: async () => on(),
    async destroy() {
      const r = new Redis(REDIS_URL);
      const keys = await r.keys(`${prefix}:*`);
      if (keys.length > 0) await r.del(...keys);
      await r.quit();
    },
  };
}, { sharedByProcesses: true });

// The embedded database belongs to one process (its files are locked), so there is no other
// instance to tell; this proves the store and its listening connection work over pglite-socket.
describeSessionStoreContract('PostgreSQL embedded (PGlite)', async () => {
  const d = await identityDb('embedded');
  const users = new PgIdentityStore(d.db.pool);
  return {
    store: new PgSessionStore({ pool: d.db.pool, connection: d.db.connection, schema: d.db.schema }),
    async addUser(id) {
      await users.createUser({ id, email: `${id}@example.com`, passwordHash: 'x', displayNameSealed: 'x', status: 'active', createdMs: 0, grants: [] });
    },
    destroy: () => d.destroy(),
  };
}, { sharedByProcesses: false });
