/**
 * Redis crashes and comes back empty under a running `risk-engine serve` (a private redis-server
 * without persistence, as this machine's is, so the shared one is untouched). Orders are still
 * acknowledged meanwhile, because the acknowledgement rule rests on PostgreSQL alone; the fills
 * made while Redis is away are kept by the engine and queued for AML screening once it is back; the
 * queue workers reconnect; /health keeps answering.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newTarget, type DbTarget } from './pg-fixture.js';
import { PrivateRedis } from './private-redis.js';
import { waitFor } from './queue-harness.js';
import { health as getHealth, killServes, startServe, tradingSession, testKeysDir } from './serve-process.js';

const KEYS = testKeysDir();

let t: DbTarget;
let redis: PrivateRedis;
let sql: pg.Client;
beforeAll(async () => {
  t = newTarget('external');
  redis = await PrivateRedis.create();
});
afterAll(async () => {
  killServes();
  await redis?.kill();
  await sql?.end();
  await t?.cleanup();
});

const alerts = async (): Promise<number> => Number((await sql.query<{ n: string }>('SELECT count(*) n FROM aml_alerts')).rows[0]?.n);

describe('Redis crashes and restarts empty under serve', () => {
  it('keeps acknowledging orders, and screens the fills made while it was away once it is back', { timeout: 90_000 }, async () => {
    const engine = await startServe({
      SIGNING_KEYS_DIR: KEYS, DATA_DIR: t.dataDir, DATABASE_URL: t.url, DATABASE_SCHEMA: t.schema, REDIS_URL: redis.url, QUEUE_PREFIX: 'rr', AML_LARGE_NOTIONAL: '1000',
    });
    sql = new pg.Client({ connectionString: t.url, options: `-c search_path=${t.schema}` });
    await sql.connect();
    const { feed, trader, order, close } = await tradingSession(engine, KEYS, 'Z1');
    try {
      feed.send({ type: 'tick', symbol: 'AAA', price: 100, ts: Date.now() });
      expect(await trader.request(order('before'))).toMatchObject({ type: 'ack' });
      await waitFor('the first fill screened', async () => (await alerts()) === 1, 20_000);

      await redis.kill();
      // Durability rests on PostgreSQL: orders are acknowledged while Redis is away.
      expect(await trader.request(order('during-1'))).toMatchObject({ type: 'ack' });
      expect(await trader.request(order('during-2'))).toMatchObject({ type: 'ack' });
      expect(await getHealth(engine.port, KEYS)).toMatchObject({ status: 'ok' });
      await new Promise((r) => setTimeout(r, 500)); // the feeder tries, fails, and keeps the fills

      await redis.start(); // empty: whatever it held is gone
      expect(await trader.request(order('after'), 20_000)).toMatchObject({ type: 'ack' });
      await waitFor('every fill screened, those made while Redis was away included', async () => (await alerts()) === 4, 60_000);
    } finally {
      await close();
    }
    engine.proc.kill('SIGTERM');
    expect(await engine.exited).toBe(0);
    expect(Number((await sql.query<{ n: string }>('SELECT count(*) n FROM fills')).rows[0]?.n)).toBe(4);
  });
});
