/**
 * Runs the retention policy (src/engine/compliance/retention-policy.ts) against the database and
 * records the run in `retention_runs` (migration 0020).
 *
 * - Every delete is bounded (`batchSize` rows a statement, each its own transaction), so no run
 *   holds a lock for long or bloats one transaction, and the write-behind keeps writing meanwhile.
 *   A batch is found through an index (the rows' ctids, then deleted by ctid: one plan for tables
 *   with and without a primary key).
 * - The snapshot tables are walked one portfolio (symbol) at a time along their primary key, and
 *   each portfolio's (symbol's) newest row is never deleted: it is the risk the reports show.
 * - Idempotent: what was deleted is not found again, so a second run for the same day deletes
 *   nothing and records zeros. Rejected applicants are chosen only while they still have a data
 *   key or a document, so none is shredded twice.
 * - `asOf` later than today is refused: a run for a future day would delete what has not expired.
 */
import { rm } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import type pg from 'pg';
import { cutoffMs, ENFORCED_KINDS, type EnforcedKind, type RetentionPolicy } from '../engine/compliance/retention-policy.js';

/** Crypto-shreds a user's data key (DataKeys.shred: audited, and evicted from the engine's cache). */
export type ShredUser = (userId: string, by: string) => Promise<void>;

export interface RetentionDeps {
  readonly pool: pg.Pool;
  readonly policy: RetentionPolicy;
  /** The report files of deleted report_runs rows are removed when they lie inside this folder. */
  readonly reportsDir: string;
  /** Absent: rejected applicants are not shredded (the run records the kind as skipped). */
  readonly shred?: ShredUser;
  /** Rows per statement (default 5000). */
  readonly batchSize?: number;
  /** Today, for refusing a future asOf (default: the system clock). */
  readonly now?: () => Date;
}

export interface RetentionKindResult {
  readonly kind: EnforcedKind;
  readonly action: 'delete' | 'shred';
  readonly periodDays: number;
  readonly cutoffMs: number;
  /** Rows deleted (delete), users whose data key was shredded (shred). */
  readonly count: number;
  /** Set when the kind was not enforced this run, with why. */
  readonly skipped?: string;
}

export interface RetentionRun {
  readonly id: number;
  readonly asOf: string;
  readonly kinds: readonly RetentionKindResult[];
}

export type RetentionErrorCode = 'RETENTION_AS_OF_INVALID' | 'RETENTION_AS_OF_IN_FUTURE';

export class RetentionError extends Error {
  constructor(readonly code: RetentionErrorCode, message: string) {
    super(`${code}: ${message}`);
    this.name = 'RetentionError';
  }
}

export const RETENTION_DEFAULTS = Object.freeze({ batchSize: 5000 });

/** The retention job's actor in the audit trail (data_key.shredded). */
export const RETENTION_ACTOR = 'retention';

const isoDay = (d: Date): string => d.toISOString().slice(0, 10);

/** YYYY-MM-DD naming a day that exists (not 2025-02-30). */
export function isCalendarDay(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const ms = Date.parse(`${s}T00:00:00Z`);
  return Number.isFinite(ms) && isoDay(new Date(ms)) === s;
}

/** A YYYY-MM-DD that names a real day, not after today (UTC). */
export function checkAsOf(asOf: string, today: Date): void {
  if (!isCalendarDay(asOf)) throw new RetentionError('RETENTION_AS_OF_INVALID', `asOf must be a day as YYYY-MM-DD, got ${JSON.stringify(asOf)}`);
  if (asOf > isoDay(today)) throw new RetentionError('RETENTION_AS_OF_IN_FUTURE', `asOf ${asOf} is after today (${isoDay(today)}): a run for a future day would delete what has not expired`);
}

/** Deletes by ctid the rows `select` finds ($1.. params, then the limit), batch after batch; the total. */
async function deleteInBatches(pool: pg.Pool, table: string, where: string, params: readonly unknown[], batch: number): Promise<number> {
  const limit = `$${params.length + 1}`;
  const text = `DELETE FROM ${table} WHERE ctid = ANY(ARRAY(SELECT ctid FROM ${table} WHERE ${where} LIMIT ${limit}))`;
  let total = 0;
  for (;;) {
    const n = (await pool.query(text, [...params, batch])).rowCount ?? 0;
    total += n;
    if (n < batch) return total;
  }
}

/** The distinct values of a primary key's first column, by a loose index scan (one probe each). */
async function distinctLeading(pool: pg.Pool, table: string, column: string): Promise<string[]> {
  const r = await pool.query<{ v: string }>(
    `WITH RECURSIVE d AS (
       (SELECT ${column} AS v FROM ${table} ORDER BY ${column} LIMIT 1)
       UNION ALL
       SELECT (SELECT ${column} FROM ${table} WHERE ${column} > d.v ORDER BY ${column} LIMIT 1) FROM d WHERE d.v IS NOT NULL
     ) SELECT v FROM d WHERE v IS NOT NULL`,
  );
  return r.rows.map((x) => x.v);
}

/** Old samples of each key (portfolio, symbol), its newest always kept. */
async function deleteSamples(pool: pg.Pool, table: string, keyColumn: string, timeColumn: string, cutoff: number, batch: number): Promise<number> {
  let total = 0;
  for (const key of await distinctLeading(pool, table, keyColumn)) {
    total += await deleteInBatches(
      pool, table,
      `${keyColumn} = $1 AND ${timeColumn} < LEAST($2::float8, (SELECT max(${timeColumn}) FROM ${table} WHERE ${keyColumn} = $1))`,
      [key, cutoff], batch,
    );
  }
  return total;
}

