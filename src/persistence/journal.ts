/**
 * The journal: makes each change of the actors durable in PostgreSQL before the engine lets a
 * client see it (the acknowledgement rule, docs/ARCHITECTURE.md). Group commit: while one commit
 * is in flight, new entries gather; the next commit takes all of them, so that concurrent orders
 * share a commit instead of paying one each, and an idle engine commits an order at once. A
 * commit is one INSERT of the batch as one json row of `journal` (the cheapest durable write:
 * no index but the key, no parsing into rows); projecting it into the tables (journal_apply,
 * migrations/0002-journal.ts) follows a few milliseconds later, many batches at a time, off the
 * acknowledgement path.
 *
 * A failed commit (database gone, connection lost) is retried with backoff, in order, until it
 * succeeds; nothing after it is committed first, and the acks it holds wait. Every row is an
 * upsert of absolute values or an insert keyed by the engine's ids, so a retry of a commit that
 * did land writes nothing twice. This is the audit trail's one writer, so it also keeps the
 * hash chain (audit-chain.ts).
 */
import * as hdr from 'hdr-histogram-js';
import type pg from 'pg';
import type { Holding, Order, PortfolioState } from '../engine/actors/types.js';
import type { EventJournal, JournalEntry } from '../engine/runtime/journal-port.js';
import type { AuditSink } from '../gateway/identity/ports.js';
import type { LogFn } from '../logger.js';
import { AuditChain, GENESIS_HASH, type AuditRecord, type JsonValue, toJsonValue } from './audit-chain.js';

export interface JournalStats {
  readonly commits: number;
  readonly entries: number;
  readonly failures: number;
  /** Entries recorded and not yet durable. */
  readonly backlog: number;
  /** Entries per commit, on average. */
  readonly entriesPerCommit: number;
  /** Round trip of a successful commit (the journal INSERT), ms, since start. */
  readonly commitMs: { readonly p50: number; readonly p99: number; readonly max: number };
  readonly lastError?: string;
  /** Newest batch projected into the tables, and failed projections (retried). */
  readonly projectedSeq: number;
  readonly projectionFailures: number;
}

interface Batch {
  created: Record<string, unknown>[];
  states: Map<string, Record<string, unknown>>;
  limits: Map<string, Record<string, unknown>>;
  orders: Map<string, Record<string, unknown>>;
  fills: Record<string, unknown>[];
  positions: Map<string, Record<string, unknown>>;
  /** Why each portfolio's trading state was set (migration 0016): only for batches that change one. */
  reasons: Map<string, Record<string, unknown>>;
  audit: Record<string, unknown>[];
}

interface Item {
  readonly entry: JournalEntry;
  readonly audit: readonly AuditRecord[];
  readonly resolve: () => void;
}

export interface JournalOptions {
  readonly log?: LogFn;
  /** Entries per commit at most (a backlog after an outage is committed in slices). */
  readonly maxBatch?: number;
  /** Wall clock in epoch microseconds, for audit timestamps. */
  readonly nowUs?: () => number;
  /**
   * Prepare the commit statement once per connection (default true). Off for PGlite: its socket
   * server runs every connection in one session, where a second connection's PREPARE of the
   * same name fails ("already exists").
   */
  readonly namedStatements?: boolean;
  /** Told each successful commit's round trip, in seconds (the risk_engine_journal_commit_seconds histogram). */
  readonly commitSeconds?: { observe(seconds: number): void };
}

/** The journal's defaults: a backlog after an outage is committed in slices of maxBatch entries. */
export const JOURNAL_DEFAULTS = Object.freeze({ maxBatch: 2000, namedStatements: true });

