/**
 * One durable commit on the engine's own database, timed while the real-time load runs: the floor
 * under the durable order-to-ack (an order is acknowledged once its journal entry is committed).
 * The method of bench/commit-latency.bench.ts (a one-row INSERT in autocommit on a connection of its
 * own, so each waits for its WAL flush as the server's synchronous_commit has it), at a modest fixed
 * rate into a table of its own in the bench's schema (dropped with it), so the figure is what a
 * commit costs under the same load as the engine's, not on a quiet machine.
 *
 * A commit due while the previous one is still out is skipped (counted), not queued: each timing
 * is one commit's round trip, never time spent waiting behind another of ours.
 */
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { LatencyRecorder, type LatencySummaryMs } from './latency-recorder.js';

export interface CommitFloor extends LatencySummaryMs {
  readonly ratePerSec: number;
  readonly skipped: number;
  /** Commits that failed (their error on stderr); none are timed. */
  readonly failed: number;
  readonly synchronousCommit: string;
}

export interface CommitFloorClient {
  /** Starts committing at the fixed rate, timing from now on. */
  start(): void;
  /** Stops, waits for the commit in flight, and summarises. */
  stop(): Promise<CommitFloor>;
  close(): Promise<void>;
}

const WARMUP_COMMITS = 20;

export async function openCommitFloor(databaseUrl: string, schema: string, ratePerSec: number): Promise<CommitFloorClient> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const table = `"${schema}".bench_commit_floor`;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | undefined;
  let skipped = 0;
  let failed = 0;
  let n = 0;
  const rec = new LatencyRecorder();
  const commit = async (): Promise<number> => {
    const t0 = performance.now();
    await client.query({ name: 'bench-commit-floor', text: `INSERT INTO ${table} (n) VALUES ($1)`, values: [n++] });
    return performance.now() - t0;
  };
  try {
    await client.query(`CREATE TABLE ${table} (n int NOT NULL)`);
    const synchronousCommit = (await client.query<{ synchronous_commit: string }>('SHOW synchronous_commit')).rows[0]?.synchronous_commit ?? '?';
    for (let i = 0; i < WARMUP_COMMITS; i++) await commit(); // connection, plan, WAL segment
    return {
      start() {
        const periodMs = 1000 / ratePerSec;
        let due = performance.now();
        const tick = (): void => {
          if (inFlight) skipped++;
          else {
            inFlight = commit().then((ms) => rec.recordMs(ms), (e: unknown) => {
              if (failed++ === 0) process.stderr.write(`commit floor: ${String(e)}\n`);
            }).finally(() => { inFlight = undefined; });
          }
          due += periodMs;
          timer = setTimeout(tick, Math.max(0, due - performance.now()));
        };
        tick();
      },
      async stop() {
        clearTimeout(timer);
        await inFlight;
        return { ...rec.summary(), ratePerSec, skipped, failed, synchronousCommit };
      },
      close: () => client.end().catch(() => {}),
    };
  } catch (e) {
    await client.end().catch(() => {});
    throw e;
  }
}
