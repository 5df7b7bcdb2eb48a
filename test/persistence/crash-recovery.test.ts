/**
 * The acknowledgement rule under SIGKILL: an engine (the built `risk-engine serve`) takes a
 * stream of orders and ticks over real websockets, is killed with SIGKILL in the middle of it,
 * and is started again on the same database. Every order and fill any client saw acknowledged
 * must be in the database, nothing twice, positions must equal openings plus fills, the audit
 * chain must verify, and the restarted engine must serve the book the database holds. On this
 * machine's PostgreSQL and on the embedded PGlite alike.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { verifyAuditTrail } from '../../src/persistence/audit-verify.js';
import { openDatabase } from '../../src/persistence/database.js';
import { reconcile } from '../../src/persistence/reconcile.js';
import { Client, type Msg } from '../gateway/harness.js';
import { type Backend, type DbTarget, newTarget } from './pg-fixture.js';
import { waitFor } from './queue-harness.js';
import { killServes, rest, serveToken, startServe, tradingSession, testKeysDir } from './serve-process.js';

const KEYS = testKeysDir();
const PORTFOLIOS = ['C1', 'C2', 'C3', 'C4'];
const TICKERS = ['AAA', 'BBB'];

const serve = (t: DbTarget) =>
  startServe({ SIGNING_KEYS_DIR: KEYS, DATA_DIR: t.dataDir, DATABASE_SCHEMA: t.schema, DATABASE_URL: t.url, REDIS_URL: undefined });
const token = (sub: string, roles: ('admin' | 'trader' | 'feed')[]) => serveToken(KEYS, sub, roles);

const targets: DbTarget[] = [];
afterAll(async () => {
  killServes(); // an engine a failed assertion left running must not outlive the test
  for (const t of targets) await t.cleanup();
});

describe.each<Backend>(['external', 'embedded'])('SIGKILL mid-stream on %s PostgreSQL', (backend) => {
  it('keeps every acknowledged order and fill, once, and rebuilds positions equal to the fills', { timeout: 90_000 }, async () => {
    const t = newTarget(backend);
    targets.push(t);
    const admin = await token('admin-1', ['admin']);
    const first = await serve(t);
    for (const [i, id] of PORTFOLIOS.entries()) {
      const r = await rest(first.port, admin, 'POST', '/portfolios', { portfolioId: id, cash: 10_000_000, positions: [{ instrument: 'AAA', qty: 100 * (i + 1) }] });
      expect(r.status).toBe(201);
    }
    const feed = await Client.login(`ws://127.0.0.1:${first.port}/ws`, await token('feed-1', ['feed']));
    const trader = await Client.login(`ws://127.0.0.1:${first.port}/ws`, await token('trader-1', ['trader']));
    for (const id of PORTFOLIOS) await trader.request({ type: 'subscribe', channel: 'orders', portfolioId: id });

    const prices = new Map(TICKERS.map((s) => [s, 100]));
    for (const s of TICKERS) feed.send({ type: 'tick', symbol: s, price: 100, ts: Date.now() });
    const ackedOrders = new Set<string>();
    const seenFills = new Set<string>();
    let n = 0;
    // Open loop: orders and ticks go out on a timer whatever the replies; a random walk makes
    // resting limit orders fill on ticks as well as market orders at once.
    const timer = setInterval(() => {
      for (const s of TICKERS) {
        const p = prices.get(s)! * (1 + (Math.random() - 0.5) * 0.01);
        prices.set(s, p);
        feed.send({ type: 'tick', symbol: s, price: p, ts: Date.now() });
      }
      const k = n++;
      const s = TICKERS[k % 2]!;
      const side = k % 3 === 0 ? 'sell' : 'buy';
      const limit = k % 4 === 0;
      trader.send({
        type: 'order', portfolioId: PORTFOLIOS[k % PORTFOLIOS.length], clientOrderId: `k${k}`, instrument: s, side, qty: 1 + (k % 5),
        orderType: limit ? 'limit' : 'market', ...(limit ? { limitPrice: prices.get(s)! * (side === 'buy' ? 0.998 : 1.002) } : {}),
      });
    }, 2);
    const collect = (): void => {
      for (const m of trader.received) {
        if (m.type === 'ack' && typeof m.orderId === 'string') ackedOrders.add(m.orderId);
        if (m.type === 'fill') seenFills.add(m.fillId as string);
      }
    };
    await waitFor('150 acks and 100 fills', () => (collect(), ackedOrders.size >= 150 && seenFills.size >= 100), 30_000);
    first.proc.kill('SIGKILL');
    expect(await first.exited).toBeNull(); // killed, not exited
    clearInterval(timer);
    await new Promise((r) => setTimeout(r, 100));
    collect();
    await Promise.all([feed.close(), trader.close()]).catch(() => {});

    const second = await serve(t);
    const books = new Map<string, Msg>();
    for (const id of PORTFOLIOS) {
      const r = await rest(second.port, admin, 'GET', `/portfolios/${id}`);
      expect(r.status).toBe(200);
      books.set(id, r.json);
    }
    second.proc.kill('SIGTERM');
    expect(await second.exited).toBe(0);

    const db = await openDatabase({ ...(t.url !== undefined ? { url: t.url } : {}), schema: t.schema, dataDir: t.dataDir, poolSize: 2 });
    try {
      const orderIds = new Set((await db.pool.query<{ order_id: string }>('SELECT order_id FROM orders')).rows.map((r) => r.order_id));
      const fills = (await db.pool.query<{ fill_id: string; order_id: string }>('SELECT fill_id, order_id FROM fills')).rows;
      const fillIds = new Set(fills.map((r) => r.fill_id));
      expect([...ackedOrders].filter((id) => !orderIds.has(id))).toEqual([]);
      expect([...seenFills].filter((id) => !fillIds.has(id))).toEqual([]);
      // Nothing twice: an order fills in full exactly once.
      const perOrder = new Map<string, number>();
      for (const f of fills) perOrder.set(f.order_id, (perOrder.get(f.order_id) ?? 0) + 1);
      expect([...perOrder.values()].filter((c) => c > 1)).toEqual([]);
      expect((await reconcile(db.pool)).differences).toEqual([]);
      expect(await verifyAuditTrail(db.pool)).toMatchObject({ ok: true });
      // The restarted engine served the book the database holds.
      const stored = (await db.pool.query<{ portfolio_id: string; instrument: string; qty: number; cash: number }>(
        'SELECT p.portfolio_id, s.instrument, s.qty, p.cash FROM positions s JOIN portfolios p USING (portfolio_id) WHERE s.qty <> 0')).rows;
      for (const id of PORTFOLIOS) {
        const book = books.get(id)!;
        const mine = stored.filter((r) => r.portfolio_id === id);
        expect(Object.fromEntries((book.holdings as Msg[]).map((h) => [h.instrument.symbol, h.qty]))).toEqual(Object.fromEntries(mine.map((r) => [r.instrument, r.qty])));
        if (mine[0]) expect(book.cash).toBe(mine[0].cash);
      }
    } finally {
      await db.close();
    }
  });

  it('answers an order sent again after SIGKILL with the original ack and fill instead of trading again', { timeout: 90_000 }, async () => {
    const t = newTarget(backend);
    targets.push(t);
    const first = await serve(t);
    const s1 = await tradingSession(first, KEYS, 'K1');
    expect(await s1.feed.request({ type: 'tick', symbol: 'AAA', price: 100, ts: Date.now() })).toMatchObject({ type: 'ack' });
    const market = s1.order('k1');
    const resting = { ...market, clientOrderId: 'k2', orderType: 'limit', limitPrice: 90 };
    const ack = await s1.trader.request(market);
    expect(ack).toMatchObject({ type: 'ack', status: 'filled' });
    const fill = await s1.trader.next((m) => m.type === 'fill' && m.clientOrderId === 'k1');
    const restingAck = await s1.trader.request(resting);
    expect(restingAck).toMatchObject({ type: 'ack', status: 'open' });
    first.proc.kill('SIGKILL');
    expect(await first.exited).toBeNull();
    await s1.close();

    const second = await serve(t);
    try {
      // No tick yet: a new order would be refused NO_MARKET, a copy is answered all the same.
      const trader = await Client.login(`ws://127.0.0.1:${second.port}/ws`, await token('trader-1', ['trader']));
      const ack2 = await trader.request(market);
      expect(ack2).toEqual({ ...ack, id: ack2.id });
      expect(await trader.next((m) => m.type === 'fill' && m.clientOrderId === 'k1')).toEqual(fill);
      const restingAck2 = await trader.request(resting);
      expect(restingAck2).toEqual({ ...restingAck, id: restingAck2.id });
      expect(await trader.request({ ...market, qty: 50 })).toMatchObject({ type: 'reject', code: 'DUPLICATE_CLIENT_ORDER_ID', orderId: ack.orderId });
      await trader.close();
      const book = await rest(second.port, await token('admin-1', ['admin']), 'GET', '/portfolios/K1');
      expect((book.json.holdings as Msg[]).map((h) => [h.instrument.symbol, h.qty])).toEqual([['AAA', 100]]);
    } finally {
      second.proc.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    }
    const db = await openDatabase({ ...(t.url !== undefined ? { url: t.url } : {}), schema: t.schema, dataDir: t.dataDir, poolSize: 2 });
    try {
      expect((await db.pool.query("SELECT count(*)::int AS n FROM orders WHERE portfolio_id = 'K1'")).rows).toEqual([{ n: 2 }]);
      expect((await db.pool.query("SELECT fill_id FROM fills WHERE portfolio_id = 'K1'")).rows).toEqual([{ fill_id: fill.fillId }]);
    } finally {
      await db.close();
    }
  });
});
