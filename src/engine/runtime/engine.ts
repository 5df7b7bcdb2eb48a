/**
 * The engine: a thin facade (EngineApi) over the per-portfolio actors (src/engine/actors) and five
 * private collaborators, each in its own module:
 *   tick-router.ts         which portfolios a tick concerns (index, quiet bands, last prices, tick guard)
 *   recalc-pump.ts         coalesced recalculations in batches on the RiskCalculator, failures isolated
 *   risk-snapshots.ts      the one place for P&L and leverage arithmetic (snapshots, marks)
 *   order-history.ts       remembered orders and fills, and the shaping of order answers
 *   portfolio-registry.ts  portfolio creation and the cells of hosted portfolios (portfolio-cell.ts)
 * Transitions are the actors', figures the calculator's; the engine itself routes and answers, and
 * holds every answer that reports a change until the journal has made it durable (#whenDurable).
 *
 * Threading: everything here runs on the gateway's event loop; a message to one portfolio is
 * handled to completion before the next (the mailbox), and the only asynchronous steps are the
 * calculator's recalculations and the journal's commits.
 */
import type { LogFn } from '../log.js';
import { safeHandle } from '../actors/portfolio-actor.js';
import type { Fill, MarketView, Order, OrderRequest, PortfolioEvent, PortfolioMessage, PortfolioState, RiskSnapshot } from '../actors/types.js';
import { LEVERAGE_POLICY_DEFAULTS, leverageLimitProblem, makeRiskLimits, type LeveragePolicy, type RiskLimits } from '../limits/risk-limits.js';
import type { KycGate } from '../limits/kyc-gate.js';
import type { TradingState, TradingStateReason, VarEstimator } from '../limits/types.js';
import type { TickGuardOptions } from '../market/tick-guard.js';
import { type Failure, failure, ok, type Result } from '../result.js';
import { type Clock, isoDateOf } from './clock.js';
import { ENGINE_DEFAULTS } from './engine-defaults.js';
import type {
  CreatePortfolioRequest, EngineApi, EngineEvent, EngineStats, HeldTicksView, OrderOutcome, OwnerHalt, PortfolioView, ReplaceRequest, TickBandChange, TickStatus,
} from './engine-api.js';
import { type EventJournal, type JournalEntry, isDurableEvent } from './journal-port.js';
import { isPartitionMoved } from '../cluster/partition-moved-error.js';
import type { OrderArchive } from './order-archive.js';
import { type AskResult, OrderHistory } from './order-history.js';
import { newPortfolioCell, type CellWiring, type Pending, type PortfolioCell } from './portfolio-cell.js';
import { PortfolioRegistry } from './portfolio-registry.js';
import { RecalcPump } from './recalc-pump.js';
import type { RiskDriver } from './risk-driver.js';
import { SweepDriver } from './sweep-driver.js';
import type { RiskCalculator } from './risk-calculator.js';
import { RiskSnapshots } from './risk-snapshots.js';
import { TickRouter } from './tick-router.js';
import type { TradePage } from './trade-history.js';

type TradeScope = Parameters<EngineApi['tradePage']>[0];



/** Who halts a blocked customer's new portfolio, in the journal and the audit trail. */
export const SANCTIONS_BLOCK_ACTOR = 'compliance:screening';