const nowUsDefault = (): number => Math.round((performance.timeOrigin + performance.now()) * 1000);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class PgJournal implements EventJournal {
  private queue: Item[] = [];
  private committing: Promise<void> | undefined;
  private commits = 0;
  private entries = 0;
  private failures = 0;
  private lastError: string | undefined;
  private committed = 0;
  /** Commit round trips in µs (1 µs to 60 s). */
  private readonly commitSeconds: JournalOptions['commitSeconds'];
  private readonly commitUs = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 2, useWebAssembly: false });
  private readonly log: LogFn;
  private readonly maxBatch: number;
  private readonly nowUs: () => number;
  private readonly insert: pg.QueryConfig<[number, string]>;

  private nextBatchSeq: number;
  private projectedSeq = 0;
  private projectionFailures = 0;
  private projectTimer: NodeJS.Timeout | undefined;
  private projecting: Promise<void> | undefined;
  private stopped = false;

  private constructor(private readonly pool: pg.Pool, private readonly chain: AuditChain, lastBatchSeq: number, opts: JournalOptions) {
    this.nextBatchSeq = lastBatchSeq + 1;
    this.projectedSeq = lastBatchSeq;
    this.log = opts.log ?? (() => {});
    this.maxBatch = opts.maxBatch ?? JOURNAL_DEFAULTS.maxBatch;
    this.nowUs = opts.nowUs ?? nowUsDefault;
    this.commitSeconds = opts.commitSeconds;
    const text = 'INSERT INTO journal (seq, entries) VALUES ($1, $2) ON CONFLICT (seq) DO NOTHING';
    this.insert = (opts.namedStatements ?? JOURNAL_DEFAULTS.namedStatements) ? { name: 'journal_insert', text } : { text };
  }

  /**
   * Projects what a previous run committed, then continues the batch sequence and the audit
   * chain where the database has them.
   */
  static async open(pool: pg.Pool, opts: JournalOptions = {}): Promise<PgJournal> {
    const applied = await pool.query<{ seq: string }>('SELECT journal_apply() AS seq');
    const last = await pool.query<{ seq: string; hash: string }>('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1');
    const row = last.rows[0];
    const chain = row ? new AuditChain(Number(row.seq) + 1, row.hash) : new AuditChain(1, GENESIS_HASH);
    return new PgJournal(pool, chain, Number(applied.rows[0]?.seq ?? 0), opts);
  }

  record(entry: JournalEntry): Promise<void> {
    // Audit records are chained now, in the order the engine made the changes.
    const audit = auditOf(entry, this.chain, this.nowUs());
    const p = new Promise<void>((resolve) => this.queue.push({ entry, audit, resolve }));
    this.entries++;
    this.committing ??= this.drain();
    return p;
  }

  flush(): Promise<void> {
    if (this.queue.length === 0 && this.committing === undefined) return Promise.resolve();
    return new Promise((resolve) => {
      this.queue.push({ entry: FLUSH_MARK, audit: [], resolve });
      this.committing ??= this.drain();
    });
  }

  stats(): JournalStats {
    const ms = (us: number): number => Math.round(us) / 1000;
    return {
      commits: this.commits, entries: this.entries, failures: this.failures, backlog: this.queue.length,
      projectedSeq: this.projectedSeq, projectionFailures: this.projectionFailures,
      entriesPerCommit: this.commits === 0 ? 0 : Math.round((this.committed / this.commits) * 100) / 100,
      commitMs: { p50: ms(this.commitUs.getValueAtPercentile(50)), p99: ms(this.commitUs.getValueAtPercentile(99)), max: ms(this.commitUs.maxValue) },
      ...(this.lastError ? { lastError: this.lastError } : {}),
    };
  }

  /** Projects every committed batch into the tables now (tests, shutdown, before reading tables). */
  async project(): Promise<void> {
    if (this.projectTimer) { clearTimeout(this.projectTimer); this.projectTimer = undefined; }
    while (this.projecting) await this.projecting;
    this.projecting = (async () => {
      try {
        const r = await this.pool.query<{ seq: string }>('SELECT journal_apply() AS seq');
        this.projectedSeq = Number(r.rows[0]?.seq ?? this.projectedSeq);
      } finally {
        this.projecting = undefined;
      }
    })();
    await this.projecting;
  }

  /** Stops projecting on a timer (shutdown); what is committed stays in `journal` until the next start. */
  stopProjection(): void {
    if (this.projectTimer) clearTimeout(this.projectTimer);
    this.projectTimer = undefined;
    this.stopped = true;
  }

  private scheduleProjection(delayMs: number): void {
    if (this.projectTimer || this.stopped) return;
    this.projectTimer = setTimeout(() => {
      this.projectTimer = undefined;
      this.project().catch((err: unknown) => {
        // The changes are durable in `journal`; the tables catch up on the next try or start.
        this.projectionFailures++;
        this.log('warn', 'projecting the journal into the tables failed; retrying', { error: (err as Error).message });
        this.scheduleProjection(Math.min(5000, 100 * 2 ** Math.min(this.projectionFailures, 6)));
      });
    }, delayMs);
    this.projectTimer.unref();
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const items = this.queue.splice(0, this.maxBatch);
        const batch = emptyBatch();
        let n = 0;
        for (const it of items) if (it.entry !== FLUSH_MARK) { addTo(batch, it.entry, it.audit); n++; }
        if (n > 0) await this.commit(batch);
        this.committed += n;
        for (const it of items) it.resolve();
      }
    } finally {
      this.committing = undefined;
    }
  }

  private async commit(batch: Batch): Promise<void> {
    // Only the sections that have rows: journal_commit skips a statement whose section is absent.
    const sections: Record<string, unknown[]> = {};
    const put = (k: string, rows: unknown[]): void => { if (rows.length > 0) sections[k] = rows; };
    put('created', batch.created); put('states', [...batch.states.values()]); put('limits', [...batch.limits.values()]);
    put('orders', [...batch.orders.values()]); put('fills', batch.fills); put('positions', [...batch.positions.values()]);
    put('reasons', [...batch.reasons.values()]); put('audit', batch.audit);
    const json = JSON.stringify(sections, nonFiniteAsText);
    const seq = this.nextBatchSeq;
    for (let attempt = 1; ; attempt++) {
      try {
        const t0 = performance.now();
        // A named statement where it can be: parsed and planned once per connection, not at
        // every commit. A retry of a batch that did land (connection lost after the commit) is a no-op.
        await this.pool.query({ ...this.insert, values: [seq, json] });
        const commitMs = performance.now() - t0;
        this.commitUs.recordValue(Math.max(1, Math.round(commitMs * 1000)));
        this.commitSeconds?.observe(commitMs / 1000);
        this.nextBatchSeq++;
        this.commits++;
        this.scheduleProjection(PROJECT_DELAY_MS);
        if (attempt > 1) this.log('info', 'journal commit succeeded after retries', { attempts: attempt });
        this.lastError = undefined;
        return;
      } catch (err) {
        this.failures++;
        this.lastError = (err as Error).message;
        // Until this lands no later change is acknowledged: clients wait, nothing is lost.
        this.log(attempt === 1 ? 'warn' : 'error', 'journal commit failed; retrying (acknowledgements wait)', { attempt, error: this.lastError });
        await sleep(Math.min(2000, 10 * 2 ** Math.min(attempt, 8)));
      }
    }
  }
}

