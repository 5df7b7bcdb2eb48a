/**
 * The real-time bench's ratio goals: each figure against the floor measured in the same run, so a
 * goal reads the same on a fast or a slow sitting of a shared machine (absolute targets do not).
 * Pure: figures in, one row per goal out; a goal whose floor was not measured has met = null.
 *
 * - order-to-ack, memory: p50 ≤ 2 × echo p50, p99 ≤ 3 × echo p99 (the wire and both event loops);
 * - order-to-ack, durable: p50 ≤ 1.5 × (echo p50 + commit p50 under the same load);
 * - tick-to-risk: p50 ≤ 1.5 × and p99 ≤ 4 × the sweep floor, books × kernel µs per book (with
 *   another thread busy) ÷ the engine's risk threads: the time to revalue every book once;
 * - recalculations/s ≥ 0.7 × the isolated pool's throughput on the same books.
 */

export interface GoalFigures {
  readonly persistence: 'memory' | 'embedded' | 'external';
  readonly orderToAck: { readonly p50: number; readonly p99: number };
  readonly tickToRisk: { readonly p50: number; readonly p99: number };
  readonly recalcsPerSec: number;
  readonly echo: { readonly p50: number; readonly p99: number };
  /** One durable commit under the load, ms; null when not measured (memory, embedded, --no-floors). */
  readonly commit: { readonly p50: number; readonly p99: number } | null;
  /** Books the engine holds (the kernel floor timed the same books). */
  readonly books: number;
  /** Kernel µs per book with another thread busy; null when not measured. */
  readonly kernelBusyUsPerBook: number | null;
  /** The engine's risk worker threads. */
  readonly riskThreads: number;
  /** The isolated pool's recalculations per second; null when not measured. */
  readonly poolRecalcsPerSec: number | null;
}

export interface GoalRow {
  readonly name: string;
  readonly measured: number;
  /** The floor the figure is held against (ms, or recalculations/s), NaN when unmeasured. */
  readonly floor: number;
  /** measured ÷ floor. */
  readonly ratio: number;
  /** 'max': ratio ≤ limit; 'min': ratio ≥ limit. */
  readonly kind: 'max' | 'min';
  readonly limit: number;
  /** What the floor is, for the printout. */
  readonly floorIs: string;
  readonly met: boolean | null;
}

/** Books × µs per book ÷ threads, in ms: one sweep of every book by the pool. */
export function sweepFloorMs(books: number, usPerBook: number, threads: number): number {
  return (books * usPerBook) / threads / 1000;
}

function row(name: string, measured: number, floor: number | null, kind: 'max' | 'min', limit: number, floorIs: string): GoalRow {
  const f = floor ?? NaN;
  const ratio = measured / f;
  const measurable = Number.isFinite(ratio) && f > 0;
  return { name, measured, floor: f, ratio: measurable ? ratio : NaN, kind, limit, floorIs, met: measurable ? (kind === 'max' ? ratio <= limit : ratio >= limit) : null };
}

export function ratioGoals(x: GoalFigures): GoalRow[] {
  const rows: GoalRow[] = [];
  if (x.persistence === 'memory') {
    rows.push(row('orderToAck p50', x.orderToAck.p50, x.echo.p50, 'max', 2, 'echo p50'));
    rows.push(row('orderToAck p99', x.orderToAck.p99, x.echo.p99, 'max', 3, 'echo p99'));
  } else {
    rows.push(row('orderToAck p50', x.orderToAck.p50, x.commit ? x.echo.p50 + x.commit.p50 : null, 'max', 1.5, '(echo p50 + commit p50)'));
  }
  const sweep = x.kernelBusyUsPerBook === null ? null : sweepFloorMs(x.books, x.kernelBusyUsPerBook, x.riskThreads);
  rows.push(row('tickToRisk p50', x.tickToRisk.p50, sweep, 'max', 1.5, 'sweep'));
  rows.push(row('tickToRisk p99', x.tickToRisk.p99, sweep, 'max', 4, 'sweep'));
  rows.push(row('recalcs/s', x.recalcsPerSec, x.poolRecalcsPerSec, 'min', 0.7, 'isolated pool'));
  return rows;
}
