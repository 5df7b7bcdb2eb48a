/**
 * Scale-out on this machine's PostgreSQL with several `risk-engine serve` processes (issue 19's
 * "Done when", docs/SCALE-OUT.md). Orders and ticks stream through every engine while one engine
 * is killed (SIGKILL), another frozen past its session timeout (SIGSTOP) and resumed, and a fourth
 * joins. Every order any client saw acknowledged is in the database once, positions equal fills,
 * reconcile and the audit chains verify, and clients that resend what was not acknowledged (same
 * clientOrderId, through another engine) end with each order once.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { partitionOf } from '../../src/engine/cluster/partitions.js';
import { verifyAuditTrail } from '../../src/persistence/audit-verify.js';
import { openDatabase } from '../../src/persistence/database.js';
import { reconcile } from '../../src/persistence/reconcile.js';
import { Client, type Msg } from '../gateway/harness.js';
import { type DbTarget, newTarget } from '../persistence/pg-fixture.js';
import { waitFor } from '../persistence/queue-harness.js';
import { killServes, rest, type ServeProcess, serveToken, startServe, testKeysDir } from '../persistence/serve-process.js';

const KEYS = testKeysDir();
const SECRET = 'scale-out-test-secret-0123456789';
const SESSION_TIMEOUT_MS = 1500;
const PORTFOLIOS = Array.from({ length: 24 }, (_, i) => `SO${i}`);
const TICKERS = ['AAA', 'BBB'];

const targets: DbTarget[] = [];
afterAll(async () => {
  killServes();
  for (const t of targets) await t.cleanup();
});

interface ClusterMap { engines: { id: string; endpoint: string }[]; partitions: { partition: number; owner: string | null; epoch: number }[] }

const admin = () => serveToken(KEYS, 'admin-1', ['admin']);

async function clusterOf(e: ServeProcess): Promise<ClusterMap> {
  const r = await rest(e.port, await admin(), 'GET', '/cluster');
  if (r.status !== 200) throw new Error(`GET /cluster: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json as ClusterMap;
}

function owned(map: ClusterMap): Map<string, number> {
  const n = new Map<string, number>();
  for (const p of map.partitions) if (p.owner !== null) n.set(p.owner, (n.get(p.owner) ?? 0) + 1);
  return n;
}

/** A trader and a feed logged in to one engine, sending orders and ticks on a timer (open loop). */
class Stream {
  readonly acked = new Map<string, string>(); // clientOrderId -> orderId
  readonly sent = new Map<string, Msg>();
  readonly answered = new Set<string>();
  readonly moving = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #n = 0;
  private constructor(readonly name: string, readonly trader: Client, readonly feed: Client) {}

  static async open(name: string, e: ServeProcess): Promise<Stream> {
    const trader = await Client.login(`ws://127.0.0.1:${e.port}/ws`, await serveToken(KEYS, `trader-${name}`, ['trader']));
    const feed = await Client.login(`ws://127.0.0.1:${e.port}/ws`, await serveToken(KEYS, `feed-${name}`, ['feed']));
    return new Stream(name, trader, feed);
  }

  start(prices: Map<string, number>): void {
    this.#timer = setInterval(() => {
      const k = this.#n++;
      const s = TICKERS[k % 2] as string;
      // Every other turn a tick, of each symbol in turn (an engine that joins learns prices from them).
      const tickSymbol = TICKERS[(k >> 1) % 2] as string;
      if (k % 2 === 0) this.feed.send({ type: 'tick', symbol: tickSymbol, price: (prices.get(tickSymbol) as number) * (1 + (Math.random() - 0.5) * 0.002), ts: Date.now() });
      const order = {
        type: 'order', portfolioId: PORTFOLIOS[(k * 7) % PORTFOLIOS.length], clientOrderId: `${this.name}-${k}`, instrument: s,
        side: k % 3 === 0 ? 'sell' : 'buy', qty: 1 + (k % 3), orderType: 'market',
      };
      this.sent.set(order.clientOrderId, order);
      this.trader.send(order);
    }, 20);
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  collect(): void {
    for (const m of this.trader.received) {
      const cid = m.clientOrderId as string | undefined;
      if (cid === undefined) continue;
      if (m.type === 'ack') { this.acked.set(cid, m.orderId as string); this.answered.add(cid); }
      else if (m.type === 'reject' || m.type === 'error') { this.answered.add(cid); if (m.code === 'PARTITION_MOVING') this.moving.add(cid); }
    }
  }

  async close(): Promise<void> {
    this.stop();
    await Promise.all([this.trader.close(), this.feed.close()]).catch(() => {});
  }
}

