/**
 * The aml queue's processor with every rule on this machine's PostgreSQL: the activity read from
 * the journal's tables across an owner's portfolios (wash trades between two of them, layering
 * with the touch from market_snapshots, marking the close against the market's price), the alerts
 * stored with their evidence and customer, a day replayed raising nothing new; and migration 0014
 * turning a closed alert into closed_no_action.
 */
import type { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AML_RULE_DEFAULTS, amlRuleParams } from '../../src/engine/compliance/aml/rule-defaults.js';
import { pgAmlActivity, pgCustomerProfiles } from '../../src/persistence/aml-activity.js';
import { pgAmlAlertStore } from '../../src/persistence/aml-alert-store.js';
import { openDatabase, quoteSchema } from '../../src/persistence/database.js';
import { migrate } from '../../src/persistence/migrate.js';
import { MIGRATIONS } from '../../src/persistence/migrations/index.js';
import type { AmlFillJob } from '../../src/persistence/queue-payloads.js';
import { pgStoredFills } from '../../src/persistence/stored-fills.js';
import { amlProcessor } from '../../src/workers/queue-jobs/aml-processor.js';
import { openTestDb, PG_URL, randomName, type TestDb } from './queue-harness.js';

const DAY = Date.UTC(2026, 2, 10);
const HOUR = 3_600_000, MINUTE = 60_000;
const CLOSE = DAY + 20 * HOUR;

let t: TestDb;

let n = 0;
/** An order and its fill as the journal's projection writes them; the fill as an aml job names it. */
async function trade(portfolioId: string, instrument: string, side: 'buy' | 'sell', qty: number, price: number, ts: number): Promise<AmlFillJob> {
  n += 1;
  const orderId = `${portfolioId}-o${n}`, fillId = `${portfolioId}-f${n}`;
  await t.db.pool.query(
    `INSERT INTO orders (order_id, portfolio_id, client_order_id, instrument, side, qty, order_type, status, filled_qty, submitted_by, created_ms, updated_ms)
     VALUES ($1, $2, $1, $3, $4, $5, 'market', 'filled', $5, 'test', $6, $6)`,
    [orderId, portfolioId, instrument, side, qty, ts],
  );
  await t.db.pool.query(
    `INSERT INTO fills (fill_id, order_id, client_order_id, portfolio_id, instrument, side, qty, price, ts_ms) VALUES ($1, $2, $2, $3, $4, $5, $6, $7, $8)`,
    [fillId, orderId, portfolioId, instrument, side, qty, price, ts],
  );
  return { fillId, orderId, portfolioId, instrument, side, qty, price, ts };
}

/** A limit order placed and cancelled unfilled. */
async function cancelled(portfolioId: string, instrument: string, side: 'buy' | 'sell', limitPrice: number, createdMs: number, cancelledMs: number): Promise<string> {
  n += 1;
  const orderId = `${portfolioId}-o${n}`;
  await t.db.pool.query(
    `INSERT INTO orders (order_id, portfolio_id, client_order_id, instrument, side, qty, order_type, limit_price, status, filled_qty, submitted_by, created_ms, updated_ms)
     VALUES ($1, $2, $1, $3, $4, 1000, 'limit', $5, 'cancelled', 0, 'test', $6, $7)`,
    [orderId, portfolioId, instrument, side, limitPrice, createdMs, cancelledMs],
  );
  return orderId;
}

const mark = (symbol: string, ts: number, price: number) => t.db.pool.query(`INSERT INTO market_snapshots (symbol, ts_ms, price) VALUES ($1, $2, $3)`, [symbol, ts, price]);
const job = (fills: readonly AmlFillJob[]) => ({ id: String(++n), queueName: 't.aml', data: { fills } }) as Job<unknown, unknown, string>;

interface AlertRow { fill_id: string; portfolio_id: string; customer_id: string; rule: string; severity: string; state: string; details: { key: string; evidence: { fillIds: string[]; orderIds: string[]; figures: Record<string, unknown> } } }
const alertsOf = async (): Promise<AlertRow[]> =>
  (await t.db.pool.query<AlertRow>(`SELECT fill_id, portfolio_id, customer_id, rule, severity, state, details FROM aml_alerts ORDER BY id`)).rows;

