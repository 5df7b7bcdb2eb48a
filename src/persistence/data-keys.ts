/**
 * Per-user data keys of field encryption (DataKeys, src/gateway/identity/ports.ts), kept wrapped
 * by the master key from configuration (field-crypto.ts: AES-256-GCM, the user id as AAD) in the
 * `data_keys` table (migration 0012), or in memory for PERSISTENCE=memory (memory-data-keys.ts).
 *
 * - `forUser` creates the user's key on first use; two first uses racing (two requests, two
 *   processes) end with one key: the store keeps the first row and hands it to the loser.
 * - `find` unwraps with whichever master key the envelope names, current or previous, so an engine
 *   configured with both reads every key while `risk-engine keys rotate` moves them to the current one.
 * - Unwrapped keys stay in a small bounded cache (most recently used), so a user's fields cost one
 *   unwrap and no query after the first; `shred` deletes the rows and evicts them (crypto-shredding).
 *   The cache is this process's: shred through the engine that serves the users, not beside it.
 */
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { AuditSink, DataKeys } from '../gateway/identity/ports.js';
import { envelopeKeyId, type FieldCryptoCode, type KeyWithId, newDataKey, unwrapDataKey, wrapDataKey } from './field-crypto.js';
import type { MasterKeys } from './master-keys.js';

/** One user's data key as stored: wrapped, and the master key that wraps it. */
export interface WrappedDataKey {
  readonly userId: string;
  readonly keyId: string;
  readonly masterKeyId: string;
  readonly wrapped: string;
}

/** Where wrapped data keys live (PostgreSQL, or memory). */
export interface WrappedKeyStore {
  /** Stores `row` unless the user has a key already; resolves with the user's key either way. */
  insertOrGet(row: WrappedDataKey): Promise<WrappedDataKey>;
  find(userId: string, keyId: string): Promise<WrappedDataKey | undefined>;
  /** Deletes the user's keys; resolves with the ids deleted. */
  deleteUser(userId: string): Promise<readonly string[]>;
}

export type DataKeyErrorCode = 'DATA_KEY_MASTER_UNKNOWN' | 'DATA_KEY_TAMPERED' | 'DATA_KEY_MALFORMED';

/**
 * A stored data key that none of the configured master keys opens: a configuration problem (a
 * master key dropped before rotation finished) or a changed row, never a shredded key (that is
 * `find` resolving undefined).
 */
export class DataKeyError extends Error {
  constructor(readonly code: DataKeyErrorCode, message: string) {
    super(message);
    this.name = 'DataKeyError';
  }
}

/** The data key a stored row holds, under whichever configured master key its envelope names. */
export function unwrapStored(masters: MasterKeys, row: Pick<WrappedDataKey, 'userId' | 'keyId' | 'wrapped'>): Buffer {
  const r = unwrapDataKey(masterLookup(masters), row.userId, row.wrapped);
  if (r.ok) return r.value;
  throw dataKeyError(r.code, row);
}

export function masterLookup(masters: MasterKeys): (keyId: string) => Buffer | undefined {
  const byId = new Map([masters.current, ...masters.previous].map((k) => [k.id, k.key]));
  return (id) => byId.get(id);
}

export function dataKeyError(code: FieldCryptoCode, row: Pick<WrappedDataKey, 'userId' | 'keyId' | 'wrapped'>): DataKeyError {
  const what = `data key ${row.keyId} of user ${row.userId}`;
  switch (code) {
    case 'FIELD_KEY_MISSING':
      return new DataKeyError('DATA_KEY_MASTER_UNKNOWN', `${what} is wrapped by master key ${envelopeKeyId(row.wrapped) ?? '?'}, which is neither ENCRYPTION_KEY nor in ENCRYPTION_KEY_PREVIOUS`);
    case 'FIELD_TAMPERED':
      return new DataKeyError('DATA_KEY_TAMPERED', `${what} does not authenticate under its master key (the stored row was changed, or belongs to another user)`);
    default:
      return new DataKeyError('DATA_KEY_MALFORMED', `${what} is not a wrapped key`);
  }
}

export interface DataKeysOptions {
  readonly store: WrappedKeyStore;
  readonly masterKeys: MasterKeys;
  /** Where a shred is recorded (the journal's audit chain on durable engines). */
  readonly audit?: AuditSink;
  /** Unwrapped keys kept at most (default 1024). */
  readonly cacheSize?: number;
}

/** The DataKeys defaults: 1024 keys of 32 bytes is 32 kB, enough for every active user of a desk. */
export const DATA_KEYS_DEFAULTS = Object.freeze({ cacheSize: 1024 });

export class WrappedDataKeys implements DataKeys {
  private readonly store: WrappedKeyStore;
  private readonly masters: MasterKeys;
  private readonly audit: AuditSink | undefined;
  private readonly cacheSize: number;
  /** `${userId}\0${keyId}` → key, least recently used first. */
  private readonly cache = new Map<string, KeyWithId>();
  /** userId → the key forUser gives (its cache entry's key). */
  private readonly current = new Map<string, string>();
  /** Bumped by every shred: a read that began before one must not put back what it evicted. */
  private shreds = 0;

  constructor(opts: DataKeysOptions) {
    this.store = opts.store;
    this.masters = opts.masterKeys;
    this.audit = opts.audit;
    this.cacheSize = opts.cacheSize ?? DATA_KEYS_DEFAULTS.cacheSize;
    if (!(Number.isInteger(this.cacheSize) && this.cacheSize >= 1)) throw new RangeError(`DataKeys: cacheSize = ${this.cacheSize}, expected an integer >= 1`);
  }

