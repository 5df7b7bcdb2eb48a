/**
 * DataKeys for PERSISTENCE=memory and unit tests: the same wrapping, cache and shredding as the
 * PostgreSQL one (data-keys.ts), over a Map, so nothing behaves differently but durability.
 */
import { type DataKeysOptions, type WrappedDataKey, WrappedDataKeys, type WrappedKeyStore } from './data-keys.js';
import type { MasterKeys } from './master-keys.js';

export function memoryWrappedKeyStore(): WrappedKeyStore & { readonly rows: ReadonlyMap<string, WrappedDataKey> } {
  const rows = new Map<string, WrappedDataKey>();
  return {
    rows,
    async insertOrGet(row) {
      const had = rows.get(row.userId);
      if (had) return had;
      rows.set(row.userId, row);
      return row;
    },
    async find(userId, keyId) {
      const row = rows.get(userId);
      return row?.keyId === keyId ? row : undefined;
    },
    async deleteUser(userId) {
      const row = rows.get(userId);
      rows.delete(userId);
      return row ? [row.keyId] : [];
    },
  };
}

export function memoryDataKeys(masterKeys: MasterKeys, opts: Omit<DataKeysOptions, 'store' | 'masterKeys'> = {}): WrappedDataKeys {
  return new WrappedDataKeys({ ...opts, store: memoryWrappedKeyStore(), masterKeys });
}
