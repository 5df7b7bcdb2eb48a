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
import { ownershipErrors } from './ownership-errors.js';
import { ensurePartitionRows } from './partition-rows.js';

/** Checks a partition count is usable (1 to MAX_PARTITIONS). */
function checkCount(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > MAX_PARTITIONS) throw new RangeError(`partitions must be an integer in [1, ${MAX_PARTITIONS}], got ${n}`);
}

/**
 * Creates partitions 0..n-1 where the table is empty; refuses (PARTITIONS_MISMATCH) when it
 * already holds another set. The same statements as an ownership session's (partition-rows.ts), on
 * one connection of the pool.
 */
export async function ensurePartitions(pool: pg.Pool, n: number, schema = 'the schema'): Promise<void> {
  checkCount(n);
  const c = await pool.connect();
  try {
    await ensurePartitionRows({ query: (text, values) => c.query(text, values as unknown[]) }, schema, n);
  } finally {
    c.release();
  }
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
  if (r.rows.length !== n) throw ownershipErrors.partitionsMismatch('the schema', r.rows.length, n);
  return r.rows
    .map((x) => ({ partition: x.partition, epoch: Number(x.epoch), journalSeq: Number(x.journal_seq) }))
    .sort((a, b) => a.partition - b.partition);
}