describe('scale-out: portfolios partitioned over engine processes on PostgreSQL', () => {
  it('survives a killed engine, a frozen one and a joining one with every acknowledged order once', { timeout: 180_000 }, async () => {
    const t = newTarget('external');
    targets.push(t);
    const start = (id: string) => startServe({
      SIGNING_KEYS_DIR: KEYS, DATA_DIR: t.dataDir, DATABASE_URL: t.url, DATABASE_SCHEMA: t.schema, REDIS_URL: undefined,
      ENGINE_ID: id, CLUSTER_SECRET: SECRET, CLUSTER_SESSION_TIMEOUT_MS: String(SESSION_TIMEOUT_MS), CLUSTER_POLL_MS: '50',
    });
    const e1 = await start('e1');
    const e2 = await start('e2');
    const e3 = await start('e3');
    await waitFor('three engines sharing the partitions', async () => {
      const m = owned(await clusterOf(e1));
      return m.size === 3 && [...m.values()].every((n) => n >= 80 && n <= 86) && [...m.values()].reduce((a, b) => a + b, 0) === 256;
    }, 20_000);

    // Portfolios created through one engine land at their owners.
    const token = await admin();
    for (const id of PORTFOLIOS) {
      const r = await rest(e1.port, token, 'POST', '/portfolios', { portfolioId: id, cash: 10_000_000, positions: [{ instrument: 'AAA', qty: 1000 }, { instrument: 'BBB', qty: 1000 }] });
      expect(r.status, JSON.stringify(r.json)).toBe(201);
    }
    const map0 = await clusterOf(e1);
    const ownerOf = (id: string, m: ClusterMap) => m.partitions[partitionOf(id, 256)]?.owner;
    expect(new Set(PORTFOLIOS.map((id) => ownerOf(id, map0))).size).toBe(3); // spread over all three

    const prices = new Map(TICKERS.map((s) => [s, 100]));
    const streams = [await Stream.open('s1', e1), await Stream.open('s2', e2), await Stream.open('s3', e3)];
    for (const s of streams) for (const sym of TICKERS) await s.feed.request({ type: 'tick', symbol: sym, price: 100, ts: Date.now() });
    for (const s of streams) s.start(prices);
    const acks = () => streams.reduce((n, s) => (s.collect(), n + s.acked.size), 0);
    await waitFor('orders acknowledged through every engine', () => acks() >= 150 && streams.every((s) => s.acked.size > 20), 30_000);

    // SIGKILL e2: its partitions are owned again within a second.
    const e2Partitions = map0.partitions.filter((p) => p.owner === 'e2').map((p) => p.partition);
    const killedAt = Date.now();
    e2.proc.kill('SIGKILL');
    let takenMs = Infinity;
    await waitFor('e2\'s partitions taken over', async () => {
      const m = await clusterOf(e1);
      const done = e2Partitions.every((p) => { const o = m.partitions[p]; return o !== undefined && o.owner !== null && o.owner !== 'e2' && o.epoch > (map0.partitions[p]?.epoch ?? 0); });
      if (done) takenMs = Date.now() - killedAt;
      return done;
    }, 10_000);
    // Owned again, with new epochs. How fast is the bench's to measure (npm run bench -- --engines 3,
    // docs/BENCHMARKS.md: about half a second); this machine also runs the rest of the suite, so the
    // bound here is loose.
    expect(takenMs).toBeLessThan(10_000);
    const s2 = streams[1] as Stream;
    s2.stop();
    const acksAfterKill = acks();
    await waitFor('more acks after the kill', () => acks() >= acksAfterKill + 60, 20_000);

    // SIGSTOP e3 past its session timeout: its partitions are taken; resumed, it acknowledges nothing for them and rejoins.
    const map1 = await clusterOf(e1);
    const e3Partitions = map1.partitions.filter((p) => p.owner === 'e3').map((p) => p.partition);
    const s3 = streams[2] as Stream;
    s3.stop();
    s3.collect();
    const s3AckedBefore = new Set(s3.acked.keys());
    e3.proc.kill('SIGSTOP');
    // A client of e3 sends orders while it is frozen: the kernel holds them for it.
    const frozenOrders = PORTFOLIOS.filter((id) => e3Partitions.includes(partitionOf(id, 256))).slice(0, 3).map((id, i) => ({
      type: 'order', portfolioId: id, clientOrderId: `frozen-${i}`, instrument: 'AAA', side: 'buy', qty: 1, orderType: 'market',
    }));
    for (const o of frozenOrders) { s3.sent.set(o.clientOrderId, o); s3.trader.send(o); }
    await waitFor('e3\'s partitions taken over while it is frozen', async () => {
      const m = await clusterOf(e1);
      return e3Partitions.every((p) => { const o = m.partitions[p]; return o !== undefined && o.owner !== null && o.owner !== 'e3'; });
    }, SESSION_TIMEOUT_MS + 8000);
    e3.proc.kill('SIGCONT');
    await waitFor('e3 rejoins with a share', async () => (owned(await clusterOf(e1)).get('e3') ?? 0) >= 80, 20_000);
    // What e3 answered after it was resumed: never an ack for an order it alone committed.
    const isFrozenAnswer = (m: Msg): boolean => String(m.clientOrderId).startsWith('frozen-') && (m.type === 'ack' || m.type === 'reject');
    await waitFor('e3 to answer the orders sent while it was frozen', () => s3.trader.received.filter(isFrozenAnswer).length >= frozenOrders.length, 20_000);
    s3.collect();
    // It noticed its session was gone and dropped everything it owned before acknowledging anything.
    expect(e3.output()).toMatch(/ownership session lost; dropped every partition/);
    // The orders it was sent while frozen: refused PARTITION_MOVING or acknowledged by their new owner
    // (checked against the database below), never acknowledged by e3 for a partition it lost.
    const frozenAnswers = s3.trader.received.filter(isFrozenAnswer);
    expect(frozenAnswers.map((m) => m.clientOrderId).sort()).toEqual(frozenOrders.map((o) => o.clientOrderId).sort());
    for (const m of frozenAnswers) if (m.type === 'reject') expect(m.code).toBe('PARTITION_MOVING');

    // A fourth engine joins while orders flow and gets its share.
    const e4 = await start('e4');
    const s4 = await Stream.open('s4', e4);
    streams.push(s4);
    s4.start(prices);
    await waitFor('e4 gets its share', async () => {
      const m = owned(await clusterOf(e1));
      return (m.get('e4') ?? 0) >= 80 && m.size === 3;
    }, 30_000);
    const acksAfterJoin = acks();
    await waitFor('orders flow with e4 in', () => acks() >= acksAfterJoin + 60, 20_000);
    for (const s of streams) s.stop();
    await new Promise((r) => setTimeout(r, 500));
    for (const s of streams) s.collect();

    // Clients resend what was never acknowledged, through a live engine, with the same clientOrderId.
    const resender = await Stream.open('resend', e1);
    const refusals = new Map<string, number>();
    for (const s of streams) {
      for (const [cid, order] of s.sent) {
        if (s.acked.has(cid)) continue;
        const answer = await resender.trader.request(order, 10_000);
        if (answer.type === 'ack') s.acked.set(cid, answer.orderId as string);
        else refusals.set(`${answer.type} ${answer.code}`, (refusals.get(`${answer.type} ${answer.code}`) ?? 0) + 1);
      }
    }
    // With the engines settled, a resent order is answered by its owner: refused on its merits
    // (the actor's checks), never because its partition is moving.
    expect([...refusals.keys()].filter((k) => !k.startsWith('reject ') || k.endsWith('PARTITION_MOVING'))).toEqual([]);
    await resender.close();
    // Every order any client sent ends acknowledged (some only after the resend).
    for (const s of streams) expect(s.acked.size, s.name).toBe(s.sent.size);
    for (const s of streams) await s.close();

    const db = await openDatabase({ url: t.url as string, schema: t.schema, dataDir: t.dataDir, poolSize: 2 });
    try {
      await db.pool.query('SELECT journal_apply()');
      const rows = (await db.pool.query<{ order_id: string; portfolio_id: string; client_order_id: string }>('SELECT order_id, portfolio_id, client_order_id FROM orders')).rows;
      const byCid = new Map<string, string[]>();
      for (const r of rows) byCid.set(r.client_order_id, [...(byCid.get(r.client_order_id) ?? []), r.order_id]);
      // Each order once: no clientOrderId was ever accepted twice.
      expect([...byCid.entries()].filter(([, ids]) => ids.length > 1)).toEqual([]);
      // Every acknowledgement any client saw is in the database under the id it was given.
      for (const s of streams) for (const [cid, orderId] of s.acked) expect(byCid.get(cid), cid).toEqual([orderId]);
      // e3, frozen then resumed, acknowledged nothing the database does not hold.
      for (const cid of s3.acked.keys()) if (!s3AckedBefore.has(cid)) expect(byCid.has(cid), cid).toBe(true);
      expect((await reconcile(db.pool)).differences).toEqual([]);
      expect(await verifyAuditTrail(db.pool)).toMatchObject({ ok: true });
    } finally {
      await db.close();
    }
    for (const e of [e1, e3, e4]) e.proc.kill('SIGTERM');
    for (const e of [e1, e3, e4]) expect(await e.exited).toBe(0);
  });
});
