/**
 * Every fill is screened, even one whose AML job was lost: the job lives in the queue, and a Redis
 * without persistence forgets what it held when it dies. The sweep looks, every interval, for
 * fills older than a grace period (long enough for a job in the normal path to have run) with no
 * row in aml_screened, and queues them again; the processor is idempotent, so a fill screened
 * twice raises its alerts once. Each sweep reads only the fills since the oldest one the previous
 * sweep could not find screened.
 */
import { standardMultiplierOf } from '../engine/actors/position-update.js';
import type { LogFn } from '../logger.js';
import type { Database } from '../persistence/database.js';
import type { AmlFillJob } from '../persistence/queue-payloads.js';
import type { Queues } from '../persistence/queues.js';

export interface AmlSweepOptions {
  readonly db: Pick<Database, 'pool'>;
  readonly queues: Pick<Queues, 'addFills'>;
  readonly log?: LogFn;
  /** How often to look (default 60 s). */
  readonly intervalMs?: number;
  /** Fills younger than this are left to their own jobs (default 5 min). */
  readonly graceMs?: number;
  /** Fills queued again per sweep at most (default 10,000; the next sweep takes the rest). */
  readonly batch?: number;
  readonly clock?: { nowMs(): number };
}

export interface AmlSweep {
  /** One sweep now; resolves with how many fills were queued again. */
  sweep(): Promise<number>;
  stop(): Promise<void>;
}

interface FillRow {
  fill_id: string;
  order_id: string;
  portfolio_id: string;
  instrument: string;
  side: 'buy' | 'sell';
  qty: number;
  price: number;
  ts_ms: number;
}

// Fills of [from, to) with no screening, oldest first (index fills_by_time, migration 0007).
const UNSCREENED = `
SELECT f.fill_id, f.order_id, f.portfolio_id, f.instrument, f.side, f.qty, f.price, f.ts_ms
  FROM fills f
 WHERE f.ts_ms >= $1 AND f.ts_ms < $2 AND NOT EXISTS (SELECT 1 FROM aml_screened s WHERE s.fill_id = f.fill_id)
 ORDER BY f.ts_ms
 LIMIT $3`;

export function startAmlSweep(o: AmlSweepOptions): AmlSweep {
  const intervalMs = o.intervalMs ?? 60_000, graceMs = o.graceMs ?? 300_000, batch = o.batch ?? 10_000;
  const clock = o.clock ?? { nowMs: () => Date.now() };
  let running: Promise<number> | undefined;
  // Every fill older than this was found screened: later sweeps read only the window after it.
  // In memory, so the first sweep after a start reads the whole history once.
  let screenedBefore = -Infinity;

  async function once(): Promise<number> {
    const until = clock.nowMs() - graceMs;
    const rows = (await o.db.pool.query<FillRow>(UNSCREENED, [screenedBefore, until, batch])).rows;
    // Nothing older than the first unscreened fill is left; what was queued is looked at again next
    // time. One more grace period is read again each time: a fill reaches the table only when the
    // journal's projection writes it, which trails its time after a database outage.
    screenedBefore = (rows.length === 0 ? until : (rows[0] as FillRow).ts_ms) - graceMs;
    if (rows.length === 0) return 0;
    const jobs: AmlFillJob[] = rows.map((r) => {
      const multiplier = standardMultiplierOf(r.instrument);
      return {
        fillId: r.fill_id, orderId: r.order_id, portfolioId: r.portfolio_id, instrument: r.instrument, side: r.side, qty: r.qty, price: r.price, ts: r.ts_ms,
        ...(multiplier !== undefined ? { multiplier } : {}),
      };
    });
    await o.queues.addFills(jobs);
    o.log?.('warn', 'fills found unscreened (their AML jobs were lost, e.g. with a Redis that restarted empty); queued again', { fills: jobs.length, oldestMs: rows[0]?.ts_ms });
    return jobs.length;
  }

  const sweep = (): Promise<number> => (running ??= once().finally(() => { running = undefined; }));
  const timer = setInterval(() => {
    sweep().catch((err: unknown) => o.log?.('warn', 'AML sweep failed; next one in an interval', { error: (err as Error).message }));
  }, intervalMs);
  timer.unref();
  return {
    sweep,
    async stop() {
      clearInterval(timer);
      await running?.catch(() => {});
    },
  };
}
