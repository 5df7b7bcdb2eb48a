/**
 * A PgJournal that owns every partition, opened as a single engine's start opens it
 * (persistence.ts): partitions created, all taken (epochs bumped), the journal projected, then
 * owned. For tests that drive the journal without the rest of openPersistence.
 */
import type pg from 'pg';
import { DEFAULT_PARTITIONS } from '../../src/engine/cluster/partitions.js';
import { ensurePartitions, ownAll } from '../../src/persistence/cluster/single-owner-rows.js';
import { type JournalOptions, PgJournal } from '../../src/persistence/journal.js';

export async function openOwningJournal(pool: pg.Pool, opts: JournalOptions = {}, engineId = 'test-engine'): Promise<PgJournal> {
  const partitions = opts.partitions ?? DEFAULT_PARTITIONS;
  await ensurePartitions(pool, partitions);
  const grants = await ownAll(pool, engineId, null, partitions);
  const journal = await PgJournal.open(pool, { ...opts, partitions });
  await journal.own(grants);
  return journal;
}
