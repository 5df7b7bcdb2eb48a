/**
 * The reports end to end on `risk-engine serve` (PostgreSQL and Redis of this machine): requested
 * over REST, made by the report queue in the queue thread, stored with their hash and versions,
 * served as their format, regenerated to the same bytes, refused to the roles they are not for,
 * failed with a reason a reader can act on, and the scheduled days a stopped engine missed caught
 * up at its start, once however many times it starts, with the day's retention run.
 *
 * The scenario's book is written straight into the engine's tables (a customer's portfolio opened
 * in 2011 with options on SPY, filled on 2011-09-30, the day the price files cover); the
 * customer's identity goes through the KYC route, so it is sealed with the engine's own keys.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dueBusinessDays } from '../../src/engine/reports/schedule.js';
import { migrate } from '../../src/persistence/migrate.js';
import type { Msg } from '../gateway/harness.js';
import { newTarget, type DbTarget } from '../persistence/pg-fixture.js';
import { deleteRedisKeys, randomName, REDIS_URL } from '../persistence/queue-harness.js';
import { killServes, rest, type ServeProcess, serveToken, startServe, testKeysDir } from '../persistence/serve-process.js';

const KEYS = testKeysDir();
const PRICES_DIR = path.join(import.meta.dirname, '..', '..', 'data', 'prices');
const DAY = '2011-09-30';
const CATCH_UP_FROM_DAYS_AGO = 9;
let t: DbTarget;
let prefix: string;
let pool: pg.Pool;
let engine: ServeProcess;
let officer: string;

function env(): Record<string, string | undefined> {
  return {
    SIGNING_KEYS_DIR: KEYS, DATA_DIR: t.dataDir, DATABASE_URL: t.url, DATABASE_SCHEMA: t.schema, REDIS_URL, QUEUE_PREFIX: prefix,
    PRICES_DIR, MIFID_II_REPORTING_ENABLED: 'true', SOX_COMPLIANCE_ENABLED: 'true', FIRM_LEI: '5493001KJTIIGC8Y1R12', FIRM_COUNTRY: 'DE',
    TRADING_VENUE_MIC: 'XCBO', UNDERLYING_ISINS: 'SPY=US78462F1030', REPORT_TIME_UTC: '00:00', REPORT_CATCH_UP_DAYS: '10',
  };
}

async function until<T>(read: () => Promise<T>, done: (v: T) => boolean, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (done(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const report = (id: string) => rest(engine.port, officer, 'GET', `/compliance/reports/${id}`);
const finished = (id: string) => until(() => report(id), (r) => r.json.status === 'done' || r.json.status === 'failed');

async function request(token: string, body: Msg): Promise<{ status: number; json: Msg }> {
  return rest(engine.port, token, 'POST', '/compliance/report', body);
}

async function content(id: string): Promise<{ status: number; type: string; sha: string; text: string }> {
  const r = await fetch(`http://127.0.0.1:${engine.port}/compliance/reports/${id}/content`, { headers: { authorization: `Bearer ${officer}` } });
  return { status: r.status, type: r.headers.get('content-type') ?? '', sha: r.headers.get('x-content-sha256') ?? '', text: await r.text() };
}

beforeAll(async () => {
  t = newTarget('external');
  prefix = randomName('reports');
  const admin = new pg.Client({ connectionString: t.url });
  await admin.connect();
  await admin.query(`CREATE SCHEMA "${t.schema}"`);
  await admin.end();
  pool = new pg.Pool({ connectionString: t.url, options: `-c search_path=${t.schema}`, max: 2 });
  await migrate(pool);
  // The database has kept reports for nine days: the days since then are the ones a start catches up.
  await pool.query(`UPDATE app_migrations SET applied_at = now() - interval '${CATCH_UP_FROM_DAYS_AGO} days' WHERE version = 18`);
  await pool.query(
    `INSERT INTO portfolios (portfolio_id, owner_id, created_by, created_at, initial_cash, initial_positions, cash, trading_state, next_order_seq, next_fill_seq)
     VALUES ('P-ANN', 'cust-ann', 'test', '2011-01-03T15:00:00Z', 1e6, '[]', 1e6, 'active', 10, 10)`);
  const fills: [string, 'buy' | 'sell', number, number, string][] = [
    ['SPY   111217C00115000', 'buy', 150, 2.5, '2011-09-30T14:00:00.123456Z'],
    ['SPY   111217P00105000', 'sell', 80, 3.1, '2011-09-30T15:30:00Z'],
  ];
  let n = 0;
  for (const [instrument, side, qty, price, iso] of fills) {
    n += 1;
    const ms = Date.parse(iso);
    await pool.query(
      `INSERT INTO orders (order_id, portfolio_id, client_order_id, instrument, side, qty, order_type, status, filled_qty, submitted_by, created_ms, updated_ms)
       VALUES ($1, 'P-ANN', $1, $2, $3, $4, 'market', 'filled', $4, 'cust-ann', $5, $5)`, [`P-ANN-o${n}`, instrument, side, qty, ms]);
    await pool.query(
      `INSERT INTO fills (fill_id, order_id, client_order_id, portfolio_id, instrument, side, qty, price, ts_ms) VALUES ($1, $2, $2, 'P-ANN', $3, $4, $5, $6, $7)`,
      [`P-ANN-f${n}`, `P-ANN-o${n}`, instrument, side, qty, price, ms]);
    await pool.query(
      `INSERT INTO positions (portfolio_id, instrument, qty, avg_price, realised_pnl, multiplier, vol, dividend_yield, style) VALUES ('P-ANN', $1, $2, $3, 0, 100, 0.25, 0, 'european')`,
      [instrument, side === 'buy' ? qty : -qty, price]);
  }
  engine = await startServe(env());
  officer = await serveToken(KEYS, 'olga', ['compliance_officer']);
  // The customer submits their KYC case: their identity is sealed with their data key.
  const ann = await serveToken(KEYS, 'cust-ann', ['trader'], ['P-ANN']);
  const kyc = await rest(engine.port, ann, 'POST', '/kyc/submit', {
    legalName: { givenNames: 'Ann Marie', surname: 'Lindqvist' }, dateOfBirth: '1980-05-17', nationality: 'SE', countryOfResidence: 'SE',
    address: { line1: '1 Storgatan', city: 'Stockholm', country: 'SE' }, document: { type: 'passport', number: 'SE1234567' }, sourceOfFunds: { kind: 'salary' },
  });
  expect(kyc.status, JSON.stringify(kyc.json)).toBe(201);
}, 90_000);

afterAll(async () => {
  killServes();
  await pool?.end();
  await deleteRedisKeys(prefix);
  await t?.cleanup();
});

describe('reports on serve', () => {
  it('makes a requested report on the queue, serves it as its format with its hash, and regenerates the same bytes', { timeout: 60_000 }, async () => {
    const first = await request(officer, { type: 'large-positions', date: DAY, format: 'csv' });
    expect(first.status, JSON.stringify(first.json)).toBe(202);
    const done = await finished(first.json.reportId as string);
    expect(done.json).toMatchObject({ status: 'done', type: 'large-positions', from: DAY, to: DAY, format: 'csv', requestedBy: 'olga', contentType: 'text/csv; charset=utf-8' });
    const c = await content(first.json.reportId as string);
    expect(c.status).toBe(200);
    expect(c.type).toBe('text/csv; charset=utf-8');
    expect(c.sha).toBe(createHash('sha256').update(c.text, 'utf8').digest('hex'));
    expect(c.sha).toBe(done.json.sha256);
    expect(c.text).toBe(done.json.content);
    // 150 long calls and 80 short puts: 230 contracts on the bullish side, named from the KYC case.
    expect(c.text).toContain('Ann Marie Lindqvist');
    expect(c.text).toContain('230');
    const again = await finished((await request(officer, { type: 'large-positions', date: DAY, format: 'csv' })).json.reportId as string);
    expect(again.json.sha256).toBe(done.json.sha256);
    expect(again.json.versions).toEqual(done.json.versions);
    const listed = await rest(engine.port, officer, 'GET', `/compliance/report?type=large-positions&from=${DAY}&to=${DAY}`);
    expect((listed.json.reports as Msg[]).map((r) => r.id)).toEqual([again.json.id, done.json.id]);
    expect((listed.json.reports as Msg[])[0]).not.toHaveProperty('content');
  });

  it('makes every report type of the scenario day', { timeout: 120_000 }, async () => {
    const asked: [Msg, string][] = [
      [{ type: 'rts22', date: DAY, format: 'xml' }, 'FinInstrmRptgTxRpt'],
      [{ type: 'daily-risk', date: DAY, format: 'html' }, '<svg'],
      [{ type: 'capital', date: DAY, format: 'json' }, '"multiplier"'],
      [{ type: 'aml', from: '2011-09-01', to: DAY, format: 'json' }, '"alerts"'],
      [{ type: 'privileged-changes', from: '2011-09-01', to: DAY, format: 'json' }, '"chains"'],
    ];
    for (const [body, mark] of asked) {
      const r = await request(officer, body);
      expect(r.status, JSON.stringify(r.json)).toBe(202);
      const done = await finished(r.json.reportId as string);
      expect(done.json.status, `${String(body.type)}: ${JSON.stringify(done.json.error)}`).toBe('done');
      expect(String(done.json.content)).toContain(mark);
    }
  });

  it('says why a report failed, with a code a reader can act on', { timeout: 60_000 }, async () => {
    // No price file has 2026: the risk of a day the histories do not reach is refused, not guessed.
    const r = await request(officer, { type: 'daily-risk', date: '2026-01-05', format: 'json' });
    const failed = await finished(r.json.reportId as string);
    expect(failed.json).toMatchObject({ status: 'failed', content: null, sha256: null });
    expect((failed.json.error as Msg).code).toMatch(/^[A-Z_]+$/);
    expect(String((failed.json.error as Msg).message).length).toBeGreaterThan(10);
    expect((await content(r.json.reportId as string)).status).toBe(409);
    // And /metrics counts it, for the ReportsFailing alert.
    const admin = await serveToken(KEYS, 'ada', ['admin']);
    const text = await (await fetch(`http://127.0.0.1:${engine.port}/metrics`, { headers: { authorization: `Bearer ${admin}` } })).text();
    const failedDailyRisk = /^risk_engine_reports\{type="daily-risk",status="failed"\} (\d+)$/m.exec(text);
    expect(Number(failedDailyRisk?.[1])).toBeGreaterThanOrEqual(1);
  });

  it('refuses a report to the roles it is not for, and a bad request with the reason', { timeout: 30_000 }, async () => {
    const riskManager = await serveToken(KEYS, 'rita', ['risk_manager'], ['P-ANN']);
    expect((await request(riskManager, { type: 'aml', from: DAY, to: DAY })).status).toBe(403);
    expect((await request(riskManager, { type: 'daily-risk', date: DAY })).status).toBe(403); // the whole book: not only P-ANN
    expect((await request(riskManager, { type: 'daily-risk', date: DAY, portfolioId: 'P-ANN' })).status).toBe(202);
    const trader = await serveToken(KEYS, 'tom', ['trader'], ['P-ANN']);
    expect((await request(trader, { type: 'daily-risk', date: DAY, portfolioId: 'P-ANN' })).status).toBe(403);
    // A risk manager does not learn that an officer's report exists.
    const amlId = (await request(officer, { type: 'aml', from: DAY, to: DAY })).json.reportId as string;
    expect((await rest(engine.port, riskManager, 'GET', `/compliance/reports/${amlId}`)).status).toBe(404);
    const bad = await request(officer, { type: 'capital', from: '2011-09-01', to: DAY });
    expect(bad).toMatchObject({ status: 400, json: { code: 'REPORT_REQUEST_INVALID' } });
    expect((await request(officer, { type: 'aml', from: DAY, to: '2099-01-01' })).json.code).toBe('REPORT_REQUEST_INVALID');
    expect((await request(officer, { type: 'rts22', date: DAY, format: 'html' })).json.code).toBe('REPORT_REQUEST_INVALID');
    expect((await request(officer, { type: 'nope', date: DAY })).status).toBe(400);
  });

  it('catches up at start the scheduled reports of the business days it missed, once however often it starts', { timeout: 90_000 }, async () => {
    const kept = await pool.query<{ d: string }>(`SELECT to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS d FROM app_migrations WHERE version = 18`);
    const days = dueBusinessDays(Date.now(), 0, 10, kept.rows[0]!.d);
    expect(days.length).toBeGreaterThanOrEqual(5);
    const types = ['capital', 'daily-risk', 'large-positions', 'privileged-changes', 'rts22'];
    const scheduled = async () => (await pool.query<{ type: string; d: string }>(
      `SELECT type, to_char(period_from, 'YYYY-MM-DD') AS d FROM compliance_reports WHERE scheduled ORDER BY type, period_from`)).rows;
    const expected = types.flatMap((type) => days.map((d) => ({ type, d })));
    expect(await scheduled()).toEqual(expected);
    // A restart finds them all requested: nothing is scheduled twice.
    engine.proc.kill('SIGTERM');
    await engine.exited;
    engine = await startServe(env());
    expect(await scheduled()).toEqual(expected);
    // Each ran: the large-position report of a recent day holds the 2011 book still open.
    const last = await until(
      () => pool.query<{ status: string }>(`SELECT status FROM compliance_reports WHERE scheduled AND type = 'large-positions' AND period_from = $1`, [days.at(-1)]),
      (r) => r.rows[0]?.status === 'done');
    expect(last.rows[0]?.status).toBe('done');
    // And the day's retention run went through the same queue, once for both starts.
    const runs = await until(() => pool.query<{ as_of: string }>(`SELECT to_char(as_of, 'YYYY-MM-DD') AS as_of FROM retention_runs`), (r) => r.rows.length > 0);
    expect(runs.rows.map((r) => r.as_of)).toEqual([new Date().toISOString().slice(0, 10)]);
  });
});
