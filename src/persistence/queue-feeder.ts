/**
 * Feeds the queues from the engine's event stream: every fill to `aml` (after it is durable: the
 * engine emits fills only then), sampled risk and market snapshots to `persist`, and the daily
 * report request to `report`. Snapshots are samples (the next supersedes one that could not be
 * queued); fills are not: a batch that could not be queued is kept and retried, in order.
 */
import { standardMultiplierOf } from '../engine/actors/position-update.js';
import type { EngineApi } from '../engine/runtime/engine-api.js';
import { streamedRisk } from '../engine/actors/streamed-risk.js';
import type { RiskSnapshot } from '../engine/actors/types.js';
import { isoDateOf } from '../engine/runtime/clock.js';
import type { LogFn } from '../logger.js';
import type { AmlFillJob, MarketSnapshotRow, RiskSnapshotRow } from './queue-payloads.js';
import type { Queues } from './queues.js';
import { stripUndefined } from '../strip-undefined.js';

export interface QueueFeederOptions {
  readonly engine: EngineApi;
  readonly queues: Pick<Queues, 'addFills' | 'addRiskSnapshots' | 'addMarketSnapshots' | 'requestReport'>;
  readonly log: LogFn;
  readonly clock: { nowMs(): number };
  /** Every portfolio's newest risk, when it changed, at most this often (ms). */
  readonly riskSnapshotMs?: number;
  /** Last prices that changed, this often (ms). */
  readonly marketSnapshotMs?: number;
  /** Minute of the UTC day from which the day's positions-and-risk report is requested. */
  readonly reportMinuteUtc?: number;
  /** Fills go to the aml queue (default true); false while AML_MONITORING_ENABLED=false, when no rule would read them. */
  readonly amlFills?: boolean;
}

/** The feeder's defaults; src/config.ts maps RISK_SNAPSHOT_MS, MARKET_SNAPSHOT_MS and REPORT_TIME_UTC onto them. */
export const QUEUE_FEEDER_DEFAULTS = Object.freeze({ riskSnapshotMs: 5000, marketSnapshotMs: 1000, reportMinuteUtc: 21 * 60 + 30 });

export interface QueueFeeder {
  /** Queues what is pending (fills first) and stops. */
  stop(): Promise<void>;
  stats(): { fillsPending: number; fillsQueued: number; riskRows: number; marketRows: number; enqueueFailures: number };
}

/** Fills held while the queue backend is away, beyond which the oldest AML screenings are dropped (logged). */
const MAX_PENDING_FILLS = 1_000_000;
const FILL_FLUSH_MS = 50;
const RISK_SLICE_MS = 100;

