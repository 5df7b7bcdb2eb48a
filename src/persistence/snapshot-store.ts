/**
 * Write-behind storage of risk and market snapshots (the persist queue's writes). One statement per
 * batch: on a server the rows travel as COPY text lines and are streamed in with COPY (copyRows
 * below); otherwise as one JSON array text that json_to_recordset turns back into rows. Either
 * way 1000 rows cost one round trip instead of 1000, and the engine's keys make a retried or
 * replayed batch write nothing twice (ON CONFLICT DO NOTHING).
 *
 * The text goes to PostgreSQL as the job carried it, never parsed here (parsing and re-serialising
 * the rows cost the worker as much as the INSERT). So PostgreSQL is where the rows
 * are checked: each field must have its JSON type (a CASE that does not match yields NULL, which
 * NOT NULL refuses: a string "7" for seq or "NaN" for a price is refused, not cast) and the tables'
 * CHECKs (migration 0004) refuse the rest of what RiskSnapshotRow and MarketSnapshotRow forbid. A
 * refusal of that kind (SQLSTATE class 22 or 23) is the rows' fault and fails alike on every
 * retry: it becomes QUEUE_ROWS_REJECTED. Anything else (connection lost, server restarting) is
 * passed on as it is, for the queue to retry with backoff.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { z } from 'zod';
import { COPY_COLUMNS, parseCopyText } from './copy-text.js';
import type { Database } from './database.js';
import { queueErrors } from './queue-errors.js';
import { copyLinesAsRows, MarketSnapshotRow, RiskSnapshotRow, type PersistKind, persistJobIssues } from './queue-payloads.js';

export interface SnapshotStore {
  /**
   * Inserts the rows of rowsJson (a JSON array of RiskSnapshotRow) whose (portfolio_id,
   * computed_ms, seq) is new; resolves with how many were. Rejects with QUEUE_ROWS_REJECTED when a
   * row does not fit the table, with the database's error when the database failed.
   */
  insertRiskSnapshots(rowsJson: string): Promise<number>;
  /** The same for a JSON array of MarketSnapshotRow, keyed by (symbol, ts_ms). */
  insertMarketSnapshots(rowsJson: string): Promise<number>;
  /**
   * The same for rows as COPY text lines (copy-text.ts): streamed in with COPY on a server, read
   * back into rows and inserted as JSON on the embedded database.
   */
  copySnapshots(kind: PersistKind, rowsCopy: string): Promise<number>;
}

// json_to_recordset reads every field as json, so the CASEs can check its JSON type before the
// cast, at a small cost over typed recordset columns, which would cast a string "7" to 7 without a
// word. figures stays json (migration 0001): stored as it came, with no conversion of every
// number to numeric.
const INSERT_RISK = `
INSERT INTO risk_snapshots (portfolio_id, seq, tick_ts, computed_ms, figures)
SELECT CASE WHEN json_typeof(r.portfolio_id) = 'string' THEN r.portfolio_id #>> '{}' END,
       CASE WHEN json_typeof(r.seq) = 'number' THEN (r.seq #>> '{}')::bigint END,
       CASE WHEN json_typeof(r.tick_ts) = 'number' THEN (r.tick_ts #>> '{}')::float8 END,
       CASE WHEN json_typeof(r.computed_ms) = 'number' THEN (r.computed_ms #>> '{}')::float8 END,
       r.figures
FROM json_to_recordset($1::json) AS r(portfolio_id json, seq json, tick_ts json, computed_ms json, figures json)
ON CONFLICT (portfolio_id, computed_ms, seq) DO NOTHING`;

const INSERT_MARKET = `
INSERT INTO market_snapshots (symbol, ts_ms, price)
SELECT CASE WHEN json_typeof(r.symbol) = 'string' THEN r.symbol #>> '{}' END,
       CASE WHEN json_typeof(r.ts_ms) = 'number' THEN (r.ts_ms #>> '{}')::float8 END,
       CASE WHEN json_typeof(r.price) = 'number' THEN (r.price #>> '{}')::float8 END
FROM json_to_recordset($1::json) AS r(symbol json, ts_ms json, price json)
ON CONFLICT (symbol, ts_ms) DO NOTHING`;

/**
 * SQLSTATE classes 22 (data exception: a value that does not convert, JSON that does not parse,
 * an element that is not an object) and 23 (integrity constraint: NOT NULL, CHECK): the rows are
 * at fault. A unique violation cannot occur (ON CONFLICT DO NOTHING).
 */
export function refusesRows(err: unknown): err is pg.DatabaseError {
  return err instanceof pg.DatabaseError && typeof err.code === 'string' && /^2[23]/.test(err.code);
}

const UNIQUE_VIOLATION = '23505';

async function copyIn(client: pg.PoolClient, sql: string, text: string): Promise<number> {
  const stream = client.query(copyFrom(sql));
  await pipeline(Readable.from([text]), stream);
  return stream.rowCount;
}

