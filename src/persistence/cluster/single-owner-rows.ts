/**
 * The rows of the `partitions` table (migration 0021) for a start: created once with the
 * deployment's partition count, and, for an engine that owns everything (the embedded database,
 * or today's single engine behind its writer lock), all taken at once.
 *
 * The count is fixed for the life of a database: a portfolio's partition is its id's hash mod the
 * count, so a different count would put portfolios in partitions whose journal and audit chain
 * they never belonged to. An engine configured with another count is refused, not reconciled.
 */
import type pg from 'pg';
import { MAX_PARTITIONS } from '../../engine/cluster/partitions.js';
import type { PartitionGrant } from './ownership-port.js';

export class PartitionsMismatchError extends Error {
  readonly code = 'PARTITIONS_MISMATCH';
  constructor(readonly configured: number, readonly stored: number) {
    super(`the database has ${stored} partitions, this engine is configured with PARTITIONS=${configured}: the count cannot change once portfolios are stored; set PARTITIONS=${stored}`);
    this.name = 'PartitionsMismatchError';
  }
}

/** Checks a partition count is usable (1 to MAX_PARTITIONS). */
function checkCount(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > MAX_PARTITIONS) throw new RangeError(`partitions must be an integer in [1, ${MAX_PARTITIONS}], got ${n}`);
}

/**
 * Creates partitions 0..n-1 where the table is empty; refuses (PartitionsMismatchError) when it
 * already holds another set. Engines starting together both insert: ON CONFLICT keeps one row each.
 */
export async function ensurePartitions(pool: pg.Pool, n: number): Promise<void> {
  checkCount(n);
  const count = async (): Promise<{ n: number; max: number | null }> => {
    const r = (await pool.query<{ n: number; max: number | null }>('SELECT count(*)::int AS n, max(partition) AS max FROM partitions')).rows[0];
    return { n: r?.n ?? 0, max: r?.max ?? null };
  };
  let stored = await count();
  if (stored.n === 0) {
    await pool.query('INSERT INTO partitions (partition) SELECT generate_series(0, $1::int - 1) ON CONFLICT (partition) DO NOTHING', [n]);
    stored = await count();
  }
  if (stored.n !== n || stored.max !== n - 1) throw new PartitionsMismatchError(n, stored.n);
}

/**
 * Takes every partition for one engine: bumps each epoch (fencing any commit of a previous owner
 * still in flight), names the owner, and returns the grants for PgJournal.own. For an engine that
 * is the only writer (embedded, or behind the writer lock): it takes no advisory lock. The caller
 * projects the journal after this and before `own`, so the chain heads it reads are complete.
 */
export async function ownAll(pool: pg.Pool, engineId: string, endpoint: string | null, n: number): Promise<PartitionGrant[]> {
  checkCount(n);
  const r = await pool.query<{ partition: number; epoch: string; journal_seq: string }>(
    `UPDATE partitions SET epoch = epoch + 1, owner = $1, endpoint = $2, since = now()
     WHERE partition < $3 RETURNING partition, epoch, journal_seq`, [engineId, endpoint, n]);
  if (r.rows.length !== n) throw new PartitionsMismatchError(n, r.rows.length);
  return r.rows
    .map((x) => ({ partition: x.partition, epoch: Number(x.epoch), journalSeq: Number(x.journal_seq) }))
    .sort((a, b) => a.partition - b.partition);
}
