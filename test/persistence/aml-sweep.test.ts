/**
 * The AML sweep on this machine's PostgreSQL and Redis, with the real workers: a fill stored but
 * never queued (its job lost, as with a Redis that restarted empty) is queued again once it is
 * older than the grace period, screened, and alerted once; a fill screened through its own job,
 * and one still within the grace period, are left alone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openQueues, type Queues } from '../../src/persistence/queues.js';
import { startAmlSweep } from '../../src/workers/aml-sweep.js';
import { startQueueWorkers, type QueueWorkers } from '../../src/workers/queue-workers.js';
import { countRows, deleteRedisKeys, fill, openTestDb, randomName, REDIS_URL, seedPortfolio, type TestDb, waitFor } from './queue-harness.js';

const NOW = Date.UTC(2026, 10, 25, 12);
let t: TestDb;
beforeAll(async () => {
  t = await openTestDb('server');
  await seedPortfolio(t.db, 'sw', []);
});
afterAll(async () => {
  await t.close();
});

/** An order and its fill, written directly (the journal's projection in the engine). */
async function storeFill(n: number, qty: number, price: number, tsMs: number): Promise<string> {
  await t.db.pool.query(
    `INSERT INTO orders (order_id, portfolio_id, client_order_id, instrument, side, qty, order_type, status, filled_qty, submitted_by, created_ms, updated_ms)
     VALUES ($1, 'sw', $1, 'AAA', 'buy', $2, 'market', 'filled', $2, 'test', $3, $3)`,
    [`sw-o${n}`, qty, tsMs],
  );
  await t.db.pool.query(
    `INSERT INTO fills (fill_id, order_id, client_order_id, portfolio_id, instrument, side, qty, price, ts_ms) VALUES ($1, $2, $2, 'sw', 'AAA', 'buy', $3, $4, $5)`,
    [`sw-f${n}`, `sw-o${n}`, qty, price, tsMs],
  );
  return `sw-f${n}`;
}

describe('AML sweep', () => {
  it('queues again an old fill that was never screened, and leaves screened and recent fills alone', { timeout: 30_000 }, async () => {
    const prefix = randomName('amlsweep');
    const logged: string[] = [];
    let queues: Queues | undefined;
    let workers: QueueWorkers | undefined;
    try {
      queues = await openQueues({ db: t.db, prefix, redisUrl: REDIS_URL, log: () => {} });
      // The workers' own sweep is pushed out of the way: this test drives one by hand.
      workers = startQueueWorkers({ queues, db: t.db, dataDir: t.dataDir, amlLargeNotional: 1000, amlSweep: { intervalMs: 3_600_000 } });
      const lost = await storeFill(1, 10, 200, NOW - 600_000); // 2,000: alerts; its job never existed
      const screened = await storeFill(2, 10, 300, NOW - 600_000);
      await queues.addFills([{ ...fill('sw', 2, 10, 300), ts: NOW - 600_000 }]); // fill() names it sw-f2 of sw-o2
      await waitFor('the queued fill screened', async () => (await countRows(t.db, `SELECT count(*) n FROM aml_screened WHERE fill_id = $1`, [screened])) === 1);
      const recent = await storeFill(3, 10, 400, NOW - 10_000); // within the grace period: its job may still be on its way

      const sweep = startAmlSweep({ db: t.db, queues, log: (level, msg, f) => logged.push(`${level} ${msg} ${JSON.stringify(f)}`), intervalMs: 3_600_000, graceMs: 300_000, clock: { nowMs: () => NOW } });
      try {
        expect(await sweep.sweep()).toBe(1);
        await queues.drain(10_000, ['aml']);
        expect((await t.db.pool.query(`SELECT fill_id FROM aml_alerts WHERE portfolio_id = 'sw' ORDER BY fill_id`)).rows.map((r) => r.fill_id)).toEqual([lost, screened]);
        expect(await countRows(t.db, `SELECT count(*) n FROM aml_screened WHERE fill_id = ANY($1)`, [[lost, screened, recent]])).toBe(2);
        expect(logged).toEqual([expect.stringMatching(/^warn fills found unscreened .*"fills":1/)]);
        expect(await sweep.sweep()).toBe(0); // screened now: nothing to queue again
        // Later sweeps read only the fills since the last one found screened, less a grace period:
        // a fill written late (the projection trails after a database outage) within that window is
        // still found; an older one is left to the first sweep after the next start.
        const late = await storeFill(4, 10, 500, NOW - 450_000);
        await storeFill(5, 10, 600, NOW - 700_000);
        expect(await sweep.sweep()).toBe(1);
        await queues.drain(10_000, ['aml']);
        expect(await countRows(t.db, `SELECT count(*) n FROM aml_screened WHERE fill_id = $1`, [late])).toBe(1);
      } finally {
        await sweep.stop();
      }
    } finally {
      await workers?.close();
      await queues?.close();
      await deleteRedisKeys(prefix);
    }
  });
});
