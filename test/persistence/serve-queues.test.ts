/**
 * The queues end to end in the built `risk-engine serve`, on this machine's PostgreSQL (a schema
 * of its own) and Redis (a queue prefix of its own): a fill reaches the AML worker and raises an
 * alert, risk and market snapshots are written behind, /health names the backends, and a job
 * with a malformed payload lands in the dead letters that the admin routes list and replay.
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, type Msg } from '../gateway/harness.js';
import { deleteRedisKeys, randomName, REDIS_URL } from './queue-harness.js';
import { newTarget, type DbTarget } from './pg-fixture.js';
import { health as getHealth, killServes, rest as restAt, type ServeProcess, serveToken, startServe, testKeysDir } from './serve-process.js';

const KEYS = testKeysDir();

let t: DbTarget;
let prefix: string;
let engine: ServeProcess;
let port: number;
let sql: pg.Client;
let admin: string;

const rest = (auth: string, method: string, url: string, body?: unknown) => restAt(port, auth, method, url, body);

async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 15_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  t = newTarget('external');
  prefix = randomName('serveq');
  engine = await startServe({
    SIGNING_KEYS_DIR: KEYS, DATA_DIR: t.dataDir, DATABASE_URL: t.url, DATABASE_SCHEMA: t.schema,
    REDIS_URL, QUEUE_PREFIX: prefix, RISK_SNAPSHOT_MS: '200', MARKET_SNAPSHOT_MS: '200', AML_LARGE_NOTIONAL: '1000',
  });
  port = engine.port;
  sql = new pg.Client({ connectionString: t.url, options: `-c search_path=${t.schema}` });
  await sql.connect();
  admin = await serveToken(KEYS, 'ops', ['admin'], ['*']);
}, 60_000);

afterAll(async () => {
  killServes(); // a failed test left it running
  await sql?.end();
  await deleteRedisKeys(prefix);
  await t?.cleanup();
});

describe('serve with Redis queues and server PostgreSQL', () => {
  it('says which backends it runs on', async () => {
    const h = await getHealth(port, KEYS);
    expect(h).toMatchObject({ status: 'ok', uws: 'native', database: 'external', queues: 'redis', queueWorkers: { state: 'running', restarts: 0 } });
  });

  it('screens a large fill (AML alert) and writes risk and market snapshots behind', { timeout: 30_000 }, async () => {
    expect((await rest(admin, 'POST', '/portfolios', { portfolioId: 'Q1', cash: 10_000_000, positions: [{ instrument: 'AAA', qty: 100 }] })).status).toBe(201);
    const feed = await Client.login(`ws://127.0.0.1:${port}/ws`, await serveToken(KEYS, 'feed', ['feed'], []));
    const trader = await Client.login(`ws://127.0.0.1:${port}/ws`, await serveToken(KEYS, 'tom', ['trader'], ['Q1']));
    try {
      feed.send({ type: 'tick', symbol: 'AAA', price: 100, ts: Date.now() });
      const ack = await trader.request({ type: 'order', portfolioId: 'Q1', clientOrderId: 'big', instrument: 'AAA', side: 'buy', qty: 50, orderType: 'market' });
      expect(ack.type).toBe('ack');
      const fill = await trader.next((m) => m.type === 'fill');
      const alert = await eventually(async () => (await sql.query('SELECT fill_id, rule, severity, notional FROM aml_alerts')).rows[0], 'AML alert');
      expect(alert).toEqual({ fill_id: fill.fillId, rule: 'LARGE_NOTIONAL', severity: 'medium', notional: 5000 });
      const market = await eventually(async () => (await sql.query("SELECT price FROM market_snapshots WHERE symbol = 'AAA'")).rows[0], 'market snapshot');
      expect(market).toEqual({ price: 100 });
      // A snapshot of the book before the fill (delta 100) may be written first; the one after it
      // (100 held + 50 bought) must follow within a few snapshot periods.
      const snap = await eventually(async () => {
        const latest = (await sql.query<{ figures: Msg }>("SELECT figures FROM risk_snapshots WHERE portfolio_id = 'Q1' ORDER BY computed_ms DESC LIMIT 1")).rows[0];
        return latest?.figures.greeks.delta === 150 ? latest : undefined;
      }, 'risk snapshot after the fill');
      expect(snap.figures.greeks.delta).toBe(150);
      expect(Object.keys(snap.figures.greeks)).toEqual(['delta', 'gamma', 'vega', 'theta', 'rho']); // stored as streamed (docs/PROTOCOL.md)
    } finally {
      await Promise.all([feed.close(), trader.close()]);
    }
  });

  it('lists a malformed job among the dead letters and replays it once corrected', { timeout: 30_000 }, async () => {
    const q = new Queue(`${prefix}.persist`, { connection: new Redis(REDIS_URL, { maxRetriesPerRequest: null }) });
    try {
      const job = await q.add('risk_snapshots', { kind: 'risk_snapshots', rows: [{ portfolio_id: 'Q1', seq: 'seven', tick_ts: 1, computed_ms: 1, figures: {} }] });
      const id = `persist:${String(job.id)}`;
      const listed = await eventually(async () => {
        const r = await rest(admin, 'GET', '/admin/dead-letters');
        return (r.json.deadLetters as Msg[]).find((d) => d.id === id);
      }, 'dead letter');
      expect(listed.reason).toMatch(/^QUEUE_PAYLOAD_INVALID: .*rows\[0\]\.seq/);

      const trader = await serveToken(KEYS, 'tom', ['trader'], ['Q1']);
      expect((await rest(trader, 'GET', '/admin/dead-letters')).status).toBe(403);
      expect((await rest(admin, 'POST', `/admin/dead-letters/${encodeURIComponent(id)}/replay`, { data: { kind: 'risk_snapshots', rows: [] } })).status).toBe(400);
      expect((await rest(admin, 'POST', '/admin/dead-letters/persist%3Anope/replay', {})).status).toBe(404);

      const fixed = { kind: 'risk_snapshots', rows: [{ portfolio_id: 'Q1', seq: 7, tick_ts: 1, computed_ms: 1, figures: { note: 'replayed' } }] };
      expect((await rest(admin, 'POST', `/admin/dead-letters/${encodeURIComponent(id)}/replay`, { data: fixed })).status).toBe(202);
      const row = await eventually(async () => (await sql.query("SELECT seq::int, figures FROM risk_snapshots WHERE portfolio_id = 'Q1' AND computed_ms = 1")).rows[0], 'replayed row');
      expect(row).toEqual({ seq: 7, figures: { note: 'replayed' } });
      // In the audit trail with the admin who replayed it (the refused attempts replayed nothing, and are not).
      const audited = await eventually(async () => (await sql.query('SELECT actor, action, entity_type, after FROM audit_log WHERE entity_id = $1', [id])).rows[0], 'replay audit record');
      expect(audited).toEqual({ actor: 'ops', action: 'dead_letter.replayed', entity_type: 'dead_letter', after: { corrected: true, dataSha256: expect.stringMatching(/^[0-9a-f]{64}$/) } });
      expect((await sql.query('SELECT count(*)::int AS n FROM audit_log WHERE entity_id = $1', [id])).rows[0].n).toBe(1);
    } finally {
      await q.close();
    }
  });

  it('stops gracefully on SIGTERM', async () => {
    engine.proc.kill('SIGTERM');
    expect(await engine.exited).toBe(0);
  });
});
