/**
 * The queue layer end to end on the real Redis and on BullMQ's PostgreSQL backend (server), with
 * the real processors writing to the server PostgreSQL. Each test opens its own queues under a
 * random prefix; each backend gets its own schema.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LogFn } from '../../src/logger.js';
import { openQueues, type OpenQueuesOptions, type Queues, type ReplayOptions } from '../../src/persistence/queues.js';
import { verifyAuditTrail } from '../../src/persistence/audit-verify.js';
import { canonical, toJsonValue } from '../../src/persistence/audit-chain.js';
import { journalAuditSink, PgJournal } from '../../src/persistence/journal.js';
import { riskCopyText } from '../../src/persistence/copy-text.js';
import { pgSnapshotStore, type SnapshotStore } from '../../src/persistence/snapshot-store.js';
import { persistProcessor } from '../../src/workers/queue-jobs/persist-processor.js';
import { startQueueWorkers, type QueueWorkersOptions } from '../../src/workers/queue-jobs/queue-workers.js';
import { countRows, deleteRedisKeys, fill, forgetPortfolios, storeFills, marketRows, openTestDb, randomName, REDIS_URL, riskRows, seedPortfolio, waitFor, type TestDb } from './queue-harness.js';

const quiet: LogFn = () => {};

/** A store whose writes wait until release(): a job held in hand, for as long as a test wants. */
function gatedStore(real: SnapshotStore): { store: SnapshotStore; entered: () => boolean; release: () => void } {
  let entered = false;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const store: SnapshotStore = {
    ...real,
    async copySnapshots(kind, rows) {
      entered = true;
      await gate;
      return real.copySnapshots(kind, rows);
    },
  };
  return { store, entered: () => entered, release };
}

