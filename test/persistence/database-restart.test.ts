/**
 * A real PostgreSQL server crashes and restarts under a running `risk-engine serve` (a private
 * server, so the one other tests share is untouched; its queues on the same database, BullMQ's
 * PostgreSQL backend). What was acknowledged before the crash survives it; an order sent while the
 * server is down is not acknowledged (the engine's partitions went with its ownership session:
 * PARTITION_MOVING) and, sent again after the restart, is acknowledged once; the engine keeps
 * serving meanwhile; the AML queue catches up; nothing is written twice and the audit chain
 * verifies.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditTrail } from '../../src/persistence/audit-verify.js';
import { reconcile } from '../../src/persistence/reconcile.js';
import { PrivatePostgres } from './private-postgres.js';
import { waitFor } from './queue-harness.js';
import { health as getHealth, killServes, type ServeProcess, startServe, tradingSession, testKeysDir } from './serve-process.js';

const KEYS = testKeysDir();
const SCHEMA = 'risk_engine';

let server: PrivatePostgres;
let dataDir: string;
beforeAll(async () => {
  server = await PrivatePostgres.create();
  dataDir = mkdtempSync(join(tmpdir(), 'risk-engine-restart-'));
}, 60_000);
afterAll(async () => {
  killServes();
  await server?.destroy();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function count(sql: string): Promise<number> {
  const c = new pg.Client({ connectionString: server.url, options: `-c search_path=${SCHEMA}` });
  await c.connect();
  try {
    return (await c.query<{ n: number }>(sql)).rows[0]!.n;
  } finally {
    await c.end();
  }
}


describe('server PostgreSQL crashes and restarts under serve', () => {
  it('acknowledges nothing while it is down, takes its partitions back after the restart, commits each change once, and keeps serving', { timeout: 120_000 }, async () => {
    const engine: ServeProcess = await startServe({
      SIGNING_KEYS_DIR: KEYS, DATA_DIR: dataDir, DATABASE_URL: server.url, DATABASE_SCHEMA: SCHEMA, REDIS_URL: undefined, AML_LARGE_NOTIONAL: '1000',
    });
    const { feed, trader, order, close } = await tradingSession(engine, KEYS, 'R1');
    try {
      feed.send({ type: 'tick', symbol: 'AAA', price: 100, ts: Date.now() });
      expect(await trader.request(order('before'))).toMatchObject({ type: 'ack' });
      await waitFor('the first fill screened', async () => (await count('SELECT count(*)::int AS n FROM aml_alerts')) === 1, 20_000);

      await server.stop('immediate'); // a crash: no shutdown checkpoint, recovery from WAL at start
      // The engine's ownership session went with the server: it gave up every partition at once
      // (docs/SCALE-OUT.md), so an order now is not acknowledged: it waits for an owner, bounded,
      // and is answered PARTITION_MOVING (retryable), with nothing committed.
      const during = await trader.request(order('during'), 20_000);
      expect(during).toMatchObject({ type: 'reject', code: 'PARTITION_MOVING', clientOrderId: 'during' });
      // The engine keeps serving what does not need the database.
      const health = await getHealth(engine.port, KEYS);
      expect(health).toMatchObject({ status: 'ok', database: 'external', queues: 'postgres' });
      expect((await fetch(`http://127.0.0.1:${engine.port}/readyz`)).status).toBe(503);
      feed.send({ type: 'tick', symbol: 'AAA', price: 101, ts: Date.now() });

      await server.start();
      // It takes its partitions again (rebuilt from the database); the client sends the order again.
      await waitFor('the engine ready again', async () => (await fetch(`http://127.0.0.1:${engine.port}/readyz`)).status === 200, 30_000);
      expect(await trader.request(order('during'), 20_000)).toMatchObject({ type: 'ack' });
      expect(await trader.request(order('after'), 20_000)).toMatchObject({ type: 'ack' });
      // The queue workers reconnect: the fills made around the outage are screened too.
      await waitFor('every fill screened', async () => (await count('SELECT count(*)::int AS n FROM aml_alerts')) === 3, 60_000);
    } finally {
      await close();
    }
    engine.proc.kill('SIGTERM');
    expect(await engine.exited).toBe(0);

    expect(await count('SELECT count(*)::int AS n FROM orders')).toBe(3);
    expect(await count('SELECT count(*)::int AS n FROM fills')).toBe(3);
    expect(await count("SELECT count(*)::int AS n FROM audit_log WHERE action = 'fill'")).toBe(3);
    const pool = new pg.Pool({ connectionString: server.url, options: `-c search_path=${SCHEMA}`, max: 2 });
    try {
      expect((await reconcile(pool)).differences).toEqual([]);
      expect(await verifyAuditTrail(pool)).toMatchObject({ ok: true });
      expect((await pool.query<{ qty: number }>("SELECT qty FROM positions WHERE portfolio_id = 'R1' AND instrument = 'AAA'")).rows).toEqual([{ qty: 300 }]);
    } finally {
      await pool.end();
    }
  });
});