/**
 * The audit trail as an AuditSink: a security event becomes a journal entry whose only effect is
 * its record in the hash chain, durable when the promise resolves (the journal is the trail's one
 * writer, so security events and order events share one chain and one order).
 */
export function journalAuditSink(journal: Pick<EventJournal, 'record'>): AuditSink {
  return (e) => journal.record({ kind: 'audited', actor: e.actor, action: e.action, entityType: e.entityType, entityId: e.entityId, before: e.before, after: e.after });
}

/**
 * JSON has no NaN or Infinity (JSON.stringify would write null, which a NOT NULL column refuses
 * at projection, blocking every later batch). PostgreSQL's float8 reads the text forms, so the
 * tables hold exactly what the engine had.
 */
function nonFiniteAsText(_key: string, v: unknown): unknown {
  return typeof v === 'number' && !Number.isFinite(v) ? String(v) : v;
}

/** How long after a commit the tables are brought up to date: batches in that window are projected together. */
const PROJECT_DELAY_MS = 20;

const FLUSH_MARK: JournalEntry = { kind: 'changed', events: [], before: undefined as unknown as PortfolioState, after: undefined as unknown as PortfolioState, by: '' };

function emptyBatch(): Batch {
  return { created: [], states: new Map(), limits: new Map(), orders: new Map(), fills: [], positions: new Map(), reasons: new Map(), audit: [] };
}