  async forUser(userId: string): Promise<KeyWithId> {
    const cachedId = this.current.get(userId);
    const cached = cachedId === undefined ? undefined : this.hit(userId, cachedId);
    if (cached) return cached;
    const epoch = this.shreds;
    const fresh = newDataKey(`dk-${randomBytes(16).toString('base64url')}`);
    const row = await this.store.insertOrGet({ userId, keyId: fresh.id, masterKeyId: this.masters.current.id, wrapped: wrapDataKey(this.masters.current, userId, fresh) });
    const key = row.keyId === fresh.id ? fresh : { id: row.keyId, key: unwrapStored(this.masters, row) };
    if (epoch === this.shreds) {
      this.put(userId, key);
      this.current.set(userId, key.id);
    }
    return key;
  }

  async find(userId: string, keyId: string): Promise<Buffer | undefined> {
    const cached = this.hit(userId, keyId);
    if (cached) return cached.key;
    const epoch = this.shreds;
    const row = await this.store.find(userId, keyId);
    if (!row) return undefined;
    const key = { id: keyId, key: unwrapStored(this.masters, row) };
    if (epoch === this.shreds) this.put(userId, key);
    return key.key;
  }

  /** `by`: who erased the user's data (the audit record's actor). */
  async shred(userId: string, by = 'engine'): Promise<void> {
    this.shreds++;
    this.evict(userId);
    // Recorded before the rows go: an erasure is never without its record (a failed delete is
    // retried by the caller, and recorded again).
    await this.audit?.({ actor: by, action: 'data_key.shredded', entityType: 'data_key', entityId: userId, before: null, after: { shredded: true } });
    await this.store.deleteUser(userId);
    // Again once the rows are gone: a read that began during the shred saw them, and must not keep them.
    this.shreds++;
    this.evict(userId);
  }

  private hit(userId: string, keyId: string): KeyWithId | undefined {
    const k = `${userId}\u0000${keyId}`;
    const key = this.cache.get(k);
    if (key) {
      this.cache.delete(k);
      this.cache.set(k, key);
    }
    return key;
  }

  private put(userId: string, key: KeyWithId): void {
    this.cache.set(`${userId}\u0000${key.id}`, key);
    while (this.cache.size > this.cacheSize) {
      const oldest = this.cache.keys().next().value as string;
      this.cache.delete(oldest);
      const [user, id] = oldest.split('\u0000') as [string, string];
      if (this.current.get(user) === id) this.current.delete(user);
    }
  }

  private evict(userId: string): void {
    this.current.delete(userId);
    for (const k of [...this.cache.keys()]) if (k.startsWith(`${userId}\u0000`)) this.cache.delete(k);
  }
}

/** The data keys in PostgreSQL (`data_keys`, migration 0012). */
export function pgWrappedKeyStore(pool: pg.Pool): WrappedKeyStore {
  const fromRow = (r: { user_id: string; key_id: string; master_key_id: string; wrapped: string }): WrappedDataKey =>
    ({ userId: r.user_id, keyId: r.key_id, masterKeyId: r.master_key_id, wrapped: r.wrapped });
  return {
    async insertOrGet(row) {
      // The primary key settles a race: the loser's INSERT does nothing and its SELECT sees the winner's row.
      const r = await pool.query(
        `WITH ins AS (
           INSERT INTO data_keys (user_id, key_id, master_key_id, wrapped) VALUES ($1, $2, $3, $4)
           ON CONFLICT (user_id) DO NOTHING RETURNING user_id, key_id, master_key_id, wrapped)
         SELECT * FROM ins UNION ALL SELECT user_id, key_id, master_key_id, wrapped FROM data_keys WHERE user_id = $1 AND NOT EXISTS (SELECT 1 FROM ins)`,
        [row.userId, row.keyId, row.masterKeyId, row.wrapped],
      );
      if (r.rows[0]) return fromRow(r.rows[0]);
      // Inserted by a transaction that committed after this statement's snapshot: read it now.
      const again = await pool.query(`SELECT user_id, key_id, master_key_id, wrapped FROM data_keys WHERE user_id = $1`, [row.userId]);
      if (!again.rows[0]) throw new Error(`data key of user ${row.userId}: neither inserted nor found`);
      return fromRow(again.rows[0]);
    },
    async find(userId, keyId) {
      const r = await pool.query(`SELECT user_id, key_id, master_key_id, wrapped FROM data_keys WHERE user_id = $1 AND key_id = $2`, [userId, keyId]);
      return r.rows[0] ? fromRow(r.rows[0]) : undefined;
    },
    async deleteUser(userId) {
      const r = await pool.query<{ key_id: string }>(`DELETE FROM data_keys WHERE user_id = $1 RETURNING key_id`, [userId]);
      return r.rows.map((x) => x.key_id);
    },
  };
}

/** The engine's DataKeys on PostgreSQL. */
export function pgDataKeys(pool: pg.Pool, masterKeys: MasterKeys, opts: Omit<DataKeysOptions, 'store' | 'masterKeys'> = {}): WrappedDataKeys {
  return new WrappedDataKeys({ ...opts, store: pgWrappedKeyStore(pool), masterKeys });
}
