/** Consent records in PostgreSQL (`consents`, migration 0019: append-only, a trigger refuses changes). */
import type pg from 'pg';
import type { ConsentPurpose, ConsentRecord } from '../engine/compliance/gdpr/consent.js';
import type { ConsentStore } from './consent-store.js';

export class PgConsentStore implements ConsentStore {
  constructor(private readonly pool: pg.Pool) {}

  async append(userId: string, r: ConsentRecord): Promise<void> {
    await this.pool.query('INSERT INTO consents (user_id, purpose, text_version, granted, at_ms) VALUES ($1, $2, $3, $4, $5)', [userId, r.purpose, r.textVersion, r.granted, r.atMs]);
  }

  async history(userId: string): Promise<ConsentRecord[]> {
    const q = await this.pool.query<{ purpose: ConsentPurpose; text_version: string; granted: boolean; at_ms: string }>(
      'SELECT purpose, text_version, granted, at_ms FROM consents WHERE user_id = $1 ORDER BY seq', [userId]);
    return q.rows.map((x) => ({ purpose: x.purpose, textVersion: x.text_version, granted: x.granted, atMs: Number(x.at_ms) }));
  }
}