export interface EngineOptions {
  readonly calculator: RiskCalculator;
  readonly clock: Clock;
  /** Continuous risk-free rate for live valuation. */
  readonly rate: number;
  /** Omitted: ENGINE_DEFAULTS (engine-defaults.ts), as for maxBatch, marginRefreshMs and historyLimit. */
  readonly mailboxCapacity?: number;
  /** Portfolios per pool task. */
  readonly maxBatch?: number;
  /** Minimum ms between two SPAN margin grids of one portfolio (the slower cadence). */
  readonly marginRefreshMs?: number;
  /** Orders and fills kept in memory for GET /trades (oldest evicted first). */
  readonly historyLimit?: number;
  readonly log?: LogFn;
  /**
   * How dispatching the next batch to the pool is deferred (default queueMicrotask). The server
   * passes setImmediate: the rest of the event loop's I/O (orders, ticks already read) is then
   * handled before the next batch is packed, so that order acks do not queue behind dispatch work.
   */
  readonly defer?: (fn: () => void) => void;
  /**
   * false: recalculate through batches (recalc-pump.ts) even when the calculator can sweep. By
   * default a calculator that can (the risk pool) keeps the books in shared memory and its workers
   * sweep them (sweep-driver.ts); maxBatch and defer are then unused (the pool's own maxBatch sizes
   * the workers' kernel calls).
   */
  readonly sweep?: boolean;
  /**
   * VaR of positions for the pre-trade VaR limit (risk/realtime-var-estimator.ts in the server).
   * Without it a portfolio whose maxVar is finite has every order fail in its actor.
   */
  readonly varEstimator?: VarEstimator;
  /**
   * Makes changes durable (src/persistence/journal.ts). With one, an ack, a fill or a REST reply
   * reaches a client only after the change it reports is durable; without one, state lives in
   * memory only.
   */
  readonly journal?: EventJournal;
  /** Portfolios rebuilt from the database at start (they are not journaled again). */
  readonly restore?: readonly PortfolioState[];
  /** Orders and fills made before the restart, oldest first, for listOrders / listFills. */
  readonly history?: { readonly orders: readonly Order[]; readonly fills: readonly Fill[] };
  /**
   * The market-data checks (market/tick-guard.ts): TICK_MAX_JUMP and TICK_MAX_SKEW_MS. Omitted
   * fields take the defaults (25%, 5 s); a maxSkewMs of Infinity turns the ts check off (tests
   * whose ticks carry sequence numbers, not times).
   */
  readonly tickGuard?: Partial<TickGuardOptions>;
  /**
   * DEFAULT_LEVERAGE_LIMIT and MAX_LEVERAGE_LIMIT: the leverage limit a portfolio created without
   * one gets, and the highest one a create or a limits change may set (INVALID_LIMITS above it).
   */
  readonly leverage?: LeveragePolicy;
  /** How long an accepted clientOrderId is remembered at least, ms (default a day; client-order-ids.ts). */
  readonly clientOrderIdWindowMs?: number;
  /** Orders no longer in the in-memory history, for answering a copy of one (order-archive.ts). */
  readonly orderArchive?: OrderArchive;
  /**
   * KYC_REQUIRED on: whether a customer's KYC is approved, asked synchronously on each new order
   * of an owned portfolio (the server's persistence/kyc-approvals.ts). A portfolio whose owner it
   * does not approve is reduce-only (KYC_REQUIRED); one without an owner (house, demo) is not
   * gated. Omitted: KYC is not required and nothing is asked.
   */
  readonly kycGate?: KycGate;
  /**
   * The customers a sanctions screening blocked (the server's persistence/sanctions-blocks.ts): a
   * portfolio created for one starts halted, reason SANCTIONS, as does one for an owner who has a
   * portfolio halted for SANCTIONS already. Asked once per portfolio created, never on the order path.
   */
  readonly blockedOwners?: { isBlocked(ownerId: string): boolean };
}

/** Asks the journal for everything recorded so far rather than one entry (see #whenDurable). */
const EVERYTHING = 'everything';

export class Engine implements EngineApi {
  readonly #calculator: RiskCalculator;
  readonly #clock: Clock;
  readonly #log: LogFn;
  readonly #journal: EventJournal | undefined;
  readonly #leverage: LeveragePolicy;
  readonly #router: TickRouter;
  readonly #risk: RiskDriver;
  readonly #snapshots: RiskSnapshots;
  readonly #orders: OrderHistory;
  readonly #portfolios: PortfolioRegistry;
  readonly #listeners = new Set<(e: EngineEvent) => void>();
  readonly #market: MarketView;
  /** What every actor context carries besides the clock and the market. */
  readonly #actorExtras: { readonly varEstimator?: VarEstimator; readonly clientOrderIdWindowMs?: number; readonly kycGate?: KycGate };
  /** Portfolio ids by owner (portfoliosOf, haltOwner); an owner never changes, so entries are only added. */
  readonly #byOwner = new Map<string, string[]>();
  readonly #blockedOwners: { isBlocked(ownerId: string): boolean } | undefined;
  #mailboxRejections = 0;
  #closed = false;

