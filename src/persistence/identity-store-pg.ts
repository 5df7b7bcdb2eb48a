/**
 * The identity store on PostgreSQL (tables of migration 0011). Every check-and-change that must
 * hold under concurrent logins (a TOTP step accepted once, a backup code used once, an email taken
 * once) is one statement, so two engines or two requests cannot both win.
 */
import type pg from 'pg';
import { normaliseGrants } from '../gateway/identity/grants.js';
import { type Grant, ROLES, type Role } from '../gateway/identity/ports.js';
import type { ApiKeyRecord, ApiKeyWithOwner, IdentityStore, MfaRecord, NewUser, UserRecord, UserStatus } from '../gateway/identity/stores.js';
import { inTransaction } from './transaction.js';

const UNIQUE_VIOLATION = '23505';
const FOREIGN_KEY_VIOLATION = '23503';

interface UserRow {
  id: string; email: string; password_hash: string; display_name: string; status: UserStatus;
  locked_until_ms: string | null; created_ms: string; grants: { role: string; portfolios: string[] }[] | null;
}

interface ApiKeyRow {
  id: string; owner_id: string; name: string; secret_hash: string; grants: Grant[]; expires_ms: string | null;
  revoked_ms: string | null; created_ms: string; last_used_ms: string | null;
}

const USER_SELECT = `
SELECT u.id, u.email, u.password_hash, u.display_name, u.status, u.locked_until_ms, u.created_ms,
       (SELECT json_agg(json_build_object('role', g.role, 'portfolios', g.portfolios)) FROM user_grants g WHERE g.user_id = u.id) AS grants
  FROM users u`;

const num = (v: string | null): number | undefined => (v === null ? undefined : Number(v));

/** Roles read back are checked: a hand-edited row must not become a role the engine does not know. */
function grantsFrom(rows: readonly { role: string; portfolios: readonly string[] }[] | null): Grant[] {
  return normaliseGrants((rows ?? []).filter((g): g is { role: Role; portfolios: string[] } => (ROLES as readonly string[]).includes(g.role)));
}

function userFrom(r: UserRow): UserRecord {
  return {
    id: r.id, email: r.email, passwordHash: r.password_hash, displayNameSealed: r.display_name, status: r.status,
    lockedUntilMs: num(r.locked_until_ms), createdMs: Number(r.created_ms), grants: grantsFrom(r.grants),
  };
}

function apiKeyFrom(r: ApiKeyRow): ApiKeyRecord {
  return {
    id: r.id, ownerId: r.owner_id, name: r.name, secretHash: r.secret_hash, grants: grantsFrom(r.grants),
    expiresMs: num(r.expires_ms), revokedMs: num(r.revoked_ms), createdMs: Number(r.created_ms), lastUsedMs: num(r.last_used_ms),
  };
}

export class PgIdentityStore implements IdentityStore {
  constructor(private readonly pool: pg.Pool) {}

  async createUser(u: NewUser): Promise<boolean> {
    return this.tx(async (c) => {
      try {
        await c.query('INSERT INTO users (id, email, password_hash, display_name, status, created_ms) VALUES ($1, $2, $3, $4, $5, $6)',
          [u.id, u.email, u.passwordHash, u.displayNameSealed, u.status, u.createdMs]);
      } catch (err) {
        if ((err as { code?: string }).code === UNIQUE_VIOLATION) return false;
        throw err;
      }
      await insertGrants(c, u.id, u.grants);
      return true;
    });
  }

  async findUserById(id: string): Promise<UserRecord | undefined> {
    const r = await this.pool.query<UserRow>(`${USER_SELECT} WHERE u.id = $1`, [id]);
    return r.rows[0] && userFrom(r.rows[0]);
  }

  async findUserByEmail(email: string): Promise<UserRecord | undefined> {
    const r = await this.pool.query<UserRow>(`${USER_SELECT} WHERE u.email = $1`, [email]);
    return r.rows[0] && userFrom(r.rows[0]);
  }

  async replaceGrants(userId: string, grants: readonly Grant[]): Promise<readonly Grant[] | undefined> {
    return this.tx(async (c) => {
      // The user's row lock orders two concurrent changes of the same user's grants.
      const u = await c.query('SELECT 1 FROM users WHERE id = $1 FOR UPDATE', [userId]);
      if (u.rowCount === 0) return undefined;
      const before = await c.query<{ role: string; portfolios: string[] }>('DELETE FROM user_grants WHERE user_id = $1 RETURNING role, portfolios', [userId]);
      await insertGrants(c, userId, grants);
      return grantsFrom(before.rows);
    });
  }

  async recordLoginFailure(userId: string, nowMs: number, windowMs: number): Promise<number> {
    // One statement: the insert and the count (of the older failures plus this one) cannot interleave badly.
    const r = await this.pool.query<{ n: string }>(
      `WITH ins AS (INSERT INTO login_failures (user_id, at_ms) VALUES ($1, $2))
       SELECT count(*) + 1 AS n FROM login_failures WHERE user_id = $1 AND at_ms >= $3 AND at_ms <= $2`,
      [userId, nowMs, nowMs - windowMs],
    );
    // Failures older than any window are of no use: keep the table small.
    await this.pool.query('DELETE FROM login_failures WHERE user_id = $1 AND at_ms < $2', [userId, nowMs - windowMs]);
    return Number(r.rows[0]?.n ?? 1);
  }

  async lock(userId: string, untilMs: number): Promise<void> {
    await this.tx(async (c) => {
      await c.query('UPDATE users SET locked_until_ms = $2 WHERE id = $1', [userId, untilMs]);
      await c.query('DELETE FROM login_failures WHERE user_id = $1', [userId]);
    });
  }

