/**
 * Erasure in PostgreSQL (migration 0019's `gdpr_erasures`; docs/GDPR.md "Erasure"): one
 * transaction that destroys what no law keeps and re-links what must be kept to the pseudonym.
 *
 *   users            email → erased+<pseudonym>@invalid, password hash unusable, disabled, unlocked;
 *                    display_name stays the sealed envelope, unreadable once the key is gone
 *   user_grants, user_mfa, user_backup_codes, login_failures, user_sessions, api_keys  → deleted
 *   data_keys        → deleted (crypto-shredding: every field sealed for the person is unreadable,
 *                    the KYC submission and documents included)
 *   portfolios       → owner_id = pseudonym (orders and fills stay, MiFID II)
 *   kyc_submissions  → off the re-screening schedule (nothing left to screen); the case is kept
 *   consents         → re-keyed to the pseudonym (proof of consent, art. 7(1))
 *   aml_alerts, audit_log, kyc_transitions → untouched (AML and audit retention; no name in them)
 *
 * Idempotent: `apply` run again (the ledger's re-application after a restore) changes nothing that
 * is already erased and answers the same outcome.
 */
import type pg from 'pg';
import { type Category, INVENTORY } from '../engine/compliance/gdpr/personal-data-inventory.js';
import type { ErasureLedger, ErasureLedgerEntry } from './gdpr-erasure-ledger.js';
import { inTransaction } from './transaction.js';

/** Where an erased person's email goes: unique per person, not an address anyone can own (RFC 2606 .invalid). */
export const erasedEmail = (pseudonym: string): string => `erased+${pseudonym}@invalid`;
/** Not a scrypt hash: no password verifies against it. */
export const ERASED_PASSWORD_HASH = '!erased';

export interface ErasedItem {
  readonly category: Category;
  readonly what: string;
  readonly how: string;
}

export interface KeptItem {
  readonly category: Category;
  readonly what: string;
  readonly why: string;
  readonly legalBasis: string;
  readonly retention: string;
}

export interface ErasureOutcome {
  readonly userId: string;
  readonly pseudonym: string;
  readonly erasedAt: string;
  readonly erasedBy: string;
  readonly reason: string;
  readonly erased: readonly ErasedItem[];
  readonly kept: readonly KeptItem[];
}

export interface ErasureRecords {
  /** The erasure of the person, when there was one. */
  find(userId: string): Promise<ErasureOutcome | undefined>;
  /** Erases the person as the entry says (idempotent); the outcome stored. */
  apply(e: ErasureLedgerEntry): Promise<ErasureOutcome>;
}

const erased = (category: Category, what: string): ErasedItem => ({ category, what, how: INVENTORY[category].why });
const kept = (category: Category, what: string): KeptItem => ({
  category, what, why: INVENTORY[category].why, legalBasis: INVENTORY[category].legalBasis, retention: INVENTORY[category].retention,
});

export class PgErasureRecords implements ErasureRecords {
  constructor(private readonly pool: pg.Pool) {}

  async find(userId: string): Promise<ErasureOutcome | undefined> {
    const r = await this.pool.query<{ outcome: ErasureOutcome }>('SELECT outcome FROM gdpr_erasures WHERE user_id = $1', [userId]);
    return r.rows[0]?.outcome;
  }

