/**
 * The engine with its PostgreSQL journal, on this machine's PostgreSQL and on embedded PGlite:
 * an ack means the order and its fills are already in the database; an engine rebuilt from the
 * database has the same book (positions, cash, open orders, limits, trading state, sequences);
 * reconciliation agrees and the audit trail verifies. Real pool, real engine, real database.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { syntheticScenarioSet } from '../../src/engine/risk/realtime-scenarios.js';
import type { EngineApi, OrderOutcome } from '../../src/engine/runtime/engine-api.js';
import { Engine } from '../../src/engine/runtime/engine.js';
import { verifyAuditTrail } from '../../src/persistence/audit-verify.js';
import { openPersistence, type Persistence } from '../../src/persistence/persistence.js';
import { reconcile } from '../../src/persistence/reconcile.js';
import { createRiskPool } from '../../src/workers/risk-pool/risk-pool.js';
import { type Backend, newTarget, type DbTarget, serverRelay, urlThrough } from './pg-fixture.js';
import { waitFor } from './queue-harness.js';

const START_MS = Date.UTC(2026, 0, 15, 21);
const CALL = 'AAA   260320C00100000';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

async function startEngine(t: DbTarget, urlOverride?: string, engineOpts: { historyLimit?: number } = {}): Promise<{ engine: EngineApi; persistence: Persistence }> {
  const url = urlOverride ?? t.url;
  let now = START_MS;
  const clock = { nowMs: () => (now += 1) };
  const persistence = await openPersistence({ ...(url !== undefined ? { databaseUrl: url } : {}), schema: t.schema, queuePrefix: 'test', logLevel: 'silent', poolSize: 4, dataDir: t.dataDir, log: process.env.DEBUG_TEST ? (l, m, f) => console.log(l, m, f) : () => {}, clock });
  const sc = syntheticScenarioSet({ underlyings: ['AAA', 'BBB'], dailyVol: 0.02, correlation: 0.3, seed: 3 });
  if (!sc.ok) throw new Error(sc.message);
  const engine = new Engine({
    calculator: createRiskPool({ threads: 1, scenarios: sc.value }), clock, rate: 0.04,
    journal: persistence.journal, restore: persistence.restored, history: persistence.history, orderArchive: persistence.archive, ...engineOpts,
  });
  const handle = { engine, persistence, close: async () => { await engine.close(); await persistence.close(); } };
  open.push(handle);
  return handle;
}

async function stop(h: { engine: EngineApi; persistence: Persistence }): Promise<void> {
  const i = open.findIndex((o) => (o as unknown as { engine: EngineApi }).engine === h.engine);
  await open.splice(i, 1)[0]!.close();
}

const acked = (o: OrderOutcome) => {
  if (o.kind !== 'ack') throw new Error(`expected an ack, got ${o.code}: ${o.message}`);
  return o;
};

describe.each<Backend>(['external', 'embedded'])('durable engine on %s PostgreSQL', (backend) => {
  it('acks only what is committed, and an engine rebuilt from the database has the same book', { timeout: 60_000 }, async () => {
    const t = newTarget(backend);
    try {
      const first = await startEngine(t);
      const { engine, persistence } = first;
      engine.tick('AAA', 100, START_MS);
      engine.tick('BBB', 50, START_MS);
      expect((await engine.createPortfolio({ portfolioId: 'P1', cash: 1_000_000, positions: [{ instrument: 'AAA', qty: 100 }, { instrument: CALL, qty: 5, vol: 0.3 }] }, 'admin-ann')).ok).toBe(true);

      const market = acked(await engine.submitOrder('P1', { clientOrderId: 'c1', instrument: 'BBB', side: 'buy', qty: 30, orderType: 'market' }, 'trader-tom'));
      // The ack came after the commit: the order and its fill are durable already, in the
      // journal (or already projected into the tables).
      const q = persistence.db.pool;
      const durable = async (section: 'orders' | 'fills', key: string, id: string) => (await q.query(
        `SELECT x->>'status' AS status, (x->>'qty')::float8 AS qty FROM journal, json_array_elements(entries->'${section}') x WHERE x->>'${key}' = $1
         UNION ALL SELECT ${section === 'orders' ? 'status' : 'NULL'}, qty FROM ${section} WHERE ${key} = $1`, [id])).rows;
      expect(await durable('orders', 'order_id', market.order.orderId)).toEqual([{ status: 'filled', qty: 30 }]);
      expect(await durable('fills', 'order_id', market.order.orderId)).toEqual([{ status: null, qty: 30 }]);
      await persistence.journal.project();
      expect((await q.query('SELECT status, filled_qty FROM orders WHERE order_id = $1', [market.order.orderId])).rows).toEqual([{ status: 'filled', filled_qty: 30 }]);
      expect((await q.query('SELECT qty, price FROM fills WHERE order_id = $1', [market.order.orderId])).rows).toEqual([{ qty: 30, price: 50 }]);
      expect((await q.query('SELECT count(*)::int AS n FROM journal')).rows).toEqual([{ n: 0 }]); // projected batches are forgotten

      const resting = acked(await engine.submitOrder('P1', { clientOrderId: 'c2', instrument: 'AAA', side: 'sell', qty: 40, orderType: 'limit', limitPrice: 108 }, 'trader-tom'));
      const cancelled = acked(await engine.submitOrder('P1', { clientOrderId: 'c3', instrument: 'AAA', side: 'buy', qty: 10, orderType: 'limit', limitPrice: 92 }, 'trader-tom'));
      acked(await engine.cancelOrder('P1', cancelled.order.orderId, 'trader-tom'));
      acked(await engine.submitOrder('P1', { clientOrderId: 'c4', instrument: CALL, side: 'sell', qty: 2, orderType: 'market' }, 'trader-tom'));
      expect((await engine.setLimits('P1', { maxLeverage: 7 }, 'risk-rita')).ok).toBe(true);
      expect((await engine.setTradingState('P1', 'reducing', 'risk-rita')).ok).toBe(true);
      const before = engine.getPortfolio('P1')!;

      await stop(first);
      const second = await startEngine(t);
      const after = second.engine.getPortfolio('P1')!;
      expect(after.cash).toBe(before.cash); // bit for bit
      expect(after.holdings).toEqual(before.holdings);
      expect(after.openOrders.map((o) => o.orderId)).toEqual([resting.order.orderId]);
      expect(after.openOrders).toEqual(before.openOrders);
      expect(after.limits).toEqual(before.limits);
      expect(after.tradingState).toBe('reducing');
      // The history (GET /trades) survives too.
      expect(second.engine.listOrders('P1').map((o) => [o.orderId, o.status]).sort()).toEqual(engine.listOrders('P1').map((o) => [o.orderId, o.status]).sort());
      expect(second.engine.listFills('P1')).toEqual(engine.listFills('P1'));

      // Sequences continue: the next order gets a new id, not one already used.
      await second.engine.setTradingState('P1', 'active', 'risk-rita');
      second.engine.tick('AAA', 100, START_MS + 10);
      second.engine.tick('BBB', 50, START_MS + 10);
      const next = acked(await second.engine.submitOrder('P1', { clientOrderId: 'c5', instrument: 'AAA', side: 'buy', qty: 1, orderType: 'market' }, 'trader-tom'));
      expect(next.order.orderId).toBe('P1-o5');
      expect(next.fills[0]?.fillId).toBe('P1-f3');

      await second.persistence.journal.project();
      const rec = await reconcile(second.persistence.db.pool);
      expect(rec).toMatchObject({ portfolios: 1, fills: 3, differences: [] });
      const audit = await verifyAuditTrail(second.persistence.db.pool);
      expect(audit.ok).toBe(true);
      const actions = (await second.persistence.db.pool.query<{ action: string; actor: string }>('SELECT action, actor FROM audit_log ORDER BY seq')).rows;
      expect(actions.slice(0, 4)).toEqual([
        { action: 'portfolio.created', actor: 'admin-ann' },
        { action: 'order.accepted', actor: 'trader-tom' },
        { action: 'fill', actor: 'engine' },
        { action: 'position.changed', actor: 'engine' },
      ]);
      expect(actions.map((a) => a.action)).toContain('order.cancelled');
      expect(actions.filter((a) => a.action === 'limits.changed' || a.action === 'trading_state.changed').map((a) => a.actor)).toEqual(['risk-rita', 'risk-rita', 'risk-rita']);
    } finally {
      await Promise.all(open.splice(0).map((o) => o.close()));
      await t.cleanup();
    }
  });
});

describe.each<Backend>(['external', 'embedded'])('orders sent again, on %s PostgreSQL', (backend) => {
  it('executes two copies sent together once, answering the copy only after the original is durable', { timeout: 30_000 }, async () => {
    const t = newTarget(backend);
    try {
      const { engine, persistence } = await startEngine(t);
      engine.tick('AAA', 100, START_MS);
      expect((await engine.createPortfolio({ portfolioId: 'P1', cash: 1_000_000 }, 'admin')).ok).toBe(true);
      const req = { clientOrderId: 'twin', instrument: 'AAA', side: 'buy', qty: 3, orderType: 'market' } as const;
      const answered: string[] = [];
      const original = engine.submitOrder('P1', req, 'trader').then((o) => (answered.push('original'), o));
      const copy = engine.submitOrder('P1', req, 'trader').then((o) => (answered.push('copy'), o));
      const [a0, b] = await Promise.all([original, copy]);
      expect(answered).toEqual(['original', 'copy']); // the copy did not overtake the original's commit
      const a = acked(a0);
      expect(b).toEqual(a);
      expect(a.fills).toHaveLength(1);
      await persistence.journal.project();
      expect((await persistence.db.pool.query('SELECT order_id FROM orders')).rows).toEqual([{ order_id: a.order.orderId }]);
      expect((await persistence.db.pool.query('SELECT fill_id FROM fills')).rows).toEqual([{ fill_id: a.fills[0]!.fillId }]);
    } finally {
      await Promise.all(open.splice(0).map((o) => o.close()));
      await t.cleanup();
    }
  });

  it('answers a copy with the original order and fills after a restart, from the database once the history has dropped it', { timeout: 60_000 }, async () => {
    const t = newTarget(backend);
    try {
      const first = await startEngine(t);
      const e1 = first.engine;
      e1.tick('AAA', 100, START_MS);
      expect((await e1.createPortfolio({ portfolioId: 'P1', cash: 1_000_000 }, 'admin')).ok).toBe(true);
      const market = { clientOrderId: 'm1', instrument: 'AAA', side: 'buy', qty: 3, orderType: 'market' } as const;
      const resting = { clientOrderId: 'r1', instrument: 'AAA', side: 'buy', qty: 2, orderType: 'limit', limitPrice: 95 } as const;
      const m = acked(await e1.submitOrder('P1', market, 'trader'));
      const r = acked(await e1.submitOrder('P1', resting, 'trader'));
      for (let i = 0; i < 3; i++) acked(await e1.submitOrder('P1', { ...market, clientOrderId: `more${i}`, qty: 1 }, 'trader'));
      const book = e1.getPortfolio('P1')!;
      await stop(first);

      // A history of one order: the market order's answer has to come from the database.
      const second = await startEngine(t, undefined, { historyLimit: 1 });
      const e2 = second.engine;
      e2.tick('AAA', 100, START_MS + 10);
      expect(e2.getOrder(m.order.orderId)).toBeUndefined();
      expect(await e2.submitOrder('P1', market, 'trader')).toEqual(m);
      expect(await e2.submitOrder('P1', resting, 'trader')).toEqual(r);
      expect(await e2.submitOrder('P1', { ...market, qty: 4 }, 'trader')).toMatchObject({ kind: 'reject', code: 'DUPLICATE_CLIENT_ORDER_ID', orderId: m.order.orderId });
      expect(await e2.submitOrder('P1', { ...resting, limitPrice: 96 }, 'trader')).toMatchObject({ kind: 'reject', code: 'DUPLICATE_CLIENT_ORDER_ID', orderId: r.order.orderId });
      expect(e2.getPortfolio('P1')!.holdings).toEqual(book.holdings);
      expect(e2.getPortfolio('P1')!.cash).toBe(book.cash);
      await second.persistence.journal.project();
      expect((await second.persistence.db.pool.query('SELECT count(*)::int AS n FROM orders')).rows).toEqual([{ n: 5 }]);
    } finally {
      await Promise.all(open.splice(0).map((o) => o.close()));
      await t.cleanup();
    }
  });
});

describe.each<Backend>(['external', 'embedded'])('journal on %s PostgreSQL', (backend) => {
  it('commits through whichever pooled connection it gets, without a failed attempt', { timeout: 30_000 }, async () => {
    // PGlite's socket server runs every connection in one session: a statement prepared by
    // name on one connection "already exists" for the next, which cost a failed attempt (and
    // an ack delay) per commit under load before the journal stopped naming it there.
    const t = newTarget(backend);
    try {
      const { engine, persistence } = await startEngine(t);
      engine.tick('AAA', 100, START_MS);
      await engine.createPortfolio({ portfolioId: 'P1', cash: 1_000_000 }, 'admin');
      for (let i = 0; i < 4; i++) {
        // Hold the connections the previous commits used, so that the next commit gets another.
        const held = await Promise.all(Array.from({ length: (i % 2) + 1 }, () => persistence.db.pool.connect()));
        acked(await engine.submitOrder('P1', { clientOrderId: `h${i}`, instrument: 'AAA', side: 'buy', qty: 1, orderType: 'market' }, 'trader'));
        for (const c of held) c.release();
      }
      expect(persistence.journal.stats()).toMatchObject({ failures: 0 });
    } finally {
      await Promise.all(open.splice(0).map((o) => o.close()));
      await t.cleanup();
    }
  });
});

describe('durable engine when PostgreSQL goes away', () => {
  it('holds the ack while the database is away, commits once it is back, and writes nothing twice', { timeout: 60_000 }, async () => {
    const t = newTarget('external');
    const relay = serverRelay();
    await relay.start();
    try {
      const { engine, persistence } = await startEngine(t, urlThrough(relay));
      engine.tick('AAA', 100, START_MS);
      await engine.createPortfolio({ portfolioId: 'P1', cash: 100_000 }, 'admin');

      await relay.cut();
      let answered: OrderOutcome | undefined;
      const pending = engine.submitOrder('P1', { clientOrderId: 'x1', instrument: 'AAA', side: 'buy', qty: 10, orderType: 'market' }, 'trader').then((o) => (answered = o));
      await waitFor('two failed commits', () => persistence.journal.stats().failures >= 2, 10_000);
      expect(answered).toBeUndefined(); // not durable, not acknowledged
      await relay.restore();
      await pending;
      expect(answered?.kind).toBe('ack');
      const s = persistence.journal.stats();
      expect(s.backlog).toBe(0);
      await persistence.journal.project();
      expect((await persistence.db.pool.query('SELECT count(*)::int AS n FROM fills')).rows[0]).toEqual({ n: 1 });
      expect((await persistence.db.pool.query("SELECT count(*)::int AS n FROM audit_log WHERE action = 'fill'")).rows[0]).toEqual({ n: 1 });
      expect((await verifyAuditTrail(persistence.db.pool)).ok).toBe(true);
    } finally {
      await relay.restore().catch(() => {});
      await Promise.all(open.splice(0).map((o) => o.close()));
      await relay.cut();
      await t.cleanup();
    }
  });
});

describe('journal projection of values JSON cannot carry', () => {
  it('stores NaN and Infinity as the engine had them instead of blocking the projection', { timeout: 30_000 }, async () => {
    const t = newTarget('external');
    try {
      const { engine, persistence } = await startEngine(t);
      await engine.createPortfolio({ portfolioId: 'N1', cash: 1000, positions: [{ instrument: 'AAA', qty: 10, avgPrice: 100 }] }, 'admin');
      const before = engine.getPortfolio('N1')!;
      const holding = { ...before.holdings[0]!, realisedPnl: Number.NaN, avgPrice: Number.POSITIVE_INFINITY };
      await persistence.journal.record({
        kind: 'changed', by: 'test',
        events: [{ type: 'PositionChanged', portfolioId: 'N1', holding, cash: 1000 }],
        before: { portfolioId: 'N1', cash: 1000, holdings: new Map(), openOrders: new Map(), limits: before.limits, tradingState: 'active', rateLimits: { submits: [], modifies: [] } as never, nextOrderSeq: 1, nextFillSeq: 1 },
        after: { portfolioId: 'N1', cash: Number.NEGATIVE_INFINITY, holdings: new Map(), openOrders: new Map(), limits: before.limits, tradingState: 'active', rateLimits: { submits: [], modifies: [] } as never, nextOrderSeq: 1, nextFillSeq: 1 },
      });
      await persistence.journal.project();
      const q = persistence.db.pool;
      expect((await q.query("SELECT realised_pnl, avg_price FROM positions WHERE portfolio_id = 'N1'")).rows).toEqual([{ realised_pnl: Number.NaN, avg_price: Number.POSITIVE_INFINITY }]);
      expect((await q.query("SELECT cash FROM portfolios WHERE portfolio_id = 'N1'")).rows).toEqual([{ cash: Number.NEGATIVE_INFINITY }]);
      // Later batches still project.
      engine.tick('AAA', 100, START_MS);
      acked(await engine.submitOrder('N1', { clientOrderId: 'n', instrument: 'AAA', side: 'sell', qty: 1, orderType: 'market' }, 'trader'));
      await persistence.journal.project();
      expect((await q.query("SELECT count(*)::int AS n FROM fills WHERE portfolio_id = 'N1'")).rows).toEqual([{ n: 1 }]);
    } finally {
      await Promise.all(open.splice(0).map((o) => o.close()));
      await t.cleanup();
    }
  });
});

describe('journal projection commit', () => {
  it('does not wait for its WAL flush, and a projection that is lost is redone from the journal', { timeout: 30_000 }, async () => {
    const t = newTarget('external');
    try {
      const { engine, persistence } = await startEngine(t);
      persistence.journal.stopProjection(); // this test projects by hand
      await engine.createPortfolio({ portfolioId: 'L1', cash: 100_000, positions: [{ instrument: 'AAA', qty: 10, avgPrice: 100 }] }, 'admin');
      engine.tick('AAA', 100, START_MS);
      acked(await engine.submitOrder('L1', { clientOrderId: 'l', instrument: 'AAA', side: 'buy', qty: 5, orderType: 'market' }, 'trader'));
      const c = await persistence.db.pool.connect();
      const count = async (sql: string): Promise<number> => (await c.query<{ n: number }>(sql)).rows[0]!.n;
      try {
        await c.query('BEGIN');
        await c.query('SELECT journal_apply()');
        expect((await c.query('SHOW synchronous_commit')).rows).toEqual([{ synchronous_commit: 'off' }]);
        expect(await count("SELECT count(*)::int AS n FROM fills WHERE portfolio_id = 'L1'")).toBe(1);
        // What a crash before the asynchronous commit's flush amounts to: the transaction is gone whole.
        await c.query('ROLLBACK');
        expect((await c.query('SHOW synchronous_commit')).rows).toEqual([{ synchronous_commit: 'on' }]); // that transaction only
        expect(await count("SELECT count(*)::int AS n FROM fills WHERE portfolio_id = 'L1'")).toBe(0);
        expect(await count('SELECT count(*)::int AS n FROM journal')).toBeGreaterThan(0);
      } finally {
        c.release();
      }
      await persistence.journal.project();
      const q = persistence.db.pool;
      expect((await q.query("SELECT qty FROM fills WHERE portfolio_id = 'L1'")).rows).toEqual([{ qty: 5 }]);
      expect((await q.query("SELECT qty FROM positions WHERE portfolio_id = 'L1' AND instrument = 'AAA'")).rows).toEqual([{ qty: 15 }]);
      expect((await q.query('SELECT count(*)::int AS n FROM journal')).rows).toEqual([{ n: 0 }]);
    } finally {
      await Promise.all(open.splice(0).map((o) => o.close()));
      await t.cleanup();
    }
  });
});