describe.each(['server', 'embedded'] as const)('the aml processor on PostgreSQL (%s)', (kind) => {
  beforeAll(async () => {
    t = await openTestDb(kind);
    for (const [id, owner] of [['w-a', 'walter'], ['w-b', 'walter'], ['solo', null]] as const) {
      await t.db.pool.query(
        `INSERT INTO portfolios (portfolio_id, owner_id, created_by, initial_cash, cash, trading_state, next_order_seq, next_fill_seq) VALUES ($1, $2, 'test', 1e6, 1e6, 'active', 1, 1)`,
        [id, owner],
      );
    }
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  const run = () => amlProcessor(pgAmlAlertStore(t.db.pool), pgStoredFills(t.db.pool), pgAmlActivity(t.db.pool), AML_RULE_DEFAULTS, { nowMs: () => CLOSE });

  it('finds a wash trade across two portfolios of one owner, layering against the touch in market_snapshots, marking the close against the market, and a large fill', async () => {
    // Walter buys in one portfolio and sells the same in the other 20 s later.
    const washBuy = await trade('w-a', 'WWW', 'buy', 500, 20, DAY + 15 * HOUR);
    const washSell = await trade('w-b', 'WWW', 'sell', 500, 20.01, DAY + 15 * HOUR + 20_000);
    // Three sell orders 4% above a touch of 50, pulled within seconds, then a buy fills.
    await mark('SSS', DAY + 16 * HOUR - 5 * MINUTE, 50);
    const spoofs = [];
    for (let i = 0; i < 3; i++) spoofs.push(await cancelled('w-a', 'SSS', 'sell', 52, DAY + 16 * HOUR - 40_000 + i * 1_000, DAY + 16 * HOUR - 20_000 + i * 1_000));
    const layered = await trade('w-b', 'SSS', 'buy', 100, 50.2, DAY + 16 * HOUR);
    // A portfolio without an owner buys most of its day's CCC in the last minutes, 3.2% above the market's price at the window's start.
    await mark('CCC', CLOSE - 15 * MINUTE, 40);
    const early = await trade('solo', 'CCC', 'buy', 1_000, 40, DAY + 15 * HOUR);
    const late = await trade('solo', 'CCC', 'buy', 9_000, 41.3, CLOSE - 2 * MINUTE);
    const large = await trade('solo', 'BIG', 'sell', 10_000, 150, DAY + 17 * HOUR);
    const day = [washBuy, washSell, layered, early, late, large];

    expect(await run()(job(day.slice(0, 3)))).toEqual({ fills: 3, alerted: 2 });
    expect(await run()(job(day.slice(3)))).toEqual({ fills: 3, alerted: 2 });
    const alerts = await alertsOf();
    expect(alerts.map((a) => [a.rule, a.fill_id, a.customer_id, a.severity, a.state])).toEqual([
      ['WASH_TRADE', washSell.fillId, 'walter', 'high', 'open'],
      ['LAYERING', layered.fillId, 'walter', 'medium', 'open'],
      ['MARKING_THE_CLOSE', late.fillId, 'portfolio:solo', 'high', 'open'],
      ['LARGE_NOTIONAL', large.fillId, 'portfolio:solo', 'medium', 'open'],
    ]);
    expect(alerts[0]?.details).toMatchObject({ key: `WASH_TRADE:${washSell.fillId}`, evidence: { fillIds: [washBuy.fillId, washSell.fillId], figures: { crossPortfolio: true } } });
    expect(alerts[1]?.details.evidence.orderIds).toEqual([...spoofs, layered.orderId]);
    expect(alerts[2]?.details.evidence.figures).toMatchObject({ referenceFrom: 'market', referencePrice: 40 });
    expect(alerts[3]?.details).toMatchObject({ qty: 10_000, price: 150, evidence: { figures: { thresholdNotional: 1_000_000, rated: false } } });
  });

  it('replaying the day, in one job or fill by fill, raises no alert again', async () => {
    const before = await alertsOf();
    const ids = (await t.db.pool.query<{ fill_id: string }>(`SELECT fill_id FROM fills ORDER BY ts_ms`)).rows.map((r) => r.fill_id);
    const stored = await pgStoredFills(t.db.pool).byIds(ids);
    expect(await run()(job([...stored.values()]))).toEqual({ fills: ids.length, alerted: 0 });
    for (const f of stored.values()) expect(await run()(job([f]))).toMatchObject({ alerted: 0 });
    expect(await alertsOf()).toEqual(before);
  });

  it('reads the look-back from the database: a third fill under the reporting threshold a day after two others raises STRUCTURING with all three', async () => {
    const a = await trade('w-a', 'STR', 'buy', 1, 9_500, DAY + 2 * HOUR);
    const b = await trade('w-b', 'STR', 'buy', 1, 9_700, DAY + 10 * HOUR);
    expect(await run()(job([a, b]))).toEqual({ fills: 2, alerted: 0 });
    const c = await trade('w-a', 'STR', 'buy', 1, 9_900, DAY + 25 * HOUR);
    expect(await run()(job([c]))).toEqual({ fills: 1, alerted: 1 });
    const [alert] = (await alertsOf()).filter((x) => x.rule === 'STRUCTURING');
    expect(alert).toMatchObject({ fill_id: c.fillId, customer_id: 'walter', details: { evidence: { fillIds: [a.fillId, b.fillId, c.fillId] } } });
  });

  it('takes the large-notional threshold of the risk level KYC gave the owner (pgCustomerProfiles)', async () => {
    await t.db.pool.query(
      `INSERT INTO portfolios (portfolio_id, owner_id, created_by, initial_cash, cash, trading_state, next_order_seq, next_fill_seq) VALUES ('h-1', 'hera', 'test', 1e6, 1e6, 'active', 1, 1)`,
    );
    // The personal columns are sealed in a real case; the profile reads only the clear risk level.
    await t.db.pool.query(
      `INSERT INTO kyc_submissions (user_id, state, legal_name, date_of_birth, nationality, country_of_residence, address, document_type, document_number, source_of_funds,
         risk_level, version, submitted_ms, updated_ms)
       VALUES ('hera', 'approved', 'sealed', 'sealed', 'sealed', 'sealed', 'sealed', 'passport', 'sealed', 'salary', 'high', 1, $1, $1)`, [DAY]);
    expect(await pgCustomerProfiles(t.db.pool).profilesOf(['hera', 'nobody'])).toEqual(new Map([['hera', { riskLevel: 'high', countries: [] }]]));
    // 300,000: under the 1,000,000 of the unrated, over the 250,000 of a high-risk customer.
    const fill = await trade('h-1', 'HRA', 'buy', 1_000, 300, DAY + 19 * HOUR);
    const rated = amlProcessor(pgAmlAlertStore(t.db.pool), pgStoredFills(t.db.pool), pgAmlActivity(t.db.pool, pgCustomerProfiles(t.db.pool)), AML_RULE_DEFAULTS, { nowMs: () => CLOSE });
    expect(await rated(job([fill]))).toEqual({ fills: 1, alerted: 1 });
    const [alert] = (await alertsOf()).filter((x) => x.fill_id === fill.fillId);
    expect(alert).toMatchObject({ rule: 'LARGE_NOTIONAL', customer_id: 'hera', details: { evidence: { figures: { thresholdNotional: 250_000, rated: true } } } });
  });

  it('screens at the thresholds it is given', async () => {
    const small = await trade('solo', 'SML', 'buy', 10, 300, DAY + 18 * HOUR);
    const strict = amlProcessor(pgAmlAlertStore(t.db.pool), pgStoredFills(t.db.pool), pgAmlActivity(t.db.pool), amlRuleParams({ largeNotional: { low: 3_000 } }));
    expect(await strict(job([small]))).toEqual({ fills: 1, alerted: 1 });
  });
});

describe('migration 0014', () => {
  beforeAll(async () => {
    t = await openTestDb('server');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('keeps an alert closed before it as closed_no_action, and takes only the case\'s states', async () => {
    const schema = randomName('m14');
    const db = await openDatabase({ url: PG_URL, schema, dataDir: t.dataDir, poolSize: 2 });
    try {
      await migrate(db.pool, MIGRATIONS.filter((m) => m.version < 14));
      await db.pool.query(`INSERT INTO aml_alerts (fill_id, portfolio_id, rule, severity, notional, state) VALUES ('f1', 'p', 'LARGE_NOTIONAL', 'medium', 2e6, 'closed'), ('f2', 'p', 'LARGE_NOTIONAL', 'high', 2e7, 'open')`);
      await migrate(db.pool);
      expect((await db.pool.query(`SELECT fill_id, state FROM aml_alerts ORDER BY fill_id`)).rows).toEqual([{ fill_id: 'f1', state: 'closed_no_action' }, { fill_id: 'f2', state: 'open' }]);
      await db.pool.query(`UPDATE aml_alerts SET state = 'reported' WHERE fill_id = 'f2'`);
      await expect(db.pool.query(`UPDATE aml_alerts SET state = 'closed' WHERE fill_id = 'f2'`)).rejects.toThrow(/aml_alerts_state_check/);
    } finally {
      await db.pool.query(`DROP SCHEMA ${quoteSchema(schema)} CASCADE`);
      await db.close();
    }
  });
});
