/**
 * Per-user data keys held in this process (PERSISTENCE=memory, unit tests): one key per user,
 * created on first use, gone with the process or with `shred`. The durable store wraps them under
 * the master key in PostgreSQL instead.
 */
import { randomBytes } from 'node:crypto';
import type { DataKeys } from '../gateway/identity/ports.js';
import { newDataKey, type KeyWithId } from './field-crypto.js';

export class MemoryDataKeys implements DataKeys {
  private readonly keys = new Map<string, KeyWithId>();

  async forUser(userId: string): Promise<{ readonly id: string; readonly key: Buffer }> {
    let k = this.keys.get(userId);
    if (!k) {
      k = newDataKey(`dk_${randomBytes(9).toString('base64url')}`);
      this.keys.set(userId, k);
    }
    return k;
  }

  async find(userId: string, keyId: string): Promise<Buffer | undefined> {
    const k = this.keys.get(userId);
    return k?.id === keyId ? k.key : undefined;
  }

  async shred(userId: string): Promise<void> {
    this.keys.delete(userId);
  }
}
