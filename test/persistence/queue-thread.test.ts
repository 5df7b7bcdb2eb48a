/**
 * The queue worker thread under supervision, on this machine's PostgreSQL and Redis: a thread that
 * dies is replaced, the jobs queued meanwhile are processed by its successor, and the status says
 * what happened. The thread is the real one (the built dist file), killed from outside as an
 * out-of-memory abort or a crash in a native module would end it.
 */
import type { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openQueues, type Queues } from '../../src/persistence/queues.js';
import { type QueueThread, startQueueThread } from '../../src/workers/queue-jobs/queue-worker-thread.js';
import { PrivateRedis } from './private-redis.js';
import { countRows, deleteRedisKeys, fill, openTestDb, randomName, REDIS_URL, storeFills, type TestDb, waitFor } from './queue-harness.js';

let t: TestDb;
beforeAll(async () => {
  t = await openTestDb('server');
});
afterAll(async () => {
  await t.close();
});

describe('queue worker thread', () => {
  it('is replaced when it dies, and its successor takes the jobs queued meanwhile', { timeout: 60_000 }, async () => {
    const prefix = randomName('qthread');
    const threads: Worker[] = [];
    const logged: string[] = [];
    let queues: Queues | undefined;
    let thread: QueueThread | undefined;
    try {
      queues = await openQueues({ db: t.db, prefix, redisUrl: REDIS_URL, log: () => {} });
      thread = await startQueueThread(
        { redisUrl: REDIS_URL, connection: t.db.connection, schema: t.db.schema, dataDir: t.dataDir, prefix, logLevel: 'silent', amlLargeNotional: 1000 },
        (level, msg) => logged.push(`${level}: ${msg}`),
        { restartDelayMs: 300, onThread: (w) => threads.push(w) },
      );
      expect(thread.status()).toEqual({ state: 'running', restarts: 0 });
      await storeFills(t.db, [fill('qt', 1, 10, 200), fill('qt', 2, 10, 300)]);
      await queues.addFills([fill('qt', 1, 10, 200)]); // 2,000 ≥ 1,000: an alert
      await waitFor('the first alert', async () => (await countRows(t.db, `SELECT count(*) n FROM aml_alerts WHERE portfolio_id = 'qt'`)) === 1);

      await threads[0]!.terminate(); // dies without closing its workers
      expect(thread.status()).toMatchObject({ state: 'restarting', restarts: 0, lastFailure: 'thread exited with code 1' });
      await queues.addFills([fill('qt', 2, 10, 300)]); // queued while no worker runs
      expect(logged).toContain('error: queue worker thread died; restarting it (queued jobs wait)');

      await waitFor('a new thread', () => thread!.status().state === 'running', 10_000);
      expect(thread.status()).toMatchObject({ state: 'running', restarts: 1 });
      expect(threads).toHaveLength(2);
      await waitFor('the alert of the fill queued while it was down', async () => (await countRows(t.db, `SELECT count(*) n FROM aml_alerts WHERE portfolio_id = 'qt'`)) === 2, 20_000);
    } finally {
      await thread?.close();
      await queues?.close();
      await deleteRedisKeys(prefix);
    }
    expect(thread.status().state).toBe('stopped');
  });

  it('stops within its bound when its workers cannot close (Redis gone), by terminating the thread', { timeout: 30_000 }, async () => {
    const redis = await PrivateRedis.create();
    const logged: string[] = [];
    try {
      const thread = await startQueueThread(
        { redisUrl: redis.url, connection: t.db.connection, schema: t.db.schema, dataDir: t.dataDir, prefix: randomName('qclose'), logLevel: 'silent' },
        (level, msg) => logged.push(`${level}: ${msg}`),
        { closeMs: 1000 },
      );
      await redis.kill(); // the workers' connections now retry for ever
      const t0 = performance.now();
      await thread.close();
      const tookMs = performance.now() - t0;
      expect(thread.status().state).toBe('stopped');
      // BullMQ's Worker.close() does not settle with Redis gone (taskforcesh/bullmq#4656): the
      // thread waits its bound, then is ended.
      expect(logged).toContain('error: queue worker thread did not stop in time; terminating it (jobs it held are retried once their locks lapse)');
      expect(tookMs).toBeGreaterThanOrEqual(1000);
      expect(tookMs).toBeLessThan(5000);
    } finally {
      await redis.kill();
    }
  });
});