const num = (x: number | undefined): number | null => (x === undefined ? null : x);

export function orderRow(o: Order): Record<string, unknown> {
  return {
    order_id: o.orderId, portfolio_id: o.portfolioId, client_order_id: o.clientOrderId, instrument: o.instrument, side: o.side, qty: o.qty,
    order_type: o.orderType, limit_price: num(o.limitPrice), stop_price: num(o.stopPrice), status: o.status, filled_qty: o.filledQty,
    submitted_by: o.submittedBy, created_ms: o.createdMs, updated_ms: o.updatedMs, triggered_ms: num(o.triggeredMs),
    counterparty_name: o.counterparty?.name ?? null, counterparty_country: o.counterparty?.country ?? null,
  };
}

export function positionRow(portfolioId: string, h: Holding): Record<string, unknown> {
  return {
    portfolio_id: portfolioId, instrument: h.instrument.symbol, qty: h.qty, avg_price: h.avgPrice, realised_pnl: h.realisedPnl,
    multiplier: h.multiplier, vol: num(h.vol), dividend_yield: h.dividendYield, style: h.style,
  };
}

function stateRow(s: PortfolioState): Record<string, unknown> {
  return {
    portfolio_id: s.portfolioId, cash: s.cash, closed_realised_pnl: s.closedRealisedPnl ?? 0, trading_state: s.tradingState,
    next_order_seq: s.nextOrderSeq, next_fill_seq: s.nextFillSeq,
  };
}

function addTo(b: Batch, entry: JournalEntry, audit: readonly AuditRecord[]): void {
  for (const a of audit) {
    b.audit.push({
      seq: a.seq, at_us: a.atUs, actor: a.actor, action: a.action, entity_type: a.entityType, entity_id: a.entityId,
      before: a.before, after: a.after, prev_hash: a.prevHash, hash: a.hash,
    });
  }
  if (entry.kind === 'bandChanged' || entry.kind === 'audited') return; // its audit record is all there is to store
  if (entry.kind === 'created') {
    const s = entry.state;
    const positions = [...s.holdings.values()];
    b.created.push({
      ...stateRow(s), owner_id: s.ownerId ?? null, created_by: entry.by, initial_cash: s.cash,
      initial_positions: positions.map((h) => positionRow(s.portfolioId, h)),
    });
    b.limits.set(s.portfolioId, { portfolio_id: s.portfolioId, limits: toJsonValue(s.limits) });
    for (const h of positions) b.positions.set(`${s.portfolioId}\u0000${h.instrument.symbol}`, positionRow(s.portfolioId, h));
    return;
  }
  const id = entry.after.portfolioId;
  b.states.set(id, stateRow(entry.after));
  for (const e of entry.events) {
    switch (e.type) {
      case 'OrderAccepted': case 'OrderCancelled': case 'OrderReplaced': case 'OrderTriggered':
        b.orders.set(e.order.orderId, orderRow(e.order));
        break;
      case 'OrderFilled':
        b.orders.set(e.order.orderId, orderRow(e.order));
        b.fills.push({
          fill_id: e.fill.fillId, order_id: e.fill.orderId, client_order_id: e.fill.clientOrderId, portfolio_id: e.fill.portfolioId,
          instrument: e.fill.instrument, side: e.fill.side, qty: e.fill.qty, price: e.fill.price, ts_ms: e.fill.ts,
          counterparty_name: e.fill.counterparty?.name ?? null, counterparty_country: e.fill.counterparty?.country ?? null,
        });
        break;
      case 'PositionChanged':
        b.positions.set(`${id}\u0000${e.holding.instrument.symbol}`, positionRow(id, e.holding));
        break;
      case 'LimitsChanged':
        b.limits.set(id, { portfolio_id: id, limits: toJsonValue(e.limits) });
        break;
      case 'TradingStateChanged':
        b.reasons.set(id, { portfolio_id: id, trading_state_reason: e.reason });
        break;
      default:
        break;
    }
  }
}