  async apply(e: ErasureLedgerEntry): Promise<ErasureOutcome> {
    return inTransaction(this.pool, async (c) => {
      const had = await c.query<{ outcome: ErasureOutcome }>('SELECT outcome FROM gdpr_erasures WHERE user_id = $1', [e.userId]);
      const n = async (text: string, values: unknown[]): Promise<number> => (await c.query(text, values)).rowCount ?? 0;
      const count = async (text: string, values: unknown[]): Promise<number> => Number((await c.query<{ n: string }>(text, values)).rows[0]?.n ?? 0);
      // Allows the one change the consents' trigger accepts: re-keying rows to the pseudonym.
      await c.query(`SELECT set_config('gdpr.rekey', 'on', true)`);
      const account = await n(`UPDATE users SET email = $2, password_hash = $3, status = 'disabled', locked_until_ms = NULL WHERE id = $1`, [e.userId, erasedEmail(e.pseudonym), ERASED_PASSWORD_HASH]);
      await n('DELETE FROM user_grants WHERE user_id = $1', [e.userId]);
      const mfa = await n('DELETE FROM user_mfa WHERE user_id = $1', [e.userId]);
      const codes = await n('DELETE FROM user_backup_codes WHERE user_id = $1', [e.userId]);
      await n('DELETE FROM login_failures WHERE user_id = $1', [e.userId]);
      const sessions = await n('DELETE FROM user_sessions WHERE user_id = $1', [e.userId]);
      const keys = await n('DELETE FROM api_keys WHERE owner_id = $1', [e.userId]);
      const dataKeys = await n('DELETE FROM data_keys WHERE user_id = $1', [e.userId]);
      await n('UPDATE portfolios SET owner_id = $2 WHERE owner_id = $1', [e.userId, e.pseudonym]);
      const portfolios = (await c.query<{ portfolio_id: string }>('SELECT portfolio_id FROM portfolios WHERE owner_id = $1 ORDER BY portfolio_id', [e.pseudonym])).rows.map((r) => r.portfolio_id);
      const orders = await count('SELECT count(*) AS n FROM orders WHERE portfolio_id = ANY($1)', [portfolios]);
      const fills = await count('SELECT count(*) AS n FROM fills WHERE portfolio_id = ANY($1)', [portfolios]);
      await n('UPDATE kyc_submissions SET next_rescreen_ms = NULL WHERE user_id = $1', [e.userId]);
      const kycCase = await count('SELECT count(*) AS n FROM kyc_submissions WHERE user_id = $1', [e.userId]);
      const documents = await count('SELECT count(*) AS n FROM kyc_documents WHERE user_id = $1', [e.userId]);
      const alerts = await count('SELECT count(*) AS n FROM aml_alerts WHERE customer_id = $1', [e.userId]);
      const consents = await n('UPDATE consents SET user_id = $2 WHERE user_id = $1', [e.userId, e.pseudonym]);
      const audit = await count('SELECT count(*) AS n FROM audit_log WHERE actor = $1 OR entity_id = $1', [e.userId]);
      if (had.rows[0]) return had.rows[0].outcome;

      const outcome: ErasureOutcome = {
        userId: e.userId, pseudonym: e.pseudonym, erasedAt: new Date(e.atMs).toISOString(), erasedBy: e.by, reason: e.reason,
        erased: [
          erased('account', account > 0 ? 'email, display name, roles; the account is disabled' : 'no account row'),
          erased('authentication', `password hash${mfa > 0 ? ', TOTP secret' : ''}${codes > 0 ? `, ${codes} backup codes` : ''}, failed logins`),
          erased('sessions', `${sessions} login sessions`),
          erased('api_keys', `${keys} API keys`),
          ...(kycCase > 0 ? [erased('kyc', 'legal name, birth date, nationality, residence, address, document number, source of funds, trading profile')] : []),
          ...(documents > 0 ? [erased('kyc_documents', `${documents} identity documents (content and machine-readable zone)`)] : []),
          erased('product_analytics', 'route usage counts'),
          { category: 'account', what: `${dataKeys} data key(s)`, how: 'deleted (crypto-shredding): every field sealed with it is unreadable, in this database and in any backup once the erasure ledger is re-applied' },
        ],
        kept: [
          kept('trading', `${portfolios.length} portfolios (${portfolios.join(', ') || 'none'}), ${orders} orders, ${fills} fills, now owned by ${e.pseudonym}`),
          ...(kycCase > 0 ? [kept('kyc_risk', 'the KYC case: state, officers, dates, risk score and level, screening decisions, transitions')] : []),
          ...(alerts > 0 ? [kept('aml', `${alerts} AML alerts and their cases`)] : [kept('aml', 'any AML alert raised on the person\'s trades (none now)')]),
          kept('consents', `${consents} consent records`),
          kept('audit', `${audit} audit entries naming the user id`),
        ],
      };
      await c.query('INSERT INTO gdpr_erasures (user_id, pseudonym, at_ms, erased_by, reason, outcome) VALUES ($1, $2, $3, $4, $5, $6)',
        [e.userId, e.pseudonym, e.atMs, e.by, e.reason, JSON.stringify(outcome)]);
      return outcome;
    });
  }
}

/**
 * Applies every erasure of the ledger again (a restored backup, an erasure interrupted before its
 * transaction committed): what it finds still readable is destroyed again. Resolves with the user
 * ids it had to act on (data key rows or an unerased account found, or no erasure record).
 */
export async function reapplyErasures(pool: pg.Pool, ledger: ErasureLedger): Promise<string[]> {
  const records = new PgErasureRecords(pool);
  const acted: string[] = [];
  for (const e of await ledger.entries()) {
    const q = await pool.query<{ stale: boolean }>(
      `SELECT NOT EXISTS (SELECT 1 FROM gdpr_erasures WHERE user_id = $1)
           OR EXISTS (SELECT 1 FROM data_keys WHERE user_id = $1)
           OR EXISTS (SELECT 1 FROM users WHERE id = $1 AND email <> $2) AS stale`,
      [e.userId, erasedEmail(e.pseudonym)],
    );
    if (!q.rows[0]?.stale) continue;
    await records.apply(e);
    acted.push(e.userId);
  }
  return acted;
}
