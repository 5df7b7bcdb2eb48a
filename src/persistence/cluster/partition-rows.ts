/**
 * The statements that change ownership, all on the ownership session (its advisory locks are the
 * ownership): creating the partitions rows, taking partitions (locks, then the epoch bump and its
 * announcement in one transaction) and releasing them (rows cleared, locks released, announced).
 */
import { ownershipErrors } from './ownership-errors.js';
import type { OwnershipKeys } from './ownership-keys.js';
import type { PartitionGrant } from './ownership-port.js';
import { notify } from './ownership-session.js';

export interface SessionQuery {
  query<R extends object>(text: string, values?: readonly unknown[], timeoutMs?: number): Promise<{ rows: R[] }>;
}

/**
 * Rows 0..n-1 exist (created by the first engine), or the table holds another count and this
 * engine is refused: a portfolio's partition is its hash mod n, so two counts would put one
 * portfolio in two partitions with two owners.
 */
export async function ensurePartitionRows(q: SessionQuery, schema: string, n: number): Promise<void> {
  const count = async (): Promise<{ n: number; max: number }> =>
    (await q.query<{ n: number; max: number }>('SELECT count(*)::int AS n, coalesce(max(partition), -1) AS max FROM partitions')).rows[0]!;
  let c = await count();
  if (c.n === 0) {
    await q.query('BEGIN');
    try {
      // Engines starting together: one creates the rows, the others wait here and find them.
      await q.query('LOCK TABLE partitions IN SHARE ROW EXCLUSIVE MODE');
      await q.query('INSERT INTO partitions (partition) SELECT g FROM generate_series(0, $1::int - 1) AS g ON CONFLICT DO NOTHING', [n]);
      c = await count();
      await q.query('COMMIT');
    } catch (err) {
      await q.query('ROLLBACK').catch(() => {});
      throw err;
    }
  }
  if (c.n !== n || c.max !== n - 1) throw ownershipErrors.partitionsMismatch(schema, c.n, n);
}

/**
 * Takes what it can of `wanted`: try-locks each (a partition another engine holds, or just took,
 * is skipped), then bumps the taken ones' epochs, names this engine their owner and announces it,
 * in one transaction. The new epoch fences every later commit of the previous owner (journal_commit_fenced).
 */
export async function takePartitions(q: SessionQuery, keys: OwnershipKeys, engineId: string, endpoint: string, wanted: readonly number[]): Promise<PartitionGrant[]> {
  const taken = (await q.query<{ taken: number[] | null }>(
    'SELECT array_agg(p ORDER BY p) AS taken FROM unnest($2::int[]) AS p WHERE pg_try_advisory_lock(hashtext($1), p)',
    [keys.partitionClass, wanted],
  )).rows[0]?.taken ?? [];
  if (taken.length === 0) return [];
  try {
    await q.query('BEGIN');
    const rows = (await q.query<{ partition: number; epoch: string; journal_seq: string }>(
      `UPDATE partitions SET epoch = epoch + 1, owner = $2, endpoint = $3, since = now()
        WHERE partition = ANY($1::int[]) RETURNING partition, epoch, journal_seq`,
      [taken, engineId, endpoint],
    )).rows;
    await notify(q, keys.channel, { engine: engineId, event: 'took', count: taken.length });
    await q.query('COMMIT');
    return rows.map((r) => ({ partition: r.partition, epoch: Number(r.epoch), journalSeq: Number(r.journal_seq) })).sort((a, b) => a.partition - b.partition);
  } catch (err) {
    await q.query('ROLLBACK').catch(() => {});
    await unlockPartitions(q, keys, taken).catch(() => {});
    throw err;
  }
}

/**
 * Gives partitions up: their rows name no owner, their locks go, and the others are told. The
 * locks go inside the transaction, before COMMIT delivers the NOTIFY, so an engine woken by it
 * finds them free (and its epoch bump waits on these rows until this commits).
 */
export async function releasePartitions(q: SessionQuery, keys: OwnershipKeys, engineId: string, partitions: readonly number[]): Promise<void> {
  if (partitions.length === 0) return;
  try {
    await q.query('BEGIN');
    await q.query('UPDATE partitions SET owner = NULL, endpoint = NULL, since = now() WHERE partition = ANY($1::int[]) AND owner = $2', [partitions, engineId]);
    await unlockPartitions(q, keys, partitions);
    await notify(q, keys.channel, { engine: engineId, event: 'released', count: partitions.length });
    await q.query('COMMIT');
  } catch (err) {
    await q.query('ROLLBACK').catch(() => {});
    // The rows may still name this engine, but the locks must go: a route to an engine that no
    // longer holds the lock is ignored (partition-map.ts), a held lock would block a takeover.
    await unlockPartitions(q, keys, partitions).catch(() => {});
    throw err;
  }
}

/** Releases the locks only (a fenced partition: its row belongs to its new owner). */
export async function unlockPartitions(q: SessionQuery, keys: OwnershipKeys, partitions: readonly number[]): Promise<void> {
  if (partitions.length === 0) return;
  await q.query('SELECT count(*) FILTER (WHERE pg_advisory_unlock(hashtext($1), p)) FROM unnest($2::int[]) AS p', [keys.partitionClass, partitions]);
}