/** An order as the audit trail shows it: its fields, without the parsed instrument. */
function orderJson(o: Order | undefined): JsonValue {
  if (!o) return null;
  const { parsed: _parsed, ...rest } = o;
  return toJsonValue(rest);
}

function holdingJson(h: Holding | undefined): JsonValue {
  if (!h) return null;
  return toJsonValue({ ...h, instrument: h.instrument.symbol });
}

/** The audit records of one entry: who did what to which entity, before and after. */
function auditOf(entry: JournalEntry, chain: AuditChain, atUs: number): AuditRecord[] {
  if (entry === FLUSH_MARK) return [];
  if (entry.kind === 'bandChanged') {
    return [chain.append({
      atUs, actor: entry.by, action: 'market.band.changed', entityType: 'symbol', entityId: entry.symbol,
      before: toJsonValue({ maxJump: entry.before }), after: toJsonValue({ maxJump: entry.after, ...(entry.released ? { released: entry.released } : {}) }),
    })];
  }
  if (entry.kind === 'audited') {
    return [chain.append({
      atUs, actor: entry.actor, action: entry.action, entityType: entry.entityType, entityId: entry.entityId,
      before: toJsonValue(entry.before), after: toJsonValue(entry.after),
    })];
  }
  if (entry.kind === 'created') {
    const s = entry.state;
    return [chain.append({
      atUs, actor: entry.by, action: 'portfolio.created', entityType: 'portfolio', entityId: s.portfolioId, before: null,
      after: toJsonValue({
        ...(s.ownerId !== undefined ? { ownerId: s.ownerId } : {}), cash: s.cash, positions: [...s.holdings.values()].map(holdingJson), limits: s.limits, tradingState: s.tradingState,
      }),
    })];
  }
  const out: AuditRecord[] = [];
  const { before, by } = entry;
  const pid = entry.after.portfolioId;
  for (const e of entry.events) {
    switch (e.type) {
      case 'OrderAccepted':
        out.push(chain.append({ atUs, actor: by, action: 'order.accepted', entityType: 'order', entityId: e.order.orderId, before: null, after: orderJson(e.order) }));
        break;
      case 'OrderCancelled':
        out.push(chain.append({ atUs, actor: by, action: 'order.cancelled', entityType: 'order', entityId: e.order.orderId, before: orderJson(before.openOrders.get(e.order.orderId)), after: orderJson(e.order) }));
        break;
      case 'OrderReplaced':
        out.push(chain.append({ atUs, actor: by, action: 'order.replaced', entityType: 'order', entityId: e.order.orderId, before: orderJson(before.openOrders.get(e.order.orderId)), after: orderJson(e.order) }));
        break;
      case 'OrderTriggered':
        out.push(chain.append({ atUs, actor: 'engine', action: 'order.triggered', entityType: 'order', entityId: e.order.orderId, before: orderJson(before.openOrders.get(e.order.orderId)), after: orderJson(e.order) }));
        break;
      case 'OrderFilled':
        // Fills are the engine's doing (matching against the market), on the order of `by`.
        out.push(chain.append({ atUs, actor: 'engine', action: 'fill', entityType: 'fill', entityId: e.fill.fillId, before: null, after: toJsonValue(e.fill) }));
        break;
      case 'PositionChanged':
        out.push(chain.append({
          atUs, actor: 'engine', action: 'position.changed', entityType: 'position', entityId: `${pid}/${e.holding.instrument.symbol}`,
          before: holdingJson(before.holdings.get(e.holding.instrument.symbol)), after: toJsonValue({ ...(holdingJson(e.holding) as object), cash: e.cash }),
        }));
        break;
      case 'LimitsChanged':
        out.push(chain.append({ atUs, actor: by, action: 'limits.changed', entityType: 'portfolio', entityId: pid, before: toJsonValue(before.limits), after: toJsonValue(e.limits) }));
        break;
      case 'TradingStateChanged':
        out.push(chain.append({
          atUs, actor: by, action: 'trading_state.changed', entityType: 'portfolio', entityId: pid,
          before: { state: e.previous, reason: e.previousReason }, after: { state: e.state, reason: e.reason },
        }));
        break;
      default:
        break;
    }
  }
  return out;
}
