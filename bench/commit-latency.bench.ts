/**
 * What one durable commit costs on this machine, with 0, 1 and 2 other threads keeping the vCPUs
 * busy: the floor under the durable order-to-ack figure (the acknowledgement rule,
 * docs/ARCHITECTURE.md), measured without the engine.
 *
 * Each condition runs COMMITS single-row INSERTs one after another on one connection (autocommit,
 * so each waits for its WAL flush, synchronous_commit as the server has it) into a table of a
 * schema of its own, dropped afterwards. The spinning threads run a busy loop at normal priority,
 * which is what the real-time bench's risk workers, event loop and load generator amount to.
 *
 * Why: a durable order-to-ack can be no faster than one commit, and on a VM a commit can cost
 * several times more when every vCPU is busy (figures: docs/BENCHMARKS.md).
 *
 * Env: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test), COMMITS (default 500).
 * Run: `npm run build && node dist/bench/commit-latency.bench.js`. The last line is one JSON object.
 */
import { randomBytes } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import pg from 'pg';

const PG_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const COMMITS = Number(process.env.COMMITS ?? 500);
if (!(Number.isInteger(COMMITS) && COMMITS >= 10)) throw new RangeError(`COMMITS must be an integer >= 10, got ${process.env.COMMITS}`);

const quantile = (sorted: readonly number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;

async function commits(client: pg.Client, table: string): Promise<{ p50: number; p99: number; max: number }> {
  const ms: number[] = [];
  for (let i = 0; i < COMMITS; i++) {
    const t0 = performance.now();
    await client.query({ name: 'commit-latency', text: `INSERT INTO ${table} (n) VALUES ($1)`, values: [i] });
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  const r = (x: number): number => Math.round(x * 1000) / 1000;
  return { p50: r(quantile(ms, 0.5)), p99: r(quantile(ms, 0.99)), max: r(ms[ms.length - 1] as number) };
}

const schema = `bench_commit_${randomBytes(4).toString('hex')}`;
const client = new pg.Client({ connectionString: PG_URL });
await client.connect();
const rows: { spinning: number; p50: number; p99: number; max: number }[] = [];
try {
  await client.query(`CREATE SCHEMA ${schema}`);
  await client.query(`CREATE TABLE ${schema}.t (n int NOT NULL)`);
  const sync = (await client.query<{ synchronous_commit: string }>('SHOW synchronous_commit')).rows[0]?.synchronous_commit;
  console.log(`${COMMITS} single-row durable INSERTs per condition (synchronous_commit=${sync})`);
  await commits(client, `${schema}.t`); // warm-up: connection, plan, WAL segment
  for (const spinning of [0, 1, 2]) {
    const spinners = Array.from({ length: spinning }, () => new Worker('for (;;) {}', { eval: true }));
    await new Promise((r) => setTimeout(r, 200)); // let them start
    try {
      const f = await commits(client, `${schema}.t`);
      rows.push({ spinning, ...f });
      console.log(`${spinning} thread(s) spinning: p50 ${f.p50.toFixed(3)} ms, p99 ${f.p99.toFixed(3)} ms, max ${f.max.toFixed(3)} ms`);
    } finally {
      await Promise.all(spinners.map((w) => w.terminate()));
    }
  }
} finally {
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
}
console.log(JSON.stringify({ commits: COMMITS, conditions: rows }));