/** Inside `dir` (not the folder itself, not a way out of it). */
function inside(dir: string, path: string): boolean {
  const rel = relative(resolve(dir), resolve(path));
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

async function deleteReports(deps: RetentionDeps, cutoffDay: string, batch: number): Promise<number> {
  let total = 0;
  for (;;) {
    const rows = (await deps.pool.query<{ kind: string; as_of: string; path: string }>(
      `SELECT kind, to_char(as_of, 'YYYY-MM-DD') AS as_of, path FROM report_runs WHERE as_of < $1::date ORDER BY as_of LIMIT $2`, [cutoffDay, batch],
    )).rows;
    // The file first: a failure leaves the row, and the next run tries again.
    for (const r of rows) if (inside(deps.reportsDir, r.path)) await rm(r.path, { force: true });
    if (rows.length > 0) {
      const n = await deps.pool.query(
        `DELETE FROM report_runs r USING unnest($1::text[], $2::date[]) AS x(kind, as_of) WHERE r.kind = x.kind AND r.as_of = x.as_of`,
        [rows.map((r) => r.kind), rows.map((r) => r.as_of)],
      );
      total += n.rowCount ?? 0;
    }
    if (rows.length < batch) return total;
  }
}

// Applicants rejected before the cutoff who never held a portfolio (no trading records, so no
// business relationship whose AML clock would run longer), while something of theirs is left.
const REJECTED_DUE = `
SELECT s.user_id FROM kyc_submissions s
WHERE s.state = 'rejected' AND s.updated_ms < $1
  AND NOT EXISTS (SELECT 1 FROM portfolios p WHERE p.owner_id = s.user_id)
  AND (EXISTS (SELECT 1 FROM data_keys k WHERE k.user_id = s.user_id) OR EXISTS (SELECT 1 FROM kyc_documents d WHERE d.user_id = s.user_id))
ORDER BY s.updated_ms, s.user_id LIMIT $2`;

async function shredRejected(deps: RetentionDeps, cutoff: number, batch: number): Promise<{ count: number; skipped?: string }> {
  if (!deps.shred) {
    const due = (await deps.pool.query(REJECTED_DUE, [cutoff, batch])).rowCount ?? 0;
    return { count: 0, skipped: `no data-key shredder wired (${due}${due === batch ? '+' : ''} applicant(s) due)` };
  }
  let count = 0;
  for (;;) {
    const users = (await deps.pool.query<{ user_id: string }>(REJECTED_DUE, [cutoff, batch])).rows.map((r) => r.user_id);
    for (const userId of users) {
      // The key first (audited by the shredder): once it is gone every sealed field is unreadable,
      // and the documents' rows are then only ciphertext to drop.
      await deps.shred(userId, RETENTION_ACTOR);
      await deps.pool.query('DELETE FROM kyc_documents WHERE user_id = $1', [userId]);
      await deps.pool.query('UPDATE kyc_submissions SET next_rescreen_ms = NULL WHERE user_id = $1', [userId]);
      count++;
    }
    if (users.length < batch) return { count };
  }
}

/** Runs every enforced rule of the policy for `asOf` and records the run. */
export async function runRetention(deps: RetentionDeps, asOf: string): Promise<RetentionRun> {
  checkAsOf(asOf, (deps.now ?? (() => new Date()))());
  const batch = deps.batchSize ?? RETENTION_DEFAULTS.batchSize;
  if (!(Number.isInteger(batch) && batch >= 1)) throw new RangeError(`runRetention: batchSize = ${batch}, expected an integer >= 1`);
  const startedAt = new Date();
  const { pool } = deps;
  const kinds: RetentionKindResult[] = [];
  for (const kind of ENFORCED_KINDS) {
    const rule = deps.policy[kind];
    const cutoff = cutoffMs(asOf, rule.periodDays);
    let count: number;
    let skipped: string | undefined;
    switch (kind) {
      case 'login_failures':
        count = await deleteInBatches(pool, 'login_failures', 'at_ms < $1', [cutoff], batch);
        break;
      case 'expired_sessions':
        count = await deleteInBatches(pool, 'user_sessions', 'expires_ms < $1 OR revoked_ms < $1', [cutoff], batch);
        break;
      case 'revoked_api_keys':
        count = await deleteInBatches(pool, 'api_keys', 'revoked_ms < $1 OR expires_ms < $1', [cutoff], batch);
        break;
      case 'risk_snapshots':
        count = await deleteSamples(pool, 'risk_snapshots', 'portfolio_id', 'computed_ms', cutoff, batch);
        break;
      case 'market_snapshots':
        count = await deleteSamples(pool, 'market_snapshots', 'symbol', 'ts_ms', cutoff, batch);
        break;
      case 'report_runs':
        count = await deleteReports(deps, isoDay(new Date(cutoff)), batch);
        break;
      case 'rejected_kyc':
        ({ count, skipped } = await shredRejected(deps, cutoff, batch));
        break;
    }
    kinds.push({ kind, action: rule.action, periodDays: rule.periodDays, cutoffMs: cutoff, count, ...(skipped !== undefined ? { skipped } : {}) });
  }
  const r = await pool.query<{ id: string }>('INSERT INTO retention_runs (as_of, started_at, kinds) VALUES ($1, $2, $3) RETURNING id', [asOf, startedAt, JSON.stringify(kinds)]);
  return { id: Number(r.rows[0]!.id), asOf, kinds };
}
