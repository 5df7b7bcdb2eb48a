/**
 * Where consent records live: append-only rows (migration 0019's `consents`), in PostgreSQL
 * (consent-store-pg.ts) or in this process (below, PERSISTENCE=memory and unit tests).
 */
import type { ConsentRecord } from '../engine/compliance/gdpr/consent.js';

export interface ConsentStore {
  /** Adds one record to the person's history (never changes an earlier one). */
  append(userId: string, r: ConsentRecord): Promise<void>;
  /** The person's records, oldest first. */
  history(userId: string): Promise<ConsentRecord[]>;
}

export class MemoryConsentStore implements ConsentStore {
  private readonly rows = new Map<string, ConsentRecord[]>();

  async append(userId: string, r: ConsentRecord): Promise<void> {
    const list = this.rows.get(userId) ?? [];
    list.push({ ...r });
    this.rows.set(userId, list);
  }

  async history(userId: string): Promise<ConsentRecord[]> {
    return [...(this.rows.get(userId) ?? [])];
  }
}
