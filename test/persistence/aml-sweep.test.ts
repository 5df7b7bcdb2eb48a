/**
 * The AML sweep on this machine's PostgreSQL and Redis, with the real workers: a fill stored but
 * never queued (its job lost, as with a Redis that restarted empty) is queued again once it was
 * projected more than the grace period ago, screened, and alerted once; a fill screened through
 * its own job, and one still within the grace period, are left alone; a restart resumes from the
 * stored window.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openQueues, type Queues } from '../../src/persistence/queues.js';
import { type AmlSweep, startAmlSweep } from '../../src/workers/queue-jobs/aml-sweep.js';
import { startQueueWorkers, type QueueWorkers } from '../../src/workers/queue-jobs/queue-workers.js';
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

/**
 * An order and its fill, written directly (the journal's projection in the engine), projected
 * `projectedAgoMs` before the database's now.
 */
async function storeFill(n: number, qty: number, price: number, tsMs: number, projectedAgoMs: number): Promise<string> {
  await t.db.pool.query(
    `INSERT INTO orders (order_id, portfolio_id, client_order_id, instrument, side, qty, order_type, status, filled_qty, submitted_by, created_ms, updated_ms)
     VALUES ($1, 'sw', $1, 'AAA', 'buy', $2, 'market', 'filled', $2, 'test', $3, $3)`,
    [`sw-o${n}`, qty, tsMs],
  );
  await t.db.pool.query(
    `INSERT INTO fills (fill_id, order_id, client_order_id, portfolio_id, instrument, side, qty, price, ts_ms, projected_at)
     VALUES ($1, $2, $2, 'sw', 'AAA', 'buy', $3, $4, $5, now() - make_interval(secs => $6::float8 / 1000))`,
    [`sw-f${n}`, `sw-o${n}`, qty, price, tsMs, projectedAgoMs],
  );
  return `sw-f${n}`;
}

const MIN = 60_000;
/** The sweep's grace period here: short, so that a fill projected during the test comes of age in it. */
const GRACE_MS = 3000;
const pastGrace = (): Promise<void> => new Promise((r) => setTimeout(r, GRACE_MS + 100));
const screenedCount = (ids: string[]): Promise<number> => countRows(t.db, `SELECT count(*) n FROM aml_screened WHERE fill_id = ANY($1)`, [ids]);

describe('AML sweep', () => {
  it('queues again a fill never screened once past the grace period, a late-projected one included, and resumes from its stored window after a restart', { timeout: 30_000 }, async () => {
    const prefix = randomName('amlsweep');
    const logged: string[] = [];
    let queues: Queues | undefined;
    let workers: QueueWorkers | undefined;
    const sweeps: AmlSweep[] = [];
    const newSweep = (): AmlSweep => {
      const s = startAmlSweep({ db: t.db, queues: queues as Queues, log: (level, msg, f) => logged.push(`${level} ${msg} ${JSON.stringify(f)}`), intervalMs: 3_600_000, graceMs: GRACE_MS });
      sweeps.push(s);
      return s;
    };
    try {
      queues = await openQueues({ db: t.db, prefix, redisUrl: REDIS_URL, log: () => {} });
      // The workers' own sweep is pushed out of the way: this test drives its sweeps by hand.
      workers = startQueueWorkers({ queues, db: t.db, dataDir: t.dataDir, amlLargeNotional: 1000, amlSweep: { intervalMs: 3_600_000 } });
      const lost = await storeFill(1, 10, 200, NOW - 10 * MIN, 10 * MIN); // 2,000: alerts; its job never existed
      const screened = await storeFill(2, 10, 300, NOW - 10 * MIN, 10 * MIN);
      await queues.addFills([{ ...fill('sw', 2, 10, 300), ts: NOW - 10 * MIN }]); // fill() names it sw-f2 of sw-o2
      await waitFor('the queued fill screened', async () => (await screenedCount([screened])) === 1);
      const recent = await storeFill(3, 10, 400, NOW - 10 * MIN, 0); // just projected: its job may still be on its way

      const first = newSweep();
      expect(await first.sweep()).toBe(1);
      expect(await screenedCount([recent])).toBe(0); // left to its own job, which now runs:
      await t.db.pool.query(`INSERT INTO aml_screened (fill_id, screened_ms) VALUES ($1, 0)`, [recent]);
      await queues.drain(10_000, ['aml']);
      expect((await t.db.pool.query(`SELECT fill_id FROM aml_alerts WHERE portfolio_id = 'sw' ORDER BY fill_id`)).rows.map((r) => r.fill_id)).toEqual([lost, screened]);
      expect(await screenedCount([lost, screened, recent])).toBe(3);
      expect(logged).toEqual([expect.stringMatching(/^warn fills found unscreened .*"fills":1/)]);
      expect(await first.sweep()).toBe(0); // screened now: nothing to queue again

      // A fill two hours old that the projection writes only now (after a database outage) is
      // swept once its grace period is over: it is the projection's time that counts.
      const late = await storeFill(4, 10, 500, NOW - 120 * MIN, 0);
      expect(await first.sweep()).toBe(0);
      await pastGrace();
      expect(await first.sweep()).toBe(1);
      await queues.drain(10_000, ['aml']);
      expect(await screenedCount([late])).toBe(1);

      // After a restart the sweep starts from the window it stored, not from the whole history: an
      // unscreened row projected before that point (which the projection cannot produce; written
      // here by hand to see the window) is not read, one projected after it is.
      await first.stop();
      const behind = await storeFill(5, 10, 600, NOW - 60 * MIN, 60 * MIN);
      const after = await storeFill(6, 10, 700, NOW - 10 * MIN, 0);
      await pastGrace();
      expect(await newSweep().sweep()).toBe(1);
      await queues.drain(10_000, ['aml']);
      expect(await screenedCount([behind, after])).toBe(1);
      expect(await screenedCount([after])).toBe(1);
      // With no stored window (a database no sweep ever ran on) the first sweep reads everything.
      await t.db.pool.query('DELETE FROM aml_sweep');
      expect(await newSweep().sweep()).toBe(1);
      await queues.drain(10_000, ['aml']);
      expect(await screenedCount([behind])).toBe(1);
    } finally {
      await Promise.all(sweeps.map((s) => s.stop()));
      await workers?.close();
      await queues?.close();
      await deleteRedisKeys(prefix);
    }
  });
});
