/**
 * The snapshot store on the server PostgreSQL and on the embedded PGlite: a batch arrives as one
 * JSON or COPY text, unparsed, so the database is what refuses a malformed row. Every shape the row
 * schemas forbid must be refused (QUEUE_ROWS_REJECTED, nothing of the batch written), and a
 * database failure of any other kind must not be mistaken for one.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { marketCopyText, riskCopyText } from '../../src/persistence/copy-text.js';
import { MarketSnapshotRow, RiskSnapshotRow } from '../../src/persistence/queue-payloads.js';
import { pgSnapshotStore, refusesRows, type SnapshotStore } from '../../src/persistence/snapshot-store.js';
import { countRows, marketRows, openTestDb, riskRows, type DbKind, type TestDb } from './queue-harness.js';

const good = (portfolioId: string): Record<string, unknown> => ({ ...riskRows(portfolioId, 1)[0] });

/** Each a row that RiskSnapshotRow refuses, beside the reason the table gives. */
const BAD_RISK_ROWS: readonly [string, (row: Record<string, unknown>) => unknown][] = [
  ['seq as a string', (r) => ({ ...r, seq: '7' })],
  ['a fractional seq', (r) => ({ ...r, seq: 1.5 })],
  ['a negative seq', (r) => ({ ...r, seq: -1 })],
  ['no seq', ({ seq: _seq, ...r }) => r],
  ['an empty portfolio_id', (r) => ({ ...r, portfolio_id: '' })],
  ['portfolio_id as a number', (r) => ({ ...r, portfolio_id: 5 })],
  ['tick_ts as the string "NaN"', (r) => ({ ...r, tick_ts: 'NaN' })],
  ['computed_ms null', (r) => ({ ...r, computed_ms: null })],
  ['figures as an array', (r) => ({ ...r, figures: [1, 2] })],
  ['figures null', (r) => ({ ...r, figures: null })],
  ['a row that is not an object', () => 42],
];