export function startQueueFeeder(opts: QueueFeederOptions): QueueFeeder {
  const { engine, queues, log } = opts;
  const o = { ...QUEUE_FEEDER_DEFAULTS, ...stripUndefined(opts), clock: opts.clock };
  const amlFills = opts.amlFills ?? true;
  let fills: AmlFillJob[] = [];
  const prices = new Map<string, { price: number; ts: number; dirty: boolean }>();
  const lastRiskSeq = new Map<string, number>();
  let fillsQueued = 0, riskRows = 0, marketRows = 0, enqueueFailures = 0;
  let lastReportDay = '';
  let stopped = false;

  const off = engine.onEvent((e) => {
    if (e.type === 'tick') {
      const p = prices.get(e.symbol);
      if (p) { p.price = e.price; p.ts = e.ts; p.dirty = true; } else prices.set(e.symbol, { price: e.price, ts: e.ts, dirty: true });
    } else if (e.type === 'fill' && amlFills) {
      const f = e.fill;
      // The contract's standard multiplier (100 for a listed option): a book entered with another
      // is rare, and reading the portfolio here would build its risk snapshot for every fill.
      const multiplier = standardMultiplierOf(f.instrument);
      fills.push({
        fillId: f.fillId, orderId: f.orderId, portfolioId: f.portfolioId, instrument: f.instrument, side: f.side, qty: f.qty, price: f.price, ts: f.ts,
        ...(multiplier !== undefined ? { multiplier } : {}),
      });
      if (fills.length > MAX_PENDING_FILLS) {
        const dropped = fills.length - MAX_PENDING_FILLS;
        fills = fills.slice(dropped);
        log('error', 'AML queue unreachable for long: oldest fills dropped from screening (they stay in the fills table)', { dropped });
      }
    }
  });

  let flushing: Promise<void> | undefined;
  async function flushFills(): Promise<void> {
    if (fills.length === 0) return;
    const batch = fills;
    fills = [];
    try {
      await queues.addFills(batch);
      fillsQueued += batch.length;
    } catch (err) {
      enqueueFailures++;
      fills = batch.concat(fills); // kept, in order, for the next try
      log('warn', 'could not queue fills for AML screening; will retry', { fills: batch.length, error: (err as Error).message });
    }
  }
  const fillTimer = setInterval(() => { flushing ??= flushFills().finally(() => { flushing = undefined; }); }, FILL_FLUSH_MS);

  /** Queues a sample's rows; returns how many were queued (0 when it failed: the next sample supersedes it). */
  async function queueSample<R>(what: string, rows: readonly R[], add: (rows: readonly R[]) => Promise<unknown>): Promise<number> {
    if (rows.length === 0) return 0;
    try {
      await add(rows);
      return rows.length;
    } catch (err) {
      enqueueFailures++;
      log('warn', `could not queue ${what} (the next sample supersedes them)`, { rows: rows.length, error: (err as Error).message });
      return 0;
    }
  }

  async function snapshotMarket(): Promise<void> {
    const rows: MarketSnapshotRow[] = [];
    for (const [symbol, p] of prices) {
      if (!p.dirty) continue;
      p.dirty = false;
      rows.push({ symbol, ts_ms: p.ts, price: p.price });
    }
    marketRows += await queueSample('market snapshots', rows, (r) => queues.addMarketSnapshots(r));
  }

  // Risk is sampled in slices: every RISK_SLICE_MS a share of the portfolios, so that each is
  // sampled once per riskSnapshotMs and the event loop never stops for the whole book at once
  // (1,000 snapshots and their job are ~10 ms of work, a stall every order would feel).
  let riskCursor = 0;
  async function snapshotRisk(all = false): Promise<void> {
    const ids = engine.listPortfolioIds();
    const share = all ? ids.length : Math.ceil((ids.length * RISK_SLICE_MS) / o.riskSnapshotMs);
    const rows: RiskSnapshotRow[] = [];
    for (let k = 0; k < share && k < ids.length; k++) {
      const id = ids[(riskCursor + k) % ids.length]!;
      const r = engine.getRisk(id);
      if (!r || lastRiskSeq.get(id) === r.seq) continue;
      lastRiskSeq.set(id, r.seq);
      rows.push({ portfolio_id: id, seq: r.seq, tick_ts: r.tickTs, computed_ms: r.computedMs, figures: figuresOf(r) });
    }
    riskCursor = ids.length === 0 ? 0 : (riskCursor + share) % ids.length;
    riskRows += await queueSample('risk snapshots', rows, (r) => queues.addRiskSnapshots(r));
  }

  async function maybeRequestReport(): Promise<void> {
    const now = o.clock.nowMs();
    const day = isoDateOf(now);
    const minute = Math.floor((now % 86_400_000) / 60_000);
    if (day === lastReportDay || minute < o.reportMinuteUtc) return;
    lastReportDay = day;
    try {
      await queues.requestReport({ kind: 'daily_positions_risk', asOf: day });
      log('info', 'daily positions-and-risk report requested', { asOf: day });
    } catch (err) {
      lastReportDay = '';
      enqueueFailures++;
      log('warn', 'could not request the daily report; will retry', { error: (err as Error).message });
    }
  }

  const marketTimer = setInterval(() => void snapshotMarket(), o.marketSnapshotMs);
  const riskTimer = setInterval(() => void snapshotRisk(), Math.min(RISK_SLICE_MS, o.riskSnapshotMs));
  const reportTimer = setInterval(() => void maybeRequestReport(), 60_000);
  for (const t of [fillTimer, marketTimer, riskTimer, reportTimer]) t.unref();

  return {
    async stop() {
      if (stopped) return;
      stopped = true;
      off();
      for (const t of [fillTimer, marketTimer, riskTimer, reportTimer]) clearInterval(t);
      await flushing;
      await flushFills();
      await Promise.all([snapshotMarket(), snapshotRisk(true)]);
    },
    stats: () => ({ fillsPending: fills.length, fillsQueued, riskRows, marketRows, enqueueFailures }),
  };
}

/** What a risk snapshot row keeps: the streamed figures without the keys the row has as columns. */
function figuresOf(r: RiskSnapshot): object {
  const { portfolioId: _p, seq: _s, tickTs: _t, computedMs: _c, ...figures } = streamedRisk(r);
  return figures;
}
