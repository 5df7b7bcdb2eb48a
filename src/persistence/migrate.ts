/**
 * Schema migrations: plain SQL, applied in version order, each in its own transaction, under a
 * transaction-level advisory lock so that two engines starting together apply each exactly once.
 * Chosen over a migration library because it must run unchanged over PGlite's socket server
 * (one backend shared by all connections, where a library's session-level locks and separate
 * lock connection do not fit) and the whole mechanism is this file; the SQL lives in
 * migrations/, one module each so that the build ships it without a copy step.
 */
import type pg from 'pg';
import { MIGRATIONS, type Migration } from './migrations/index.js';

export interface MigrationResult {
  readonly applied: readonly number[];
  readonly current: number;
}

export class MigrationError extends Error {
  constructor(readonly code: 'MIGRATION_FAILED' | 'SCHEMA_TOO_NEW', message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MigrationError';
  }
}

/** hashtext('risk_engine.migrate'), fixed so every engine version takes the same lock. */
const LOCK_KEY = 7_311_042_517;

export async function migrate(pool: pg.Pool, migrations: readonly Migration[] = MIGRATIONS): Promise<MigrationResult> {
  const client = await pool.connect();
  const applied: number[] = [];
  try {
    await client.query(`CREATE TABLE IF NOT EXISTS app_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const latest = migrations.at(-1)?.version ?? 0;
    for (const m of migrations) {
      await client.query('BEGIN');
      try {
        await client.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
        const done = await client.query<{ max: number | null }>('SELECT max(version) AS max FROM app_migrations');
        const current = done.rows[0]?.max ?? 0;
        if (current > latest) {
          throw new MigrationError('SCHEMA_TOO_NEW', `the database schema is at version ${current}, newer than this engine's ${latest}: upgrade the engine`);
        }
        if (m.version <= current) {
          await client.query('COMMIT');
          continue;
        }
        await client.query(m.sql);
        await client.query('INSERT INTO app_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
        await client.query('COMMIT');
        applied.push(m.version);
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        if (err instanceof MigrationError) throw err;
        throw new MigrationError('MIGRATION_FAILED', `migration ${m.version} (${m.name}) failed: ${(err as Error).message}`, { cause: err });
      }
    }
    return { applied, current: latest };
  } finally {
    client.release();
  }
}
