/**
 * The built `risk-engine serve` on this machine's PostgreSQL with Redis queues (the AML worker in its
 * own thread, with its own connections): a large fill raises an alert there, and a compliance officer
 * subscribed to the `alerts` channel of the engine's gateway gets it, then reads it over REST.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../gateway/harness.js';
import { deleteRedisKeys, randomName, REDIS_URL } from './queue-harness.js';
import { newTarget, type DbTarget } from './pg-fixture.js';
import { killServes, rest, type ServeProcess, serveToken, startServe, testKeysDir, tradingSession } from './serve-process.js';

const KEYS = testKeysDir();
let t: DbTarget;
let prefix: string;
let engine: ServeProcess;

beforeAll(async () => {
  t = newTarget('external');
  prefix = randomName('alerts');
  engine = await startServe({
    SIGNING_KEYS_DIR: KEYS, DATA_DIR: t.dataDir, DATABASE_URL: t.url, DATABASE_SCHEMA: t.schema, REDIS_URL, QUEUE_PREFIX: prefix, AML_LARGE_NOTIONAL: '1000',
  });
}, 60_000);

afterAll(async () => {
  killServes();
  await deleteRedisKeys(prefix);
  await t?.cleanup();
});

describe('serve: AML alerts reach the compliance officers', () => {
  it('pushes the alert a fill raised in the queue thread to a subscribed officer, who then reads it over REST', { timeout: 30_000 }, async () => {
    const officerToken = await serveToken(KEYS, 'olga', ['compliance_officer']);
    const officer = await Client.login(`ws://127.0.0.1:${engine.port}/ws`, officerToken);
    const session = await tradingSession(engine, KEYS, 'A1');
    try {
      expect(await officer.request({ type: 'subscribe', channel: 'alerts' })).toMatchObject({ type: 'subscribed', channel: 'alerts' });
      session.feed.send({ type: 'tick', symbol: 'AAA', price: 100, ts: Date.now() });
      expect((await session.trader.request(session.order('big'))).type).toBe('ack');
      const fill = await session.trader.next((m) => m.type === 'fill');
      const alert = await officer.next((m) => m.type === 'alert', 15_000);
      expect(alert).toMatchObject({ rule: 'LARGE_NOTIONAL', fillId: fill.fillId, portfolioId: 'A1', state: 'open' });
      const listed = await rest(engine.port, officerToken, 'GET', '/compliance/alerts?rule=LARGE_NOTIONAL');
      expect(listed.json.alerts).toMatchObject([{ alertId: alert.alertId, fillId: fill.fillId }]);
      const trader = await serveToken(KEYS, 'trader-1', ['trader']);
      expect((await rest(engine.port, trader, 'GET', '/compliance/alerts')).status).toBe(403);
    } finally {
      await session.close();
      await officer.close();
    }
  });
});
