/**
 * Write-behind throughput of the persist queue: how many risk-snapshot rows a second the persist
 * worker writes into PostgreSQL, per backend.
 *
 * - server PG, Redis queues: the production path (REDIS_URL and DATABASE_URL set).
 * - server PG, PG queues: BullMQ's PostgreSQL backend in the engine's schema (no Redis).
 * - embedded PGlite: no server at all (the queues and the rows in one PGlite behind pglite-socket).
 * - direct (server PG, and embedded-direct): the same writes (COPY on the server, INSERT from JSON
 *   on PGlite) from one loop with no queue, the ceiling the queue paths approach.
 *
 * Each scenario enqueues ROWS rows in jobs of JOB_ROWS (the rate of that is `enqueue rows/s`), then
 * starts the workers and times until the queue is drained (`write rows/s`, the figure that matters:
 * it is what the worker sustains with a backlog), and checks that every row is there. Rows carry
 * ~0.8 kB of figures, the size of a RiskSnapshot over three underlyings (FIGURES=compact: the
 * headline figures only, ~0.15 kB). Every scenario runs in a fresh schema (or PGlite folder) and
 * removes it afterwards.
 *
 * Env: ROWS (default 100000; the embedded scenarios use EMBEDDED_ROWS, default 20000), JOB_ROWS
 * (1000), CONCURRENCY (persist jobs in flight; default the workers' own, 3, and 1 on PGlite),
 * SCENARIOS (comma list of redis,pg,direct,embedded,embedded-direct; a scenario may repeat),
 * FIGURES (full or compact), DATABASE_URL (default
 * postgres://postgres@127.0.0.1:5432/test), REDIS_URL (default redis://127.0.0.1:6379).
 * Run: `npm run bench:persist` (builds, then `node dist/bench/persist.bench.js`). The box is 2 cores
 * shared with PostgreSQL and Redis themselves; figures are from one sitting. The last line printed
 * is one JSON object.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { deleteQueueKeys } from '../src/persistence/queue-keys.js';
import { openDatabase, quoteSchema, type Database } from '../src/persistence/database.js';
import { migrate } from '../src/persistence/migrate.js';
import { rowsCopyJob, type RiskSnapshotRow } from '../src/persistence/queue-payloads.js';
import { openQueues } from '../src/persistence/queues.js';
import { pgSnapshotStore } from '../src/persistence/snapshot-store.js';
import { startQueueWorkers } from '../src/workers/queue-jobs/queue-workers.js';

const ROWS = Number(process.env.ROWS ?? 100_000);
const EMBEDDED_ROWS = Number(process.env.EMBEDDED_ROWS ?? 20_000);
const JOB_ROWS = Number(process.env.JOB_ROWS ?? 1000);
const CONCURRENCY = process.env.CONCURRENCY === undefined ? undefined : Number(process.env.CONCURRENCY);
const SCENARIOS = (process.env.SCENARIOS ?? 'redis,pg,direct,embedded,embedded-direct').split(',');
const FIGURES = process.env.FIGURES ?? 'full';
const PG_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

type Scenario = 'redis' | 'pg' | 'embedded' | 'direct' | 'embedded-direct';
const LABEL: Record<Scenario, string> = {
  redis: 'server PG, Redis queues',
  pg: 'server PG, PG queues',
  embedded: 'embedded PGlite, PG queues',
  direct: 'server PG, direct COPY (no queue)',
  'embedded-direct': 'embedded PGlite, direct INSERT (no queue)',
};

interface Result {
  readonly scenario: string;
  readonly rows: number;
  readonly jobs: number;
  readonly enqueueRowsPerS: number | null;
  readonly writeRowsPerS: number;
  readonly writeMs: number;
}

/** ~0.8 kB: a whole RiskSnapshot over three underlyings, as the engine streams it. */
function fullFigures(i: number): object {
  const underlying = (spot: number) => ({ spot, delta: 120.5, gamma: 3.25, vega: 812.2, theta: -95.1, rho: 40.7, dollarDelta: spot * 120.5, dollarGamma: spot * spot * 3.25 });
  return {
    greeks: { delta: 361.5, gamma: 9.75, vega: 2436.6, theta: -285.3, rho: 122.1 },
    byUnderlying: { AAA: underlying(101.25), BBB: underlying(55.5), CCC: underlying(230.75) },
    marketValue: 1_234_567.89 + i,
    equity: 2_345_678.9 + i,
    pnl: { realised: 1200.5, unrealised: -340.25 + i, total: 860.25 + i },
    var: { method: 'delta-gamma', confidence: 0.99, value: 45_678.9, esConfidence: 0.975, es: 52_345.6 },
    margin: { method: 'span', requirement: 98_765.4, computedMs: 1_767_000_000_000 },
    leverage: 1.87,
    breaches: [],
  };
}

/** ~0.15 kB: the headline figures only (equity, VaR, ES, delta, margin, leverage). */
function compactFigures(i: number): object {
  return { equity: 2_345_678.9 + i, var: 45_678.9, es: 52_345.6, delta: 361.5, margin: 98_765.4, leverage: 1.87 };
}

function rows(n: number): RiskSnapshotRow[] {
  const figures = FIGURES === 'compact' ? compactFigures : fullFigures;
  return Array.from({ length: n }, (_, i) => ({
    portfolio_id: `bench-${i % 1000}`,
    seq: Math.floor(i / 1000) + 1,
    tick_ts: 1_767_000_000_000 + i,
    computed_ms: 1_767_000_000_003 + i,
    figures: figures(i),
  }));
}