/**
 * COPY straight into the table, the fast path: about twice as fast as json_to_recordset, which
 * parses every field of every row into a json value before the INSERT casts them. COPY has no ON CONFLICT, so a batch that meets rows already
 * there (a retried or replayed job: the COPY is all or nothing) is copied again into a temporary
 * table of the session and inserted from there with ON CONFLICT DO NOTHING.
 */
async function copyRows(pool: pg.Pool, table: PersistKind, text: string): Promise<number> {
  const columns = COPY_COLUMNS[table].join(', ');
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    try {
      return await copyIn(client, `COPY ${table} (${columns}) FROM STDIN`, text);
    } catch (err) {
      if (!(err instanceof pg.DatabaseError && err.code === UNIQUE_VIOLATION)) throw err;
    }
    const stage = `stage_${table}`;
    await client.query('BEGIN');
    try {
      await client.query(`CREATE TEMP TABLE IF NOT EXISTS ${stage} (LIKE ${table}) ON COMMIT DELETE ROWS`);
      await copyIn(client, `COPY ${stage} (${columns}) FROM STDIN`, text);
      const n = (await client.query(`INSERT INTO ${table} (${columns}) SELECT ${columns} FROM ${stage} ON CONFLICT DO NOTHING`)).rowCount ?? 0;
      await client.query('COMMIT');
      return n;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    }
  } catch (err) {
    if (!(err instanceof pg.DatabaseError)) broken = err as Error; // the connection itself failed: do not pool it again
    throw err;
  } finally {
    client.release(broken);
  }
}

/**
 * The store on the engine's database. COPY on a server; on the embedded database (whose socket
 * server does not take COPY FROM STDIN) a COPY batch is read back into rows and inserted as JSON.
 */
export function pgSnapshotStore(db: Pick<Database, 'pool' | 'kind'>): SnapshotStore {
  const { pool } = db;
  const refused = (table: PersistKind, write: () => Promise<number>): Promise<number> =>
    write().catch((err: unknown) => {
      if (refusesRows(err)) throw queueErrors.rowsRejected(table, `PostgreSQL ${err.code} ${err.message}${err.where ? ` (${err.where})` : ''}`, err);
      throw err;
    });
  return {
    insertRiskSnapshots: (rowsJson) => refused('risk_snapshots', async () => (await pool.query(INSERT_RISK, [rowsJson])).rowCount ?? 0),
    insertMarketSnapshots: (rowsJson) => refused('market_snapshots', async () => (await pool.query(INSERT_MARKET, [rowsJson])).rowCount ?? 0),
    copySnapshots: (kind, rowsCopy) => refused(kind, async () => {
      if (db.kind === 'external') return copyRows(pool, kind, rowsCopy);
      const rowsJson = JSON.stringify(copyLinesAsRows(kind, parseCopyText(rowsCopy)));
      return (await pool.query(kind === 'risk_snapshots' ? INSERT_RISK : INSERT_MARKET, [rowsJson])).rowCount ?? 0;
    }),
  };
}

/**
 * For unit tests: the same keys, the same first-write-wins rule and the same refusal of a batch
 * with a malformed row (nothing of it written), in maps.
 */
export function memorySnapshotStore(): SnapshotStore & { readonly risk: Map<string, RiskSnapshotRow>; readonly market: Map<string, MarketSnapshotRow> } {
  const risk = new Map<string, RiskSnapshotRow>();
  const market = new Map<string, MarketSnapshotRow>();
  const put = <T>(table: PersistKind, schema: z.ZodType<T>, map: Map<string, T>, key: (r: T) => string, rowsJson: string): number => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(rowsJson);
    } catch (err) {
      throw queueErrors.rowsRejected(table, `not JSON: ${(err as Error).message}`);
    }
    const r = z.array(schema).safeParse(parsed);
    if (!r.success) throw queueErrors.rowsRejected(table, r.error.issues[0]?.message ?? 'malformed row');
    let n = 0;
    for (const row of r.data) {
      const k = key(row);
      if (!map.has(k)) {
        map.set(k, row);
        n++;
      }
    }
    return n;
  };
  const insertRiskSnapshots = async (rowsJson: string): Promise<number> => put('risk_snapshots', RiskSnapshotRow, risk, (r) => `${r.portfolio_id}\u0000${r.computed_ms}\u0000${r.seq}`, rowsJson);
  const insertMarketSnapshots = async (rowsJson: string): Promise<number> => put('market_snapshots', MarketSnapshotRow, market, (r) => `${r.symbol}\u0000${r.ts_ms}`, rowsJson);
  return {
    risk,
    market,
    insertRiskSnapshots,
    insertMarketSnapshots,
    // The lines read back into rows, then the same checks as the JSON form.
    async copySnapshots(kind, rowsCopy) {
      const issues = persistJobIssues({ kind, rowsCopy });
      if (issues !== undefined) throw queueErrors.rowsRejected(kind, issues);
      const rowsJson = JSON.stringify(copyLinesAsRows(kind, parseCopyText(rowsCopy)));
      return kind === 'risk_snapshots' ? insertRiskSnapshots(rowsJson) : insertMarketSnapshots(rowsJson);
    },
  };
}