describe.each(['server', 'embedded'] as DbKind[])('snapshot store on %s PostgreSQL', (kind) => {
  let t: TestDb;
  let store: SnapshotStore;

  beforeAll(async () => {
    t = await openTestDb(kind);
    store = pgSnapshotStore(t.db);
  });
  afterAll(async () => {
    await t.close();
  });

  it('writes the rows of a JSON text once, as they came', async () => {
    const rows = riskRows('json', 3);
    expect(await store.insertRiskSnapshots(JSON.stringify(rows))).toBe(3);
    expect(await store.insertRiskSnapshots(JSON.stringify(rows))).toBe(0);
    const stored = (await t.db.pool.query(`SELECT portfolio_id, seq::float8 AS seq, tick_ts, computed_ms, figures FROM risk_snapshots WHERE portfolio_id = 'json' ORDER BY seq`)).rows;
    expect(stored).toEqual(rows);
    expect(await store.insertMarketSnapshots(JSON.stringify(marketRows('JSON', 2)))).toBe(2);
  });

  it.each(BAD_RISK_ROWS)('refuses a batch with %s, and writes none of it', async (what, bad) => {
    const id = `bad-${what}`;
    const row = bad(good(id));
    expect(RiskSnapshotRow.safeParse(row).success).toBe(false); // the schema refuses it too
    const err = await store.insertRiskSnapshots(JSON.stringify([good(id), row])).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'QUEUE_ROWS_REJECTED', message: expect.stringMatching(/^QUEUE_ROWS_REJECTED: risk_snapshots rows refused: PostgreSQL 2[23]\w{3} /) });
    expect(await countRows(t.db, `SELECT count(*) n FROM risk_snapshots WHERE portfolio_id = $1`, [id])).toBe(0);
  });

  it('refuses text that is not a JSON array of rows', async () => {
    for (const text of ['{"portfolio_id":"x"}', '[{"portfolio_id":', 'not json']) {
      await expect(store.insertRiskSnapshots(text)).rejects.toMatchObject({ code: 'QUEUE_ROWS_REJECTED' });
    }
  });

  it('refuses a market row whose price is not a number or whose symbol is empty', async () => {
    for (const row of [{ symbol: 'M', ts_ms: 1, price: 'NaN' }, { symbol: '', ts_ms: 1, price: 1 }, { symbol: 'M', ts_ms: '1', price: 1 }]) {
      expect(MarketSnapshotRow.safeParse(row).success).toBe(false);
      await expect(store.insertMarketSnapshots(JSON.stringify([row]))).rejects.toMatchObject({ code: 'QUEUE_ROWS_REJECTED' });
    }
    expect(await countRows(t.db, `SELECT count(*) n FROM market_snapshots WHERE symbol IN ('M', '')`)).toBe(0);
  });

  it('writes COPY lines once, as they came, odd characters and all; a batch meeting stored rows writes only the new ones', async () => {
    const id = 'copy \\ tab\there\nnew line';
    const rows = riskRows(id, 4).map((r, i) => ({ ...r, figures: { ...r.figures, note: `quote " back \\ tab \t é ${i}` } }));
    expect(await store.copySnapshots('risk_snapshots', riskCopyText(rows.slice(0, 2)))).toBe(2);
    expect(await store.copySnapshots('risk_snapshots', riskCopyText(rows.slice(0, 2)))).toBe(0); // a retried job
    expect(await store.copySnapshots('risk_snapshots', riskCopyText(rows))).toBe(2); // half of it new
    const stored = (await t.db.pool.query(`SELECT portfolio_id, seq::float8 AS seq, tick_ts, computed_ms, figures FROM risk_snapshots WHERE portfolio_id = $1 ORDER BY seq`, [id])).rows;
    expect(stored).toEqual(rows);
    expect(await store.copySnapshots('market_snapshots', marketCopyText(marketRows('COPY', 3)))).toBe(3);
  });

  it.each<[string, string]>([
    ['a non-finite tick_ts', 'p\t1\tNaN\t2\t{}\n'],
    ['an infinite computed_ms', 'p\t1\t1\tInfinity\t{}\n'],
    ['a fractional seq', 'p\t1.5\t1\t2\t{}\n'],
    ['figures that are not JSON', 'p\t1\t1\t2\t{oops\n'],
    ['figures that are not an object', 'p\t1\t1\t2\t[1]\n'],
    ['a missing field', 'p\t1\t1\t2\n'],
  ])('refuses COPY lines with %s, and writes none of the batch', async (_what, line) => {
    const id = `copy-bad-${_what}`;
    const text = riskCopyText([good(id) as never]) + line.replace(/^p/, id);
    await expect(store.copySnapshots('risk_snapshots', text)).rejects.toMatchObject({ code: 'QUEUE_ROWS_REJECTED' });
    expect(await countRows(t.db, `SELECT count(*) n FROM risk_snapshots WHERE portfolio_id = $1`, [id])).toBe(0);
  });

  it('refuses a market line with a non-finite price', async () => {
    await expect(store.copySnapshots('market_snapshots', 'MK\t1\tInfinity\n')).rejects.toMatchObject({ code: 'QUEUE_ROWS_REJECTED' });
    expect(await countRows(t.db, `SELECT count(*) n FROM market_snapshots WHERE symbol = 'MK'`)).toBe(0);
  });

  it('passes a database failure on as it is, not as refused rows', async () => {
    await t.db.pool.query(`ALTER TABLE market_snapshots RENAME TO market_snapshots_away`);
    try {
      const err = await store.insertMarketSnapshots(JSON.stringify(marketRows('AWAY', 1))).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(pg.DatabaseError);
      expect(err).toMatchObject({ code: '42P01' });
    } finally {
      await t.db.pool.query(`ALTER TABLE market_snapshots_away RENAME TO market_snapshots`);
    }
  });
});

describe('which database errors mean the rows are at fault', () => {
  const dbError = (code: string): pg.DatabaseError => Object.assign(new pg.DatabaseError('x', 1, 'error'), { code });

  it('takes SQLSTATE classes 22 (data exception) and 23 (integrity constraint) as the rows’ fault', () => {
    for (const code of ['22P02', '22003', '22023', '23502', '23514']) expect(refusesRows(dbError(code))).toBe(true);
  });

  it('takes every other failure as worth a retry: connection, shutdown, conflict, a missing table', () => {
    for (const code of ['08006', '57P01', '40001', '53300', '42P01']) expect(refusesRows(dbError(code))).toBe(false);
    expect(refusesRows(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toBe(false);
    expect(refusesRows(Object.assign(new Error('looks like a SQLSTATE'), { code: '23502' }))).toBe(false);
  });
});