describe.each(['redis', 'postgres'] as const)('queues on %s', (backend) => {
  let t: TestDb;
  const opened: { queues: Queues; prefix: string }[] = [];

  let journal: PgJournal;
  /** Replays by an operator, audited in the journal's hash chain as the engine does it. */
  const by = (actor: string, extra: { data?: unknown } = {}): ReplayOptions => ({ actor, audit: journalAuditSink(journal), ...extra });

  beforeAll(async () => {
    t = await openTestDb('server');
    journal = await PgJournal.open(t.db.pool);
  });
  afterEach(async () => {
    for (const { queues, prefix } of opened.splice(0)) {
      await queues.close();
      if (backend === 'redis') await deleteRedisKeys(prefix);
    }
  });
  afterAll(async () => {
    journal.stopProjection();
    await t.close();
  });

  /** Queues with fast retries (backoff 5 ms) and, unless told otherwise, the real workers. */
  async function open(opts: Partial<OpenQueuesOptions> = {}, workers: Partial<QueueWorkersOptions> | false = {}): Promise<Queues> {
    const prefix = randomName('qt');
    const queues = await openQueues({ db: t.db, prefix, log: quiet, backoffMs: 5, ...(backend === 'redis' ? { redisUrl: REDIS_URL } : {}), ...opts });
    opened.push({ queues, prefix });
    if (workers !== false) startQueueWorkers({ queues, db: t.db, dataDir: t.dataDir, log: quiet, ...workers });
    return queues;
  }

  it('writes every risk and market snapshot row, in jobs of rowsPerJob rows', async () => {
    const q = await open({ rowsPerJob: 1000 });
    expect(q.backend).toBe(backend);
    const ids = await q.addRiskSnapshots(riskRows('batch', 2500));
    expect(ids).toHaveLength(3);
    await q.addMarketSnapshots(marketRows('BATCH', 300));
    await q.drain(10_000);
    expect(await countRows(t.db, `SELECT count(*) n FROM risk_snapshots WHERE portfolio_id = 'batch'`)).toBe(2500);
    expect(await countRows(t.db, `SELECT count(*) n FROM market_snapshots WHERE symbol = 'BATCH'`)).toBe(300);
    const row = (await t.db.pool.query(`SELECT seq::float8 AS seq, tick_ts, figures FROM risk_snapshots WHERE portfolio_id = 'batch' AND seq = 7`)).rows[0];
    expect(row).toEqual({ seq: 7, tick_ts: riskRows('batch', 7)[6]?.tick_ts, figures: riskRows('batch', 7)[6]?.figures });
    const c = await q.counts();
    expect(c.persist).toMatchObject({ waiting: 0, active: 0, delayed: 0, failed: 0 });
  });

  it('queues each batch as one COPY text of its rows, which the database server takes', async () => {
    const q = await open({ rowsPerJob: 2 }, false);
    const rows = riskRows('form', 3);
    const ids = await q.addRiskSnapshots(rows);
    const jobs = await Promise.all(ids.map((id) => q.persist.getJob(id)));
    expect(jobs.map((j) => j?.data)).toEqual([
      { kind: 'risk_snapshots', rowsCopy: riskCopyText(rows.slice(0, 2)) },
      { kind: 'risk_snapshots', rowsCopy: riskCopyText(rows.slice(2)) },
    ]);
  });

  it('dead-letters a batch whose rows PostgreSQL refuses at the first try, writes none of it, and replays it corrected', async () => {
    const q = await open({ attempts: 5 });
    const rows = riskRows('refused', 3);
    const bad = { kind: 'risk_snapshots', rowsJson: JSON.stringify([rows[0], { ...rows[1], seq: '2' }, rows[2]]) };
    const job = await q.persist.add('risk_snapshots', bad as never);
    const id = `persist:${job.id}`;
    await waitFor('the dead letter', async () => (await q.listDeadLetters()).some((d) => d.id === id));
    const dead = (await q.listDeadLetters()).find((d) => d.id === id);
    expect(dead).toMatchObject({ attemptsMade: 1, data: bad });
    expect(dead?.reason).toMatch(/^QUEUE_PAYLOAD_INVALID: .*persist job .* has a malformed payload: rows\[1\]\.seq: .*number.* \(risk_snapshots rows refused: PostgreSQL 23502 /);
    expect(await countRows(t.db, `SELECT count(*) n FROM risk_snapshots WHERE portfolio_id = 'refused'`)).toBe(0);

    // Corrected data is checked row by row before the replay, in this form too.
    await expect(q.replayDeadLetter(id, by('ops-olga', { data: bad }))).rejects.toMatchObject({ code: 'QUEUE_REPLAY_INVALID', message: expect.stringContaining('rows[1].seq') });
    await q.replayDeadLetter(id, by('ops-olga', { data: { kind: 'risk_snapshots', rowsJson: JSON.stringify(rows) } }));
    await q.drain(10_000);
    expect(await countRows(t.db, `SELECT count(*) n FROM risk_snapshots WHERE portfolio_id = 'refused'`)).toBe(3);
    expect(await q.listDeadLetters()).toEqual([]);
  });

  it('retries a batch that fails for a database reason, not its rows, and writes it once the database is back', async () => {
    const logged: string[] = [];
    const q = await open({ attempts: 10, backoffMs: 50, log: (level, msg, fields) => logged.push(`${level} ${msg} ${String(fields?.error ?? '')}`) });
    await t.db.pool.query(`ALTER TABLE market_snapshots RENAME TO market_snapshots_away`);
    try {
      await q.addMarketSnapshots(marketRows('BACK', 20));
      await waitFor('a failed try', () => logged.some((l) => l.startsWith('warn job failed, will retry')));
    } finally {
      await t.db.pool.query(`ALTER TABLE market_snapshots_away RENAME TO market_snapshots`);
    }
    await q.drain(10_000);
    expect(await countRows(t.db, `SELECT count(*) n FROM market_snapshots WHERE symbol = 'BACK'`)).toBe(20);
    expect(logged.find((l) => l.startsWith('warn job failed'))).toMatch(/market_snapshots.*does not exist/);
    expect((await q.counts()).persist.failed).toBe(0);
  });

  it('a job retried after a failure that followed its write stores each row once', async () => {
    const real = pgSnapshotStore(t.db);
    let calls = 0;
    const written: number[] = [];
    // The first try writes, then "loses the connection" before it can report success.
    const flaky: SnapshotStore = {
      ...real,
      async copySnapshots(kind, rows) {
        calls++;
        const n = await real.copySnapshots(kind, rows);
        written.push(n);
        if (calls === 1) throw new Error('connection reset (injected after the write)');
        return n;
      },
    };
    const q = await open({ attempts: 3 }, { stores: { snapshots: flaky } });
    await q.addRiskSnapshots(riskRows('retried', 1000));
    await q.drain(10_000);
    expect(calls).toBe(2);
    expect(written).toEqual([1000, 0]);
    expect(await countRows(t.db, `SELECT count(*) n FROM risk_snapshots WHERE portfolio_id = 'retried'`)).toBe(1000);
    expect(await q.listDeadLetters()).toEqual([]);
  });

  it('sends a malformed payload straight to the dead letters with its reason, and replays it once corrected', async () => {
    const q = await open({ attempts: 5 });
    const bad = { kind: 'risk_snapshots', rows: [{ portfolio_id: 'malformed', seq: 'one', tick_ts: 1, computed_ms: 2, figures: {} }] };
    const job = await q.persist.add('risk_snapshots', bad as never);
    await waitFor('the dead letter', async () => (await q.listDeadLetters()).length === 1);
    const [dead] = await q.listDeadLetters();
    expect(dead).toMatchObject({ id: `persist:${job.id}`, queue: 'persist', name: 'risk_snapshots', attemptsMade: 1, data: bad });
    expect(dead?.reason).toMatch(/^QUEUE_PAYLOAD_INVALID: .*persist job .* has a malformed payload: rows\[0\]\.seq: .*number/);

    await expect(q.replayDeadLetter(`persist:${job.id}`, by('ops-olga', { data: { kind: 'risk_snapshots', rows: [] } }))).rejects.toMatchObject({ code: 'QUEUE_REPLAY_INVALID' });
    await expect(q.replayDeadLetter('persist:no-such-job', by('ops-olga'))).rejects.toMatchObject({ code: 'QUEUE_DEAD_LETTER_NOT_FOUND' });
    await expect(q.replayDeadLetter('elsewhere:1', by('ops-olga'))).rejects.toMatchObject({ code: 'QUEUE_DEAD_LETTER_ID' });

    const corrected = { ...bad, rows: [{ ...bad.rows[0], seq: 1 }] };
    await q.replayDeadLetter(`persist:${job.id}`, by('ops-olga', { data: corrected }));
    await q.drain(10_000);
    expect(await countRows(t.db, `SELECT count(*) n FROM risk_snapshots WHERE portfolio_id = 'malformed'`)).toBe(1);
    expect(await q.listDeadLetters()).toEqual([]);

    // The replay is in the audit trail with who did it, the failure it answered and the corrected data's
    // hash; the refused attempts (bad data, unknown ids) are not, as nothing was replayed.
    await journal.project();
    const audited = (await t.db.pool.query(`SELECT actor, action, entity_type, before, after FROM audit_log WHERE entity_id = $1 AND before->>'queueName' = $2`, [`persist:${job.id}`, q.names.persist])).rows;
    const hash = (x: unknown): string => createHash('sha256').update(canonical(toJsonValue(x))).digest('hex');
    expect(audited).toEqual([{
      actor: 'ops-olga', action: 'dead_letter.replayed', entity_type: 'dead_letter',
      before: { queue: 'persist', queueName: q.names.persist, jobId: job.id, reason: dead?.reason, attemptsMade: 1, dataSha256: hash(bad) },
      after: { corrected: true, dataSha256: hash(corrected) },
    }]);
    expect(await verifyAuditTrail(t.db.pool)).toMatchObject({ ok: true });
  });

  it('turns a job that fails on every try into a dead letter, and replays it once the fault is gone', async () => {
    const real = pgSnapshotStore(t.db);
    let down = true;
    let tries = 0;
    const outage: SnapshotStore = {
      ...real,
      async copySnapshots(kind, rows) {
        tries++;
        if (down) throw new Error('database unavailable (injected)');
        return real.copySnapshots(kind, rows);
      },
    };
    const logged: string[] = [];
    const log: LogFn = (level, msg) => logged.push(`${level} ${msg}`);
    const q = await open({ attempts: 3, log }, { stores: { snapshots: outage } });
    const [id] = await q.addMarketSnapshots(marketRows('OUTAGE', 50));
    await waitFor('the dead letter', async () => (await q.counts()).persist.failed === 1);
    const [dead] = await q.listDeadLetters(10);
    expect(dead).toMatchObject({ id: `persist:${id}`, attemptsMade: 3, reason: 'database unavailable (injected)' });
    expect(tries).toBe(3);
    await waitFor('the dead-letter log line', () => logged.includes('error job moved to dead letters'));
    expect(logged.filter((l) => l === 'warn job failed, will retry')).toHaveLength(2);

    down = false;
    await q.replayDeadLetter(`persist:${id}`, by('ops-oscar'));
    await q.drain(10_000);
    expect(await countRows(t.db, `SELECT count(*) n FROM market_snapshots WHERE symbol = 'OUTAGE'`)).toBe(50);
    expect((await q.counts()).persist.failed).toBe(0);
  });

  it('raises one AML alert for a large fill, none for a small one, and none twice for a fill delivered twice', async () => {
    const q = await open({}, { amlLargeNotional: 1_000_000 });
    const large = fill('aml', 1, 10, 2000, 100); // 2,000,000
    const small = fill('aml', 2, 5, 100); // 500
    await storeFills(t.db, [large, small]);
    await q.addFills([large, small, large]);
    await q.drain(10_000, ['aml']);
    const alerts = (await t.db.pool.query(`SELECT fill_id, portfolio_id, rule, severity, notional, state, details FROM aml_alerts WHERE portfolio_id = 'aml'`)).rows;
    expect(alerts).toEqual([
      {
        fill_id: 'aml-f1',
        portfolio_id: 'aml',
        rule: 'LARGE_NOTIONAL',
        severity: 'medium',
        notional: 2_000_000,
        state: 'open',
        details: expect.objectContaining({ qty: 10, price: 2000, multiplier: 100, evidence: expect.objectContaining({ figures: expect.objectContaining({ thresholdNotional: 1_000_000 }) }) }),
      },
    ]);
    expect((await q.counts()).aml).toMatchObject({ failed: 0, waiting: 0, active: 0 });
    await forgetPortfolios(t.db, ['aml']);
  });

  it('raises no AML alert and screens nothing while monitoring is off (AML_MONITORING_ENABLED=false), completing the jobs', async () => {
    const q = await open({}, { amlLargeNotional: 1_000_000, amlMonitoring: false });
    const large = fill('amloff', 1, 10, 2000, 100); // 2,000,000: would alert with monitoring on
    await storeFills(t.db, [large]);
    await q.addFills([large]);
    await q.drain(10_000, ['aml']);
    expect(await countRows(t.db, `SELECT count(*) n FROM aml_alerts WHERE portfolio_id = 'amloff'`)).toBe(0);
    expect(await countRows(t.db, `SELECT count(*) n FROM aml_screened WHERE fill_id = 'amloff-f1'`)).toBe(0);
    expect((await q.counts()).aml).toMatchObject({ failed: 0, waiting: 0, active: 0 });
    await forgetPortfolios(t.db, ['amloff']);
  });

  it('queues fills in jobs of 500 and screens every one, and still screens a single-fill job queued before batches', async () => {
    const q = await open({}, { amlLargeNotional: 1_000_000 });
    const fills = Array.from({ length: 1_200 }, (_, i) => fill('amlb', i + 1, 1, 10));
    await storeFills(t.db, [...fills, fill('amlb', 5_000, 10, 2000, 100)]);
    expect(await q.addFills(fills)).toHaveLength(3);
    await q.aml.add('fill', fill('amlb', 5_000, 10, 2000, 100)); // the old form: one fill, 2,000,000 of notional
    await q.drain(10_000, ['aml']);
    expect(await countRows(t.db, `SELECT count(*) n FROM aml_screened WHERE fill_id LIKE 'amlb-f%'`)).toBe(1_201);
    // 1,200 fills within a second: the 61st is one beyond VELOCITY's 60 an hour; the large one is also far above the portfolio's habit.
    expect((await t.db.pool.query(`SELECT rule, fill_id FROM aml_alerts WHERE portfolio_id = 'amlb' ORDER BY rule`)).rows).toEqual([
      { rule: 'LARGE_NOTIONAL', fill_id: 'amlb-f5000' }, { rule: 'UNUSUAL_SIZE', fill_id: 'amlb-f5000' }, { rule: 'VELOCITY', fill_id: 'amlb-f61' },
    ]);
    expect((await q.counts()).aml).toMatchObject({ failed: 0, waiting: 0, active: 0 });
    await forgetPortfolios(t.db, ['amlb']);
  });

  it('screens a replayed AML job on the fills the journal stored, not on the amounts its edited payload claims', async () => {
    const q = await open({}, { amlLargeNotional: 1_000_000 });
    const big = fill('amlr', 1, 10, 2000, 100); // 2,000,000: alerts
    const modest = fill('amlr', 2, 10, 20); // 200
    await storeFills(t.db, [big, modest]);
    // A job that fails validation (an unknown key shape) becomes a dead letter; an operator replays it
    // "corrected", shrinking the large fill below the threshold and inflating the modest one above it.
    const job = await q.aml.add('fill', { fills: [{ ...big, qty: 'ten' }, modest] } as never);
    const id = `aml:${job.id}`;
    await waitFor('the dead letter', async () => (await q.listDeadLetters()).some((d) => d.id === id));
    await q.replayDeadLetter(id, by('ops-olga', { data: { fills: [{ ...big, qty: 1, multiplier: 1 }, { ...modest, qty: 1e9 }] } }));
    await q.drain(10_000, ['aml']);
    const alerts = (await t.db.pool.query(`SELECT fill_id, notional, details FROM aml_alerts WHERE portfolio_id = 'amlr'`)).rows;
    expect(alerts).toEqual([{ fill_id: 'amlr-f1', notional: 2_000_000, details: expect.objectContaining({ qty: 10, price: 2000, multiplier: 100 }) }]);
    expect(await countRows(t.db, `SELECT count(*) n FROM aml_screened WHERE fill_id IN ('amlr-f1', 'amlr-f2')`)).toBe(2);

    // A replay naming a fill the journal never stored screens the real ones and is refused to the dead letters.
    const forged = await q.aml.add('fill', { fills: [] } as never);
    await waitFor('the second dead letter', async () => (await q.listDeadLetters()).some((d) => d.id === `aml:${forged.id}`));
    await q.replayDeadLetter(`aml:${forged.id}`, by('ops-olga', { data: { fills: [{ ...big, fillId: 'amlr-f999', qty: 1e6 }] } }));
    await waitFor('the refusal', async () => (await q.listDeadLetters()).find((d) => d.id === `aml:${forged.id}`)?.reason.startsWith('AML_FILL_UNKNOWN') === true);
    expect((await q.listDeadLetters()).find((d) => d.id === `aml:${forged.id}`)?.reason).toMatch(/^AML_FILL_UNKNOWN: .* names 1 fill\(s\) the journal does not have: amlr-f999$/);
    expect(await countRows(t.db, `SELECT count(*) n FROM aml_alerts WHERE fill_id = 'amlr-f999'`)).toBe(0);
    await forgetPortfolios(t.db, ['amlr']);
  });

  it('writes the daily positions-and-risk report atomically, with each portfolio’s newest risk snapshot', async () => {
    const q = await open();
    await seedPortfolio(t.db, 'rep-a', [
      { instrument: 'AAA', qty: 100, avgPrice: 10, multiplier: 1 },
      { instrument: 'AAA 260320C00050000', qty: -2, avgPrice: 1.5, multiplier: 100 },
      { instrument: 'CLOSED', qty: 0, avgPrice: 5, multiplier: 1 },
    ]);
    await seedPortfolio(t.db, 'rep-b', [{ instrument: 'BBB', qty: 7, avgPrice: 20, multiplier: 1 }]);
    await q.addRiskSnapshots([...riskRows('rep-a', 3)]);
    await q.drain(10_000);

    await q.requestReport({ kind: 'daily_positions_risk', asOf: '2026-01-15' });
    await q.drain(10_000, ['report']);
    const dir = join(t.dataDir, 'reports');
    const path = join(dir, 'positions-risk-2026-01-15.json');
    const report = JSON.parse(readFileSync(path, 'utf8'));
    expect(report).toMatchObject({ kind: 'daily_positions_risk', asOf: '2026-01-15', portfolioCount: 2, positionCount: 3 });
    expect(report.portfolios).toEqual([
      {
        portfolioId: 'rep-a',
        risk: { seq: 3, tickTs: riskRows('rep-a', 3)[2]?.tick_ts, computedMs: riskRows('rep-a', 3)[2]?.computed_ms, figures: riskRows('rep-a', 3)[2]?.figures },
        positions: [
          { instrument: 'AAA', qty: 100, avgPrice: 10, multiplier: 1, realisedPnl: 0 },
          { instrument: 'AAA 260320C00050000', qty: -2, avgPrice: 1.5, multiplier: 100, realisedPnl: 0 },
        ],
      },
      { portfolioId: 'rep-b', risk: null, positions: [{ instrument: 'BBB', qty: 7, avgPrice: 20, multiplier: 1, realisedPnl: 0 }] },
    ]);

    // A rerun replaces the file and its run row; no temporary file is left behind.
    await q.requestReport({ kind: 'daily_positions_risk', asOf: '2026-01-15' });
    await q.drain(10_000, ['report']);
    expect(readdirSync(dir)).toEqual(['positions-risk-2026-01-15.json']);
    const runs = (await t.db.pool.query(`SELECT kind, as_of::text, path, row_count FROM report_runs`)).rows;
    expect(runs).toEqual([{ kind: 'daily_positions_risk', as_of: '2026-01-15', path, row_count: 3 }]);
    await t.db.pool.query(`DELETE FROM positions; DELETE FROM portfolios`);
  });

  it('hands a job held by a worker that died to the next worker once its lock lapses, and writes it once', async () => {
    const real = pgSnapshotStore(t.db);
    const { store: hung, entered, release } = gatedStore(real);
    const q = await open({ lockDurationMs: 400, stalledIntervalMs: 200 }, false);
    const dying = q.createWorker('persist', persistProcessor(hung));
    await q.addRiskSnapshots(riskRows('stalled', 20));
    await waitFor('the first worker to take the job', entered);
    await dying.close(true); // as if the process died: the job stays active, its lock no longer renewed
    q.createWorker('persist', persistProcessor(real), { concurrency: 1 });
    await q.drain(10_000);
    expect(await countRows(t.db, `SELECT count(*) n FROM risk_snapshots WHERE portfolio_id = 'stalled'`)).toBe(20);
    release(); // the dead worker's late write changes nothing
    await waitFor('the late write', async () => (await countRows(t.db, `SELECT count(*) n FROM risk_snapshots WHERE portfolio_id = 'stalled'`)) === 20);
  });

  it('close() waits for the job in hand to finish', async () => {
    const { store: slow, entered, release } = gatedStore(pgSnapshotStore(t.db));
    const q = await open({}, { stores: { snapshots: slow } });
    await q.addRiskSnapshots(riskRows('in-hand', 10));
    await waitFor('the job to start', entered);
    let released = false;
    const closed = q.close().then(() => released);
    released = true;
    release();
    expect(await closed).toBe(true);
    expect(await countRows(t.db, `SELECT count(*) n FROM risk_snapshots WHERE portfolio_id = 'in-hand'`)).toBe(10);
    await expect(q.addRiskSnapshots(riskRows('in-hand', 1))).rejects.toMatchObject({ code: 'QUEUE_CLOSED' });
  });

  it('close({ drainTimeoutMs }) flushes the queued backlog before it stops', async () => {
    const q = await open({ rowsPerJob: 100 });
    await q.addRiskSnapshots(riskRows('backlog', 1500));
    await q.close({ drainTimeoutMs: 10_000 });
    expect(await countRows(t.db, `SELECT count(*) n FROM risk_snapshots WHERE portfolio_id = 'backlog'`)).toBe(1500);
  });

  it('drain() reports what is left when no worker empties the queue in time', async () => {
    const q = await open({}, false);
    await q.addMarketSnapshots(marketRows('IDLE', 3));
    expect((await q.counts()).persist.waiting).toBe(1);
    await expect(q.drain(50)).rejects.toMatchObject({ code: 'QUEUE_DRAIN_TIMEOUT', message: expect.stringContaining('persist: 1') });
  });
});

it('refuses a prefix that BullMQ could not use as a queue name', async () => {
  const t = { db: {} as never };
  await expect(openQueues({ ...t, prefix: 'a:b' })).rejects.toMatchObject({ code: 'QUEUE_BAD_OPTION' });
  await expect(openQueues({ ...t, prefix: 'ok', attempts: 0 })).rejects.toMatchObject({ code: 'QUEUE_BAD_OPTION' });
});

it('fails to open with QUEUE_BACKEND_UNAVAILABLE when Redis does not answer', async () => {
  await expect(openQueues({ db: {} as never, prefix: 'nowhere', redisUrl: 'redis://127.0.0.1:1', connectTimeoutMs: 300 })).rejects.toMatchObject({
    code: 'QUEUE_BACKEND_UNAVAILABLE',
  });
});