  constructor(opts: EngineOptions) {
    const { calculator, clock, rate } = opts;
    const log = opts.log ?? (() => {});
    this.#calculator = calculator;
    this.#clock = clock;
    this.#log = log;
    this.#journal = opts.journal;
    this.#leverage = opts.leverage ?? LEVERAGE_POLICY_DEFAULTS;
    this.#blockedOwners = opts.blockedOwners;
    this.#actorExtras = {
      ...(opts.varEstimator ? { varEstimator: opts.varEstimator } : {}),
      ...(opts.clientOrderIdWindowMs !== undefined ? { clientOrderIdWindowMs: opts.clientOrderIdWindowMs } : {}),
      ...(opts.kycGate ? { kycGate: opts.kycGate } : {}),
    };

    const marginRefreshMs = opts.marginRefreshMs ?? ENGINE_DEFAULTS.marginRefreshMs;
    const sweep = opts.sweep === false ? undefined : calculator.openSweep?.({ marginRefreshMs });
    // The router's sink and the pump's host are bound once here: the tick and result paths call
    // them per portfolio and must not allocate a closure each time.
    this.#router = new TickRouter(clock, {
      applied: (symbol, price, ts) => {
        this.#risk.applied(symbol, price, ts);
        this.#emit({ type: 'tick', symbol, price, ts });
      },
      // The sweep's workers find the books a tick moved themselves: no walk over its holders.
      ...(sweep ? {} : { stale: (cell: PortfolioCell) => this.#risk.stale(cell) }),
      crossed: (cell, symbol, price, ts) => { this.#deliver(cell, { kind: 'MarketTick', symbol, price, ts }); },
      routed: () => this.#risk.routed(),
    }, (symbol, price, ts, lastPrice, maxJump, heldNotLogged) => log(
      'warn', 'tick held: it moves the price more than its band from the last accepted price; a second tick near it confirms it',
      { symbol, price, ts, lastPrice, maxJump, heldNotLogged },
    ), opts.tickGuard);
    const spots = this.#router.lastPrice;
    this.#snapshots = new RiskSnapshots(calculator, clock, rate, spots);
    this.#risk = sweep
      ? new SweepDriver({ sweep, clock, rate, log }, {
        take: (cell, out, tickTs, computedAtMs, doneMs) => this.#snapshots.take(cell, out, tickTs, computedAtMs, doneMs),
        publish: (cell) => { if (!cell.released) this.#emit(cell.riskEvent); },
      })
      : new RecalcPump({
        calculator, clock, log, marginRefreshMs,
        maxBatch: opts.maxBatch ?? ENGINE_DEFAULTS.maxBatch,
        defer: opts.defer ?? queueMicrotask,
      }, {
        isPriced: (cell) => this.#router.isPriced(cell),
        computed: (cell, out, tickTs, computedAtMs, doneMs) => {
          this.#snapshots.take(cell, out, tickTs, computedAtMs, doneMs);
          if (!cell.released) this.#emit(cell.riskEvent);
        },
      });
    this.#orders = new OrderHistory(
      opts.historyLimit ?? ENGINE_DEFAULTS.historyLimit, opts.orderArchive, (msg, fields) => log('warn', msg, fields), opts.history,
    );
    const wiring: CellWiring = {
      mailboxCapacity: opts.mailboxCapacity ?? ENGINE_DEFAULTS.mailboxCapacity,
      handle: (cell, p) => this.#handle(cell, p),
      onMailboxError: (err) => log('error', 'mailbox handler failed', { error: String(err) }),
      riskOf: (cell) => this.#riskOf(cell),
      spots,
      rate,
    };
    this.#portfolios = new PortfolioRegistry({
      newCell: (state) => newPortfolioCell(state, wiring),
      adopted: (cell) => {
        const owner = cell.state.ownerId;
        if (owner !== undefined) {
          const ids = this.#byOwner.get(owner);
          if (ids) ids.push(cell.state.portfolioId);
          else this.#byOwner.set(owner, [cell.state.portfolioId]);
        }
        this.#router.reindex(cell);
        for (const o of cell.state.openOrders.values()) this.#orders.trades.remember(o);
        this.#risk.changed(cell);
      },
      markOf: (h) => this.#snapshots.markOf(h),
    });
    const portfolios = this.#portfolios;
    this.#market = {
      rate,
      get asOf(): string {
        return isoDateOf(clock.nowMs());
      },
      spot: (u: string) => spots.get(u),
      volOf: (symbol: string) => portfolios.volOf(symbol),
    };
    for (const state of opts.restore ?? []) this.#portfolios.adopt(state);
  }

  async createPortfolio(req: CreatePortfolioRequest, by: string): Promise<Result<{ portfolioId: string }>> {
    const maxLeverage = req.limits?.maxLeverage ?? this.#leverage.defaultLimit;
    const refused = this.#aboveLeverageCeiling(maxLeverage);
    if (refused) return refused;
    // Asked before the portfolio exists, so its own (active) state does not count.
    const blocked = req.ownerId !== undefined && this.#ownerBlocked(req.ownerId);
    const r = this.#portfolios.create({ ...req, limits: { ...req.limits, maxLeverage } });
    if (!r.ok) return r;
    const committed = this.#whenDurable({ kind: 'created', state: r.value.state, by });
    this.#log('debug', 'portfolio created', { portfolioId: req.portfolioId, ownerId: req.ownerId ?? null, by });
    // The halt is in the portfolio's mailbox before this returns (setTradingState delivers at once),
    // so no order of the new portfolio can be handled before it.
    const halted = blocked ? this.setTradingState(req.portfolioId, 'halted', SANCTIONS_BLOCK_ACTOR, 'SANCTIONS') : undefined;
    if (committed) {
      try {
        await committed;
      } catch (err) {
        if (!isPartitionMoved(err)) throw err;
        // Its partition is not (or no longer) this engine's: the portfolio was never created.
        this.release([req.portfolioId]);
        return failure('PARTITION_MOVING', `portfolio ${req.portfolioId} belongs to a partition that is moving to another engine; nothing was done: send it again`);
      }
    }
    if (halted) {
      const h = await halted;
      if (!h.ok) this.#log('error', 'a blocked customer\'s new portfolio could not be halted', { portfolioId: req.portfolioId, ownerId: req.ownerId, code: h.code, message: h.message });
    }
    return ok({ portfolioId: req.portfolioId });
  }

  /**
   * Portfolios rebuilt from the database join this engine (their partition was taken here:
   * docs/SCALE-OUT.md), with their recent orders and fills for the history. A portfolio already
   * hosted is left as it is.
   */
  adopt(states: readonly PortfolioState[], history?: { readonly orders: readonly Order[]; readonly fills: readonly Fill[] }): void {
    for (const state of states) if (!this.#portfolios.has(state.portfolioId)) this.#portfolios.adopt(state);
    if (history) this.#orders.adopt(history);
  }

  /**
   * Portfolios leave this engine (their partition went to another): out of the registry, the tick
   * index and the risk books at once. A message still in one of their mailboxes is answered
   * PARTITION_MOVING, as is a change the journal then refuses (its partition is no longer owned).
   */
  release(portfolioIds: readonly string[]): void {
    for (const id of portfolioIds) {
      const cell = this.#portfolios.remove(id);
      if (!cell) continue;
      cell.released = true;
      this.#router.unindex(cell);
      this.#risk.forget(cell);
      const owner = cell.state.ownerId;
      if (owner !== undefined) {
        const ids = (this.#byOwner.get(owner) ?? []).filter((x) => x !== id);
        if (ids.length === 0) this.#byOwner.delete(owner);
        else this.#byOwner.set(owner, ids);
      }
    }
  }

  getPortfolio(portfolioId: string): PortfolioView | undefined {
    const cell = this.#portfolios.get(portfolioId);
    if (!cell) return undefined;
    this.#riskOf(cell);
    const s = cell.state;
    return {
      portfolioId: s.portfolioId, ...(s.ownerId !== undefined ? { ownerId: s.ownerId } : {}),
      cash: s.cash, holdings: [...s.holdings.values()], openOrders: [...s.openOrders.values()], limits: s.limits, tradingState: s.tradingState,
      ...(s.tradingState !== 'active' ? { tradingStateReason: s.tradingStateReason ?? 'MANUAL' } : {}), ...(s.risk ? { risk: s.risk } : {}),
    };
  }

  listPortfolioIds(): readonly string[] {
    return this.#portfolios.ids();
  }

  hasPortfolio(portfolioId: string): boolean {
    return this.#portfolios.has(portfolioId);
  }

  /** A customer a screening blocked, or one with a portfolio halted for SANCTIONS (kept by the journal across restarts). */
  #ownerBlocked(ownerId: string): boolean {
    if (this.#blockedOwners?.isBlocked(ownerId) === true) return true;
    return (this.#byOwner.get(ownerId) ?? []).some((id) => {
      const s = this.#portfolios.get(id)?.state;
      return s !== undefined && s.tradingState === 'halted' && s.tradingStateReason === 'SANCTIONS';
    });
  }

  portfoliosOf(ownerId: string): readonly string[] {
    return [...(this.#byOwner.get(ownerId) ?? [])];
  }

  tick(symbol: string, price: number, ts: number): Result<TickStatus> {
    return this.#router.tick(symbol, price, ts);
  }

  heldTicks(): HeldTicksView {
    return this.#router.heldTicks();
  }

  async setTickBand(symbol: string, maxJump: number | undefined, by: string): Promise<Result<TickBandChange>> {
    if (maxJump !== undefined && !(maxJump > 0 && maxJump < Infinity)) return failure('INVALID_BAND', `maxJump must be a finite number > 0, got ${maxJump}`);
    const change = this.#router.setBand(symbol, maxJump);
    const released = change.released ? { released: change.released } : {};
    const committed = this.#whenDurable({ kind: 'bandChanged', symbol, before: change.before, after: change.after, ...released, by });
    this.#log('info', 'tick band changed', { symbol, before: change.before, after: change.after, released: change.released ?? null, by });
    if (committed) await committed;
    return ok({ symbol, maxJump: change.after, ...released });
  }

  async submitOrder(portfolioId: string, req: OrderRequest, by: string): Promise<OrderOutcome> {
    const result = await this.#ask(portfolioId, { kind: 'SubmitOrder', request: req, submittedBy: by }, by);
    const first = typeof result === 'string' ? undefined : result[0];
    if (first?.type === 'OrderResent') return this.#orders.answerResent(first);
    return this.#orders.outcomeOf(result, portfolioId, req.clientOrderId);
  }

  async cancelOrder(portfolioId: string, orderId: string, by: string): Promise<OrderOutcome> {
    return this.#orders.outcomeOf(await this.#ask(portfolioId, { kind: 'CancelOrder', orderId }, by), portfolioId);
  }

  async replaceOrder(portfolioId: string, orderId: string, changes: ReplaceRequest, by: string): Promise<OrderOutcome> {
    return this.#orders.outcomeOf(await this.#ask(portfolioId, { kind: 'ReplaceOrder', orderId, ...changes }, by), portfolioId);
  }

  async setLimits(portfolioId: string, partial: Partial<RiskLimits>, by: string): Promise<Result<RiskLimits>> {
    const cell = this.#portfolios.get(portfolioId);
    if (!cell) return failure('UNKNOWN_PORTFOLIO', `no portfolio ${portfolioId}`);
    const aboveCeiling = partial.maxLeverage === undefined ? undefined : this.#aboveLeverageCeiling(partial.maxLeverage);
    if (aboveCeiling) return aboveCeiling;
    const l = makeRiskLimits({ ...cell.state.limits, ...partial });
    if (!l.ok) return failure('INVALID_LIMITS', l.errors.join('; '));
    const refused = this.#refusal(await this.#ask(portfolioId, { kind: 'SetLimits', limits: l.value }, by), portfolioId);
    if (refused) return refused;
    this.#log('info', 'limits changed', { portfolioId, by });
    return ok(l.value);
  }

  /** INVALID_LIMITS when `maxLeverage` is above the operator's MAX_LEVERAGE_LIMIT. */
  #aboveLeverageCeiling(maxLeverage: number): Failure | undefined {
    const problem = leverageLimitProblem(maxLeverage, this.#leverage.maxLimit);
    return problem === null ? undefined : failure('INVALID_LIMITS', `maxLeverage: ${problem}, got ${maxLeverage}`);
  }

  async setTradingState(portfolioId: string, state: TradingState, by: string, reason: TradingStateReason = 'MANUAL'): Promise<Result<TradingState>> {
    const refused = this.#refusal(await this.#ask(portfolioId, { kind: 'SetTradingState', state, reason }, by), portfolioId);
    if (refused) return refused;
    this.#log('info', 'trading state changed', { portfolioId, state, reason, by });
    return ok(state);
  }

  async haltOwner(ownerId: string, reason: TradingStateReason, by: string): Promise<Result<OwnerHalt>> {
    const portfolioIds = this.portfoliosOf(ownerId);
    // All at once: each portfolio's mailbox takes its halt without waiting for the others'.
    const results = await Promise.all(portfolioIds.map((id) => this.setTradingState(id, 'halted', by, reason)));
    const failed = portfolioIds.flatMap((id, i) => {
      const r = results[i] as Result<TradingState>;
      return r.ok ? [] : [{ id, code: r.code, message: r.message }];
    });
    this.#log(failed.length === 0 ? 'warn' : 'error', 'owner halted', { ownerId, reason, by, portfolioIds, failed: failed.map((f) => f.id) });
    if (failed.length > 0) {
      const first = failed[0] as { code: string };
      return failure(first.code, `halted ${portfolioIds.length - failed.length} of ${portfolioIds.length} portfolios of ${ownerId}; not halted: ${failed.map((f) => `${f.id} (${f.code}: ${f.message})`).join('; ')}`);
    }
    return ok({ ownerId, portfolioIds });
  }

  getRisk(portfolioId: string): RiskSnapshot | undefined {
    const cell = this.#portfolios.get(portfolioId);
    return cell ? this.#riskOf(cell) : undefined;
  }

  watchRisk(portfolioId: string, delta: 1 | -1): void {
    this.#risk.watch(portfolioId, delta);
  }

  listOrders(portfolioId?: string): readonly Order[] {
    return this.#orders.trades.listOrders(portfolioId);
  }

  getOrder(orderId: string): Order | undefined {
    return this.#orders.trades.get(orderId);
  }

  listFills(portfolioId?: string): readonly Fill[] {
    return this.#orders.trades.listFills(portfolioId);
  }

  fillsOf(orderId: string): readonly Fill[] {
    return this.#orders.trades.fillsOf(orderId);
  }

  tradePage(scope: TradeScope, from: number, limit: number): TradePage {
    return this.#orders.trades.page(scope, from, limit);
  }

  onEvent(listener: (e: EngineEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  stats(): EngineStats {
    return {
      portfolios: this.#portfolios.size, ticks: this.#router.ticks, recalculations: this.#risk.recalculations, coalesced: this.#risk.coalesced,
      pool: this.#calculator.stats(), mailboxRejections: this.#mailboxRejections, tickGuard: this.#router.guardCounts(),
      mailboxes: this.#portfolios.mailboxDepths(),
    };
  }

  async close(): Promise<void> {
    // Not waiting for the journal here: its owner decides how long a shutdown may wait for it
    // (the journal's flush), and a database that is gone must not hang it.
    this.#closed = true;
    this.#risk.close();
    this.#listeners.clear();
    await this.#calculator.close();
  }

  /**
   * The acknowledgement rule, enforced here and only here: an answer that reports a change (an
   * ack, a fill, an order update, a REST reply) is released once the journal has made that change
   * durable. Returns what to wait for: undefined when there is nothing (no journal, or nothing
   * that must survive a crash); EVERYTHING waits for all recorded so far.
   */
  #whenDurable(entry: JournalEntry | typeof EVERYTHING | undefined): Promise<void> | undefined {
    const journal = this.#journal;
    if (journal === undefined || entry === undefined) return undefined;
    return entry === EVERYTHING ? journal.flush() : journal.record(entry);
  }

  /** Applies one message to one actor and publishes what it did, once it may be told. Never throws. */
  #handle(cell: PortfolioCell, p: Pending): void {
    // Its partition moved while the message waited: the new owner has the portfolio now.
    if (cell.released) {
      p.done?.('moved');
      return;
    }
    const before = cell.state;
    const { state, events } = safeHandle(before, p.msg, { nowMs: this.#clock.nowMs(), market: this.#market, ...this.#actorExtras });
    cell.state = state;
    let positionsChanged = false;
    let durable = false;
    let resent = false;
    for (const e of events) {
      if (!durable && isDurableEvent(e)) durable = true;
      if (e.type === 'OrderResent') resent = true;
      else if (e.type === 'PositionChanged' || e.type === 'LimitsChanged') positionsChanged = true;
      else if (e.type === 'ActorFailed') this.#log('error', 'portfolio actor failed; restarted from its last consistent state', { portfolioId: e.portfolioId, error: e.error });
    }
    const ordersChanged = this.#orders.record(events);
    if (positionsChanged || ordersChanged) this.#router.reindex(cell);
    // A risk update follows every fill and every limits change.
    if (positionsChanged) this.#risk.changed(cell);
    // The actor has moved on (its next message sees the new state); what a client is told waits.
    // A copy of an order is answered with the original, which may still await its commit (the two
    // were sent close together): it waits for everything recorded so far.
    const committed = this.#whenDurable(
      durable ? { kind: 'changed', events, before, after: state, by: p.by ?? 'engine' } : resent ? EVERYTHING : undefined,
    );
    // The journal refuses only a change of a partition this engine no longer owns (journal-port.ts):
    // nothing is acknowledged, and the sender is told to send it again (PARTITION_MOVING).
    if (committed) {
      committed.then(() => this.#announce(events, p), (err: unknown) => {
        if (isPartitionMoved(err)) p.done?.('moved');
        else this.#log('error', 'journal refused a commit; its answer is withheld', { error: String(err) });
      });
    } else this.#announce(events, p);
  }

  /** Tells clients what a message did: order and fill events to subscribers, the reply to its sender. */
  #announce(events: readonly PortfolioEvent[], p: Pending): void {
    if (this.#closed && this.#journal) return;
    for (const e of events) {
      if (e.type === 'OrderFilled') this.#emit({ type: 'fill', fill: e.fill });
      else if (e.type === 'OrderAccepted' || e.type === 'OrderCancelled' || e.type === 'OrderReplaced' || e.type === 'OrderTriggered') this.#emit({ type: 'order', order: e.order });
    }
    p.done?.(events);
  }

  /** A portfolio's newest risk: its newest figures brought in, then the snapshot built once per result. */
  #riskOf(cell: PortfolioCell): RiskSnapshot | undefined {
    this.#risk.pull(cell);
    return this.#snapshots.riskOf(cell);
  }

  #emit(e: EngineEvent): void {
    for (const l of this.#listeners) {
      try {
        l(e);
      } catch (err) {
        this.#log('error', 'engine event listener threw', { error: String(err) });
      }
    }
  }

  #deliver(cell: PortfolioCell, msg: PortfolioMessage, done?: Pending['done'], by?: string): boolean {
    const accepted = cell.mailbox.enqueue({ msg, ...(done ? { done } : {}), ...(by !== undefined ? { by } : {}) });
    if (!accepted) this.#mailboxRejections++;
    return accepted;
  }

  /** Sends a message and resolves with the events it caused, once they may be told; `busy` when the mailbox is full. */
  #ask(portfolioId: string, msg: PortfolioMessage, by: string): Promise<AskResult> {
    const cell = this.#portfolios.get(portfolioId);
    if (!cell) return Promise.resolve('unknown');
    return new Promise((resolve) => {
      if (!this.#deliver(cell, msg, resolve, by)) resolve('busy');
    });
  }

  /** The failure of a limits or trading-state change, or undefined when the actor took it. */
  #refusal(result: AskResult, portfolioId: string): Failure | undefined {
    if (result === 'unknown') return failure('UNKNOWN_PORTFOLIO', `no portfolio ${portfolioId}`);
    if (result === 'busy') return failure('MAILBOX_FULL', `portfolio ${portfolioId} is busy`);
    if (result === 'moved') return failure('PARTITION_MOVING', `portfolio ${portfolioId} is moving to another engine; nothing was done: send it again`);
    if (result.some((e) => e.type === 'ActorFailed')) return failure('INTERNAL_ERROR', 'the portfolio actor failed and was restarted; the change had no effect');
    return undefined;
  }
}