async function openDb(kind: 'server' | 'embedded'): Promise<{ db: Database; cleanup(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'persist-bench-'));
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  const db = await openDatabase({ ...(kind === 'server' ? { url: PG_URL } : {}), schema, dataDir, poolSize: 8 });
  await migrate(db.pool);
  return {
    db,
    async cleanup() {
      if (kind === 'server') await db.pool.query(`DROP SCHEMA ${quoteSchema(schema)} CASCADE`);
      await db.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}


async function countRows(db: Database): Promise<number> {
  return Number((await db.pool.query<{ n: string }>('SELECT count(*) AS n FROM risk_snapshots')).rows[0]?.n ?? 0);
}

async function queued(scenario: 'redis' | 'pg' | 'embedded'): Promise<Result> {
  const n = scenario === 'embedded' ? EMBEDDED_ROWS : ROWS;
  const { db, cleanup } = await openDb(scenario === 'embedded' ? 'embedded' : 'server');
  const prefix = `bench-${randomBytes(4).toString('hex')}`;
  const queues = await openQueues({ db, prefix, rowsPerJob: JOB_ROWS, ...(scenario === 'redis' ? { redisUrl: REDIS_URL } : {}) });
  try {
    const data = rows(n);
    const t0 = performance.now();
    const ids = await queues.addRiskSnapshots(data);
    const enqueueMs = performance.now() - t0;
    const t1 = performance.now();
    startQueueWorkers({ queues, db, dataDir: tmpdir(), ...(CONCURRENCY !== undefined ? { persistConcurrency: CONCURRENCY } : {}) });
    await queues.drain(600_000);
    const writeMs = performance.now() - t1;
    const stored = await countRows(db);
    if (stored !== n) throw new Error(`${scenario}: ${stored} rows stored, expected ${n}`);
    const dead = (await queues.counts()).persist.failed;
    if (dead > 0) throw new Error(`${scenario}: ${dead} dead letters`);
    return { scenario: LABEL[scenario], rows: n, jobs: ids.length, enqueueRowsPerS: Math.round(n / (enqueueMs / 1000)), writeRowsPerS: Math.round(n / (writeMs / 1000)), writeMs: Math.round(writeMs) };
  } finally {
    await queues.close();
    if (scenario === 'redis') await deleteQueueKeys(REDIS_URL, prefix);
    await cleanup();
  }
}

/**
 * The same batches written by one loop, CONCURRENCY at a time, with no queue in between. Each batch
 * is serialised before the clock starts, as the producer does it before the job is queued.
 */
async function direct(kind: 'server' | 'embedded'): Promise<Result> {
  const n = kind === 'embedded' ? EMBEDDED_ROWS : ROWS;
  const { db, cleanup } = await openDb(kind);
  try {
    const store = pgSnapshotStore(db);
    const data = rows(n);
    // In the form the queues give each database: COPY text for the server, JSON for PGlite.
    const batches: string[] = [];
    for (let i = 0; i < data.length; i += JOB_ROWS) {
      const part = data.slice(i, i + JOB_ROWS);
      batches.push(kind === 'server' ? rowsCopyJob('risk_snapshots', part).rowsCopy : JSON.stringify(part));
    }
    const t0 = performance.now();
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < batches.length) {
        const b = batches[next++] as string;
        await (kind === 'server' ? store.copySnapshots('risk_snapshots', b) : store.insertRiskSnapshots(b));
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY ?? (kind === 'embedded' ? 1 : 3) }, lane));
    const writeMs = performance.now() - t0;
    const stored = await countRows(db);
    if (stored !== n) throw new Error(`direct: ${stored} rows stored, expected ${n}`);
    const label = kind === 'embedded' ? LABEL['embedded-direct'] : LABEL.direct;
    return { scenario: label, rows: n, jobs: batches.length, enqueueRowsPerS: null, writeRowsPerS: Math.round(n / (writeMs / 1000)), writeMs: Math.round(writeMs) };
  } finally {
    await cleanup();
  }
}

function table(results: readonly Result[]): string {
  const head = ['scenario', 'rows', 'jobs', 'enqueue rows/s', 'write rows/s', 'write ms'];
  const body = results.map((r) => [r.scenario, String(r.rows), String(r.jobs), r.enqueueRowsPerS === null ? '-' : String(r.enqueueRowsPerS), String(r.writeRowsPerS), String(r.writeMs)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] as string).length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

async function main(): Promise<void> {
  if (FIGURES !== 'full' && FIGURES !== 'compact') throw new Error(`FIGURES=${FIGURES}: expected full or compact`);
  const results: Result[] = [];
  for (const s of SCENARIOS as Scenario[]) {
    if (!(s in LABEL)) throw new Error(`unknown scenario ${s}; expected one of ${Object.keys(LABEL).join(', ')}`);
    results.push(s === 'direct' ? await direct('server') : s === 'embedded-direct' ? await direct('embedded') : await queued(s));
    console.error(`done: ${LABEL[s]}`);
  }
  console.log(`persist write-behind, jobs of ${JOB_ROWS} rows, ${FIGURES} figures, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(table(results));
  console.log(JSON.stringify({ jobRows: JOB_ROWS, figures: FIGURES, results }));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
