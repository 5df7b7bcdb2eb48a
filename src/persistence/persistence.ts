/**
 * Opens everything durable the engine needs at start, in the order recovery requires: the
 * database, its migrations, then the actors' states as the journal last committed them, then
 * the journal itself (continuing the audit chain).
 */
import type { Fill, Order, PortfolioState } from '../engine/actors/types.js';
import type { LogFn } from '../logger.js';
import { openDatabase, type Database } from './database.js';
import { PgJournal, type JournalStats } from './journal.js';
import { migrate } from './migrate.js';
import { loadPortfolioStates, loadRecentHistory } from './recovery.js';

export interface PersistenceOptions {
  readonly databaseUrl?: string;
  readonly schema: string;
  readonly poolSize: number;
  readonly dataDir: string;
  readonly log: LogFn;
  /** Orders and fills to reload into the engine's history (its historyLimit). */
  readonly historyLimit?: number;
}

export interface Persistence {
  readonly db: Database;
  readonly journal: PgJournal;
  /** Portfolios rebuilt from the database, for the engine to adopt. */
  readonly restored: readonly PortfolioState[];
  /** The newest orders and fills, for the engine's in-memory history. */
  readonly history: { readonly orders: readonly Order[]; readonly fills: readonly Fill[] };
  health(): { database: Database['kind']; journal: JournalStats };
  close(): Promise<void>;
}

export async function openPersistence(opts: PersistenceOptions): Promise<Persistence> {
  const db = await openDatabase({ ...(opts.databaseUrl !== undefined ? { url: opts.databaseUrl } : {}), schema: opts.schema, dataDir: opts.dataDir, poolSize: opts.poolSize, log: opts.log });
  try {
    const m = await migrate(db.pool);
    if (m.applied.length > 0) opts.log('info', 'database migrated', { applied: m.applied, version: m.current });
    const restored = await loadPortfolioStates(db.pool);
    const history = await loadRecentHistory(db.pool, opts.historyLimit ?? 100_000);
    const journal = await PgJournal.open(db.pool, { log: opts.log });
    opts.log('info', 'state rebuilt from the database', { database: db.kind, schema: db.schema, portfolios: restored.length });
    return {
      db, journal, restored, history,
      health: () => ({ database: db.kind, journal: journal.stats() }),
      async close() {
        await journal.flush();
        await db.close();
      },
    };
  } catch (err) {
    await db.close().catch(() => {});
    throw err;
  }
}
