/**
 * Every fill is screened, even one whose AML job was lost: the job lives in the queue, and a Redis
 * without persistence forgets what it held when it dies. The sweep looks, every interval, for
 * fills that reached the `fills` table more than a grace period ago (long enough for a job in the
 * normal path to have run) with no row in aml_screened, and queues them again; the processor is
 * idempotent, so a fill screened twice raises its alerts once.
 *
 * Each sweep reads only the fills projected since the oldest one the previous sweep could not find
 * screened, and that point is kept in `aml_sweep` (migration 0008), so a restart resumes there
 * instead of reading the whole history (on the embedded database that read runs on the event
 * loop). The window is in the projection's time, not the fill's: a fill the
 * journal projects late, after a database outage, is a recent row and is not missed. Both ends are
 * the database's clock, so a skewed engine clock cannot move the window past unswept fills.
 */
import { standardMultiplierOf } from '../../engine/actors/position-update.js';
import type { LogFn } from '../../logger.js';
import type { Database } from '../../persistence/database.js';
import type { AmlFillJob } from '../../persistence/queue-payloads.js';
import type { Queues } from '../../persistence/queues.js';

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
  projected_ms: number;
}

// The end of this sweep's window: fills projected before it have had the grace period.
const UNTIL = `SELECT extract(epoch FROM now() - make_interval(secs => $1::float8))::float8 * 1000 AS ms`;

// Fills projected in [from, until) with no screening, oldest first (index fills_by_projection).
const UNSCREENED = `
SELECT f.fill_id, f.order_id, f.portfolio_id, f.instrument, f.side, f.qty, f.price, f.ts_ms,
       extract(epoch FROM f.projected_at)::float8 * 1000 AS projected_ms
  FROM fills f
 WHERE f.projected_at >= to_timestamp($1::float8 / 1000) AND f.projected_at < to_timestamp($2::float8 / 1000)
   AND NOT EXISTS (SELECT 1 FROM aml_screened s WHERE s.fill_id = f.fill_id)
 ORDER BY f.projected_at
 LIMIT $3`;

const LOAD = `SELECT extract(epoch FROM swept_before)::float8 * 1000 AS ms FROM aml_sweep`;
const SAVE = `
INSERT INTO aml_sweep (one, swept_before) VALUES (true, to_timestamp($1::float8 / 1000))
ON CONFLICT (one) DO UPDATE SET swept_before = excluded.swept_before`;

export function startAmlSweep(o: AmlSweepOptions): AmlSweep {
  const intervalMs = o.intervalMs ?? 60_000, graceMs = o.graceMs ?? 300_000, batch = o.batch ?? 10_000;
  let running: Promise<number> | undefined;
  // Every fill projected before this was found screened (or queued again): the next window starts
  // here. Read from aml_sweep by the first sweep (−Infinity when no sweep ever ran: the whole history).
  let sweptBefore: number | undefined;

  async function once(): Promise<number> {
    const { pool } = o.db;
    if (sweptBefore === undefined) sweptBefore = (await pool.query<{ ms: number }>(LOAD)).rows[0]?.ms ?? -Infinity;
    const until = (await pool.query<{ ms: number }>(UNTIL, [graceMs / 1000])).rows[0]?.ms as number;
    const rows = (await pool.query<FillRow>(UNSCREENED, [sweptBefore, until, batch])).rows;
    // Nothing projected before the oldest unscreened fill is left unscreened; what was queued is
    // looked at again next time (its job may not have run yet: the processor makes that harmless).
    // (A millisecond earlier than that fill: the float round trip of a microsecond timestamp must not
    // put the fill itself outside the next window.)
    const next = rows.length === 0 ? until : (rows[0] as FillRow).projected_ms - 1;
    if (next !== sweptBefore) {
      await pool.query(SAVE, [next]);
      sweptBefore = next;
    }
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
