/**
 * The queues with no server at all: BullMQ's PostgreSQL backend on the embedded PGlite (through
 * pglite-socket), in the engine's schema, with the processors writing to the same database.
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogFn } from '../../src/logger.js';
import { openQueues, type Queues } from '../../src/persistence/queues.js';
import { pgSnapshotStore } from '../../src/persistence/snapshot-store.js';
import { persistProcessor } from '../../src/workers/queue-jobs/persist-processor.js';
import { startQueueWorkers } from '../../src/workers/queue-jobs/queue-workers.js';
import { journalAuditSink, PgJournal } from '../../src/persistence/journal.js';
import { countRows, fill, marketRows, openTestDb, riskRows, seedPortfolio, storeFills, waitFor, type TestDb } from './queue-harness.js';

const quiet: LogFn = () => {};

describe('queues on the embedded database (PGlite)', () => {
  let t: TestDb;
  let q: Queues;

  beforeAll(async () => {
    t = await openTestDb('embedded');
    q = await openQueues({ db: t.db, prefix: 'embedded', log: quiet, backoffMs: 5 });
    startQueueWorkers({ queues: q, db: t.db, dataDir: t.dataDir, log: quiet });
  });
  afterAll(async () => {
    await q.close();
    await t.close();
  });

  it('keeps BullMQ’s tables in the engine’s schema, beside the engine’s own', async () => {
    expect(q.backend).toBe('postgres');
    const tables = (await t.db.pool.query<{ tablename: string }>(`SELECT tablename FROM pg_tables WHERE schemaname = $1`, [t.db.schema])).rows.map((r) => r.tablename);
    expect(tables).toEqual(expect.arrayContaining(['job', 'migration', 'meta', 'app_migrations', 'risk_snapshots', 'aml_alerts', 'report_runs']));
  });

  it('writes snapshot batches, each row once', async () => {
    await q.addRiskSnapshots(riskRows('emb', 2500));
    await q.addRiskSnapshots(riskRows('emb', 1000)); // the first 1000 again: nothing new
    await q.addMarketSnapshots(marketRows('EMB', 200));
    await q.drain(15_000);
    expect(await countRows(t.db, `SELECT count(*) n FROM risk_snapshots WHERE portfolio_id = 'emb'`)).toBe(2500);
    expect(await countRows(t.db, `SELECT count(*) n FROM market_snapshots WHERE symbol = 'EMB'`)).toBe(200);
  });

  it('wakes an idle worker for a new job at once, not after its drainDelay', async () => {
    // PGlite hands a NOTIFY back to the producer's connection; the queue layer relays it to the
    // LISTEN client. With a 60 s drainDelay, only that relay (or the worker's own check just
    // before it blocks) can start these jobs within the test's time.
    const own = await openQueues({ db: t.db, prefix: 'wake', log: quiet });
    const w = own.createWorker('persist', persistProcessor(pgSnapshotStore(t.db)), { drainDelaySeconds: 60 });
    try {
      for (let i = 0; i < 3; i++) {
        const idle = once(w, 'drained');
        const t0 = performance.now();
        await own.addMarketSnapshots(marketRows(`WAKE${i}`, 1));
        await waitFor(`job ${i}`, async () => (await countRows(t.db, `SELECT count(*) n FROM market_snapshots WHERE symbol = $1`, [`WAKE${i}`])) === 1, 5_000);
        expect(performance.now() - t0).toBeLessThan(5_000);
        await idle;
      }
    } finally {
      await own.close();
    }
  });

  it('dead-letters a malformed payload and replays it corrected', async () => {
    const job = await q.aml.add('fill', { fillId: 'emb-f9', qty: -1 } as never);
    await waitFor('the dead letter', async () => (await q.listDeadLetters()).some((d) => d.id === `aml:${job.id}`));
    const dead = (await q.listDeadLetters()).find((d) => d.id === `aml:${job.id}`);
    expect(dead?.attemptsMade).toBe(1);
    expect(dead?.reason).toMatch(/^QUEUE_PAYLOAD_INVALID: .*orderId: .*; .*qty: /);
    await storeFills(t.db, [fill('emb', 9, 1000, 5000)]);
    const journal = await PgJournal.open(t.db.pool, { namedStatements: false });
    await q.replayDeadLetter(`aml:${job.id}`, { actor: 'ops-olga', audit: journalAuditSink(journal), data: fill('emb', 9, 1000, 5000) });
    await journal.project();
    journal.stopProjection();
    expect((await t.db.pool.query(`SELECT actor, action FROM audit_log WHERE entity_id = $1`, [`aml:${job.id}`])).rows).toEqual([{ actor: 'ops-olga', action: 'dead_letter.replayed' }]);
    await q.drain(10_000, ['aml']);
    expect(await countRows(t.db, `SELECT count(*) n FROM aml_alerts WHERE fill_id = 'emb-f9'`)).toBe(1);
  });

  it('raises AML alerts and writes the report file', async () => {
    await storeFills(t.db, [fill('emb-aml', 1, 1, 10), fill('emb-aml', 2, 100, 20_000)]);
    await q.addFills([fill('emb-aml', 1, 1, 10), fill('emb-aml', 2, 100, 20_000)]);
    await seedPortfolio(t.db, 'emb-rep', [{ instrument: 'AAA', qty: 3, avgPrice: 10, multiplier: 1 }]);
    await q.addRiskSnapshots(riskRows('emb-rep', 2));
    await q.drain(10_000, ['persist', 'aml']);
    await q.requestReport({ kind: 'daily_positions_risk', asOf: '2026-02-02' });
    await q.drain(10_000, ['report']);
    expect((await t.db.pool.query(`SELECT fill_id, severity FROM aml_alerts WHERE portfolio_id = 'emb-aml'`)).rows).toEqual([{ fill_id: 'emb-aml-f2', severity: 'medium' }]);
    const report = JSON.parse(readFileSync(join(t.dataDir, 'reports', 'positions-risk-2026-02-02.json'), 'utf8'));
    expect(report.portfolios).toEqual([
      expect.objectContaining({ portfolioId: 'emb-rep', risk: expect.objectContaining({ seq: 2 }), positions: [expect.objectContaining({ instrument: 'AAA', qty: 3 })] }),
    ]);
  });
});
