/**
 * The identity stores the engine runs with, chosen once at start like the queues' backend:
 *   PERSISTENCE=memory             → accounts and sessions in this process
 *   durable, REDIS_URL set         → accounts in PostgreSQL, sessions in Redis (pub/sub between engines)
 *   durable, no Redis              → both in PostgreSQL (LISTEN/NOTIFY between engines)
 * The session store is started (its revocations loaded) before this resolves, so the gateway's
 * synchronous revocation check is right from the first request.
 */
import type { IdentityStore, SessionStore } from '../gateway/identity/stores.js';
import type { LogFn } from '../logger.js';
import type { Database } from './database.js';
import { MemoryIdentityStore } from './identity-store-memory.js';
import { PgIdentityStore } from './identity-store-pg.js';
import { MemorySessionStore } from './session-store-memory.js';
import { PgSessionStore } from './session-store-pg.js';
import { RedisSessionStore } from './session-store-redis.js';

export interface IdentityStoresOptions {
  /** The engine's database (durable engines); absent: in memory. */
  readonly db?: Database;
  /** Sessions go to Redis when given (and a database is). */
  readonly redisUrl?: string;
  /** Prefix of the session keys and channel in Redis (the queue prefix of the deployment). */
  readonly redisPrefix?: string;
  readonly log?: LogFn;
}

export interface IdentityStores {
  readonly identity: IdentityStore;
  /** Also the gateway's SessionRevocations. */
  readonly sessions: SessionStore;
  readonly kind: 'memory' | 'postgres' | 'postgres+redis';
  close(): Promise<void>;
}

export async function openIdentityStores(o: IdentityStoresOptions): Promise<IdentityStores> {
  if (o.db === undefined) {
    return { identity: new MemoryIdentityStore(), sessions: new MemorySessionStore(), kind: 'memory', close: async () => {} };
  }
  const identity = new PgIdentityStore(o.db.pool);
  const sessions: SessionStore = o.redisUrl !== undefined
    ? new RedisSessionStore({ url: o.redisUrl, prefix: `${o.redisPrefix ?? 'risk-engine'}:sessions`, ...(o.log ? { log: o.log } : {}) })
    : new PgSessionStore({ pool: o.db.pool, connection: o.db.connection, schema: o.db.schema, ...(o.log ? { log: o.log } : {}) });
  try {
    await sessions.start();
  } catch (err) {
    await sessions.close().catch(() => {});
    throw err;
  }
  return {
    identity, sessions, kind: o.redisUrl !== undefined ? 'postgres+redis' : 'postgres',
    async close() {
      await sessions.close();
      await identity.close();
    },
  };
}
