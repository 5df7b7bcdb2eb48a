/**
 * Real backends for the queue tests, each test run isolated: a fresh schema on the server
 * PostgreSQL (dropped afterwards), or an embedded PGlite in a temp folder, and a random queue
 * prefix whose Redis keys are deleted afterwards.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deleteQueueKeys } from '../../src/persistence/queue-keys.js';
import { openDatabase, quoteSchema, type Database } from '../../src/persistence/database.js';
import { migrate } from '../../src/persistence/migrate.js';
import { SERVER_URL } from './pg-fixture.js';
import type { AmlFillJob, MarketSnapshotRow, RiskSnapshotRow } from '../../src/persistence/queue-payloads.js';

export const PG_URL = SERVER_URL;
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export type DbKind = 'server' | 'embedded';

export interface TestDb {
  readonly db: Database;
  readonly dataDir: string;
  close(): Promise<void>;
}

export const randomName = (stem: string): string => `${stem}_${randomBytes(5).toString('hex')}`;

/** A migrated database of its own: a new schema on the server, or a new PGlite folder. */
export async function openTestDb(kind: DbKind): Promise<TestDb> {
  const dataDir = mkdtempSync(join(tmpdir(), 'queues-test-'));
  const schema = randomName('qtest');
  const db = await openDatabase({ ...(kind === 'server' ? { url: PG_URL } : {}), schema, dataDir, poolSize: 4 });
  await migrate(db.pool);
  return {
    db,
    dataDir,
    async close() {
      if (kind === 'server') await db.pool.query(`DROP SCHEMA ${quoteSchema(schema)} CASCADE`);
      await db.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Deletes every Redis key of the queues named `<prefix>.*`. */
export const deleteRedisKeys = (prefix: string): Promise<number> => deleteQueueKeys(REDIS_URL, prefix);

/** Polls until cond() holds (every 10 ms); fails with `what` after timeoutMs. */
export async function waitFor(what: string, cond: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function riskRows(portfolioId: string, n: number, firstSeq = 1): RiskSnapshotRow[] {
  return Array.from({ length: n }, (_, i) => ({
    portfolio_id: portfolioId,
    seq: firstSeq + i,
    tick_ts: 1_767_000_000_000 + i,
    computed_ms: 1_767_000_000_005 + i,
    figures: { equity: 1e6 + i, var: { value: 1234.5 + i, confidence: 0.99 }, greeks: { delta: 0.1 * i, gamma: 0.01 } },
  }));
}

export function marketRows(symbol: string, n: number): MarketSnapshotRow[] {
  return Array.from({ length: n }, (_, i) => ({ symbol, ts_ms: 1_767_000_000_000 + i, price: 100 + i / 100 }));
}

/** A listed option: its contract's standard multiplier is 100. */
const OPTION = 'AAA 260320C00050000';

/** An AML job's fill: of AAA shares, or with multiplier 100 of an AAA option (the multiplier a stored fill's instrument gives). */
export function fill(portfolioId: string, n: number, qty: number, price: number, multiplier?: 100): AmlFillJob {
  return {
    fillId: `${portfolioId}-f${n}`,
    orderId: `${portfolioId}-o${n}`,
    portfolioId,
    instrument: multiplier === undefined ? 'AAA' : OPTION,
    side: 'buy',
    qty,
    price,
    ts: 1_767_000_000_000 + n,
    ...(multiplier !== undefined ? { multiplier } : {}),
  };
}

/**
 * Fills written as the journal's projection writes them (with their portfolio and orders): the
 * AML worker screens fills it finds stored, by id.
 */
export async function storeFills(db: Database, fills: readonly AmlFillJob[]): Promise<void> {
  const unique = [...new Map(fills.map((f) => [f.fillId, f])).values()];
  await db.pool.query(
    `INSERT INTO portfolios (portfolio_id, created_by, initial_cash, cash, trading_state, next_order_seq, next_fill_seq)
     SELECT DISTINCT p, 'test', 1e6, 1e6, 'active', 1, 1 FROM unnest($1::text[]) AS p ON CONFLICT DO NOTHING`,
    [unique.map((f) => f.portfolioId)],
  );
  const rows = JSON.stringify(unique.map((f) => ({ fill_id: f.fillId, order_id: f.orderId, portfolio_id: f.portfolioId, instrument: f.instrument, side: f.side, qty: f.qty, price: f.price, ts_ms: f.ts })));
  await db.pool.query(
    `INSERT INTO orders (order_id, portfolio_id, client_order_id, instrument, side, qty, order_type, status, filled_qty, submitted_by, created_ms, updated_ms)
     SELECT order_id, portfolio_id, order_id, instrument, side, qty, 'market', 'filled', qty, 'test', ts_ms, ts_ms
       FROM json_to_recordset($1::json) AS x(order_id text, portfolio_id text, instrument text, side text, qty float8, ts_ms float8)
     ON CONFLICT DO NOTHING`,
    [rows],
  );
  await db.pool.query(
    `INSERT INTO fills (fill_id, order_id, client_order_id, portfolio_id, instrument, side, qty, price, ts_ms)
     SELECT fill_id, order_id, order_id, portfolio_id, instrument, side, qty, price, ts_ms
       FROM json_to_recordset($1::json) AS x(fill_id text, order_id text, portfolio_id text, instrument text, side text, qty float8, price float8, ts_ms float8)
     ON CONFLICT DO NOTHING`,
    [rows],
  );
}

/** Removes what storeFills wrote for these portfolios (their screenings stay), so that tests counting portfolios see only theirs. */
export async function forgetPortfolios(db: Database, portfolioIds: readonly string[]): Promise<void> {
  for (const table of ['fills', 'orders', 'portfolios']) await db.pool.query(`DELETE FROM ${table} WHERE portfolio_id = ANY($1::text[])`, [portfolioIds]);
}

export async function countRows(db: Database, sql: string, params: unknown[] = []): Promise<number> {
  return Number((await db.pool.query<{ n: string }>(sql, params)).rows[0]?.n ?? 0);
}

/** A portfolio with positions, written directly (the journal's job in the engine). */
export async function seedPortfolio(db: Database, portfolioId: string, positions: { instrument: string; qty: number; avgPrice: number; multiplier: number }[]): Promise<void> {
  await db.pool.query(
    `INSERT INTO portfolios (portfolio_id, created_by, initial_cash, cash, trading_state, next_order_seq, next_fill_seq)
     VALUES ($1, 'test', 1e6, 1e6, 'active', 1, 1)`,
    [portfolioId],
  );
  for (const p of positions) {
    await db.pool.query(
      `INSERT INTO positions (portfolio_id, instrument, qty, avg_price, realised_pnl, multiplier, vol, dividend_yield, style)
       VALUES ($1, $2, $3, $4, 0, $5, 0.2, 0, 'european')`,
      [portfolioId, p.instrument, p.qty, p.avgPrice, p.multiplier],
    );
  }
}