  async clearLoginFailures(userId: string): Promise<void> {
    await this.pool.query('DELETE FROM login_failures WHERE user_id = $1', [userId]);
  }

  async findMfa(userId: string): Promise<MfaRecord | undefined> {
    const r = await this.pool.query<{ secret: string; enabled: boolean; last_step: string | null }>('SELECT secret, enabled, last_step FROM user_mfa WHERE user_id = $1', [userId]);
    const row = r.rows[0];
    return row && { secretSealed: row.secret, enabled: row.enabled, lastStep: num(row.last_step) };
  }

  async savePendingMfa(userId: string, secretSealed: string, nowMs: number): Promise<boolean> {
    try {
      const r = await this.pool.query(
        `INSERT INTO user_mfa (user_id, secret, enabled, created_ms) VALUES ($1, $2, false, $3)
         ON CONFLICT (user_id) DO UPDATE SET secret = EXCLUDED.secret, created_ms = EXCLUDED.created_ms, last_step = NULL
         WHERE NOT user_mfa.enabled`,
        [userId, secretSealed, nowMs],
      );
      return r.rowCount === 1;
    } catch (err) {
      if ((err as { code?: string }).code === FOREIGN_KEY_VIOLATION) return false;
      throw err;
    }
  }

  async enableMfa(userId: string, step: number, backupCodeHashes: readonly string[]): Promise<boolean> {
    return this.tx(async (c) => {
      const r = await c.query('UPDATE user_mfa SET enabled = true, last_step = $2 WHERE user_id = $1 AND NOT enabled', [userId, step]);
      if (r.rowCount !== 1) return false;
      await c.query('DELETE FROM user_backup_codes WHERE user_id = $1', [userId]);
      await c.query('INSERT INTO user_backup_codes (user_id, code_hash) SELECT $1, unnest($2::text[])', [userId, [...backupCodeHashes]]);
      return true;
    });
  }

  async acceptTotpStep(userId: string, step: number): Promise<boolean> {
    const r = await this.pool.query('UPDATE user_mfa SET last_step = $2 WHERE user_id = $1 AND (last_step IS NULL OR last_step < $2)', [userId, step]);
    return r.rowCount === 1;
  }

  async useBackupCode(userId: string, codeHash: string, nowMs: number): Promise<boolean> {
    const r = await this.pool.query('UPDATE user_backup_codes SET used_ms = $3 WHERE user_id = $1 AND code_hash = $2 AND used_ms IS NULL', [userId, codeHash, nowMs]);
    return r.rowCount === 1;
  }

  async backupCodesLeft(userId: string): Promise<number> {
    const r = await this.pool.query<{ n: string }>('SELECT count(*) AS n FROM user_backup_codes WHERE user_id = $1 AND used_ms IS NULL', [userId]);
    return Number(r.rows[0]?.n ?? 0);
  }

  async createApiKey(k: Omit<ApiKeyRecord, 'revokedMs' | 'lastUsedMs'>): Promise<boolean> {
    try {
      await this.pool.query(
        'INSERT INTO api_keys (id, owner_id, name, secret_hash, grants, expires_ms, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)',
        [k.id, k.ownerId, k.name, k.secretHash, JSON.stringify(normaliseGrants(k.grants)), k.expiresMs ?? null, k.createdMs],
      );
      return true;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === UNIQUE_VIOLATION || code === FOREIGN_KEY_VIOLATION) return false;
      throw err;
    }
  }

  async findApiKey(id: string): Promise<ApiKeyWithOwner | undefined> {
    const r = await this.pool.query<ApiKeyRow & { owner_status: UserStatus; owner_grants: UserRow['grants'] }>(
      `SELECT k.*, u.status AS owner_status,
              (SELECT json_agg(json_build_object('role', g.role, 'portfolios', g.portfolios)) FROM user_grants g WHERE g.user_id = k.owner_id) AS owner_grants
         FROM api_keys k JOIN users u ON u.id = k.owner_id WHERE k.id = $1`,
      [id],
    );
    const row = r.rows[0];
    return row && { ...apiKeyFrom(row), ownerStatus: row.owner_status, ownerGrants: grantsFrom(row.owner_grants) };
  }

  async listApiKeys(ownerId: string): Promise<readonly ApiKeyRecord[]> {
    const r = await this.pool.query<ApiKeyRow>('SELECT * FROM api_keys WHERE owner_id = $1 ORDER BY created_ms DESC, id DESC', [ownerId]);
    return r.rows.map(apiKeyFrom);
  }

  async revokeApiKey(ownerId: string, id: string, nowMs: number): Promise<boolean> {
    const r = await this.pool.query('UPDATE api_keys SET revoked_ms = $3 WHERE id = $2 AND owner_id = $1 AND revoked_ms IS NULL', [ownerId, id, nowMs]);
    return r.rowCount === 1;
  }

  async touchApiKey(id: string, nowMs: number): Promise<void> {
    await this.pool.query('UPDATE api_keys SET last_used_ms = $2 WHERE id = $1 AND (last_used_ms IS NULL OR last_used_ms < $2)', [id, nowMs]);
  }

  /** The pool belongs to the composition root, which closes it. */
  async close(): Promise<void> {}

  private tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, fn);
  }
}

async function insertGrants(c: pg.PoolClient, userId: string, grants: readonly Grant[]): Promise<void> {
  for (const g of normaliseGrants(grants)) {
    await c.query('INSERT INTO user_grants (user_id, role, portfolios) VALUES ($1, $2, $3)', [userId, g.role, [...g.portfolios]]);
  }
}
