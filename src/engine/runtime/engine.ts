/**
 * The engine runtime: routes ticks, orders and risk results to per-portfolio actors, coalesces
 * recalculations and feeds them to the risk pool in batches. It holds no arithmetic of its own:
 * transitions are the actors' (src/engine/actors), figures are the pool's (RiskCalculator).
 *
 * Threading: everything here runs on the gateway's event loop; a message to one portfolio is
 * handled to completion before the next (the mailbox), and the only asynchronous step is the
 * pool's recalculation, whose results come back as RiskComputed messages.
 */
import { breachesOf } from '../actors/breaches.js';
import { Mailbox } from '../actors/mailbox.js';
import { createPortfolioState, realisedPnlOf, safeHandle } from '../actors/portfolio-actor.js';
import { instrumentOf } from '../actors/instrument-symbol.js';
import { isQuiet, quietBand, type QuietBand } from '../actors/order-matching.js';
import { RecalcCoalescer } from '../actors/recalc-coalescer.js';
import { UnderlyingIndex } from '../actors/underlying-index.js';
import type { Fill, Holding, Order, PortfolioEvent, PortfolioMessage, PortfolioState, RiskSnapshot } from '../actors/types.js';
import { makeRiskLimits, type RiskLimits } from '../limits/risk-limits.js';
import type { TradingState, VarEstimator } from '../limits/types.js';
import { underlyingOf } from '../portfolio/types.js';
import { positionValue } from '../portfolio/valuation.js';
import { TickGuard, type TickGuardOptions } from '../market/tick-guard.js';
import { REALTIME_VAR_METHOD } from '../risk/realtime-risk.js';
import { newHoldingTerms } from '../actors/position-update.js';
import { type Clock, isoDateOf } from './clock.js';
import type {
  CreatePortfolioRequest, EngineApi, EngineEvent, EngineStats, HeldTicksView, OrderOutcome, Outcome, PortfolioView, ReplaceRequest, TickBandChange, TickStatus,
} from './engine-api.js';
import type { RecalcInput, RecalcOutput, RiskCalculator } from './risk-calculator.js';
import { type EventJournal, isDurableEvent } from './journal-port.js';
import { TradeHistory } from './trade-history.js';
import type { OrderArchive } from './order-archive.js';

export interface EngineOptions {
  readonly calculator: RiskCalculator;
  readonly clock: Clock;
  /** Continuous risk-free rate for live valuation. */
  readonly rate: number;
  readonly mailboxCapacity?: number;
  /** Portfolios per pool task. */
  readonly maxBatch?: number;
  /** Minimum ms between two SPAN margin grids of one portfolio (the slower cadence). */
  readonly marginRefreshMs?: number;
  /** Orders and fills kept in memory for GET /trades (oldest evicted first). */
  readonly historyLimit?: number;
  /** Persistence seam: every event of every actor, in order. */
  readonly onDomainEvent?: (e: PortfolioEvent) => void;
  readonly log?: (level: 'debug' | 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;
  /**
   * How dispatching the next batch to the pool is deferred (default queueMicrotask). The server
   * passes setImmediate: the rest of the event loop's I/O (orders, ticks already read) is then
   * handled before the next batch is packed, so that order acks do not queue behind dispatch work
   * when the pool keeps the event loop busy.
   */
  readonly defer?: (fn: () => void) => void;
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
  /** How long an accepted clientOrderId is remembered at least, ms (default a day; client-order-ids.ts). */
  readonly clientOrderIdWindowMs?: number;
  /** Orders no longer in the in-memory history, for answering a copy of one (order-archive.ts). */
  readonly orderArchive?: OrderArchive;
}

/** At most one log line per symbol this often about its held ticks (a bad feed cannot flood the log). */
const HELD_TICK_LOG_EVERY_MS = 10_000;

interface Pending {
  readonly msg: PortfolioMessage;
  readonly done?: (events: readonly PortfolioEvent[]) => void;
  /** Who sent the message (JWT subject), for the audit trail; `engine` when absent. */
  readonly by?: string;
}

/**
 * The newest pool result of a portfolio not yet turned into a RiskSnapshot. One per slot, filled in
 * place by every result (tens of thousands a second) rather than allocated each time.
 */
interface PendingRisk {
  /** Holds a result not yet read (riskOf clears it). */
  ready: boolean;
  out: RecalcOutput | undefined;
  tickTs: number;
  seq: number;
  computedMs: number;
  margin: number;
  marginMs: number;
  /** The actor state the figures were computed for (cash and cost basis come from it). */
  state: PortfolioState | undefined;
}

interface Slot {
  state: PortfolioState;
  /** The coalescer's status of this portfolio (0: idle; see recalc-coalescer.ts). */
  recalcStatus: number;
  readonly mailbox: Mailbox<Pending>;
  /**
   * Newest tick ts among the underlyings this portfolio is indexed under: raised by every tick that
   * reaches it and when an underlying is added, so that a recalculation knows which ticks it includes.
   */
  latestTickTs: number;
  /** Every underlying it is indexed under has had a price (cleared when one is added). */
  priced: boolean;
  seq: number;
  lastMarginMs: number;
  lastMargin: number;
  /** Underlyings this portfolio is indexed under (holdings and open orders). */
  underlyings: Set<string>;
  /** The newest pool result not yet turned into a RiskSnapshot (see riskOf). */
  readonly pendingRisk: PendingRisk;
  /** The `risk` event of this portfolio, emitted for every result: its getter reads the newest. */
  readonly riskEvent: EngineEvent;
  /** What the pool is given for this portfolio, refilled at each dispatch (see pump). */
  readonly recalcInput: { portfolioId: string; holdings: readonly Holding[]; spots: ReadonlyMap<string, number>; rate: number; nowMs: number; withMargin: boolean };
  holdingsFrom: ReadonlyMap<string, Holding> | undefined;
  holdingsArray: readonly Holding[];
  /**
   * Per underlying of its open orders, the prices at which none of them reacts: only ticks outside
   * it need to reach the actor (triggers, crossings). Mirrored by symbol in the engine's `bandHolders`.
   */
  orderBands: Map<string, QuietBand>;
}

/** A portfolio with open orders on an underlying, and the band of prices none of them reacts to. */
interface BandHolder {
  readonly slot: Slot;
  readonly band: QuietBand;
}
const NO_BAND_HOLDERS: readonly BandHolder[] = Object.freeze([]);

const ok = <T>(value: T): Outcome<T> => ({ ok: true, value });
// The tick path returns one of these rather than allocating an Outcome per tick.
const TICK_ACCEPTED: Outcome<TickStatus> = Object.freeze({ ok: true, value: 'accepted' });
const TICK_HELD: Outcome<TickStatus> = Object.freeze({ ok: true, value: 'held' });
const fail = (code: string, reason: string): Outcome<never> => ({ ok: false, code, reason });

export function createEngine(opts: EngineOptions): EngineApi {
  const { calculator, clock, rate } = opts;
  const mailboxCapacity = opts.mailboxCapacity ?? 1024;
  const maxBatch = opts.maxBatch ?? 64;
  const marginRefreshMs = opts.marginRefreshMs ?? 1000;
  const historyLimit = opts.historyLimit ?? 100_000;
  const log = opts.log ?? (() => {});
  const defer = opts.defer ?? queueMicrotask;
  const journal = opts.journal;
  const tickGuard = new TickGuard(clock, opts.tickGuard);

  const slots = new Map<string, Slot>();
  // Keyed by the slot itself, not its id: a tick walks these for every portfolio that holds its
  // underlying, thousands of times a second, and an object key saves a lookup by name each time.
  const index = new UnderlyingIndex<Slot>();
  const coalescer = new RecalcCoalescer<Slot>({
    get: (slot) => (slot.recalcStatus === 0 ? undefined : slot.recalcStatus),
    set: (slot, status) => { slot.recalcStatus = status; },
    delete: (slot) => { slot.recalcStatus = 0; },
  });
  /**
   * Underlying → the portfolios with open orders on it and their quiet bands, as arrays replaced
   * (never edited) when an order changes, so a walk stays valid while the actors it reaches change
   * them. A tick reads this once instead of looking up the band in each holder's own map, which
   * was the event loop's largest single cost when many holders have resting orders.
   */
  const bandHolders = new Map<string, readonly BandHolder[]>();
  const lastPrice = new Map<string, number>();
  const lastTickTs = new Map<string, number>();
  /** Known implied vols by option symbol: from portfolio positions, for orders in options not yet held. */
  const knownVols = new Map<string, number>();
  const history = new TradeHistory(historyLimit);
  const listeners = new Set<(e: EngineEvent) => void>();
  let ticks = 0;
  let recalculations = 0;
  let mailboxRejections = 0;
  let inFlightTasks = 0;
  let closed = false;

  const emit = (e: EngineEvent): void => {
    for (const l of listeners) {
      try {
        l(e);
      } catch (err) {
        log('error', 'engine event listener threw', { error: String(err) });
      }
    }
  };

  /** What every actor context carries besides the clock and the market. */
  const actorExtras = {
    ...(opts.varEstimator ? { varEstimator: opts.varEstimator } : {}),
    ...(opts.clientOrderIdWindowMs !== undefined ? { clientOrderIdWindowMs: opts.clientOrderIdWindowMs } : {}),
  };

  const market = {
    rate,
    get asOf(): string {
      return isoDateOf(clock.nowMs());
    },
    spot: (u: string) => lastPrice.get(u),
    volOf: (symbol: string) => knownVols.get(symbol),
  };

  const remember = (order: Order): void => history.remember(order);

  function reindex(slot: Slot): void {
    const now = new Set<string>();
    const bands = new Map<string, QuietBand>();
    for (const h of slot.state.holdings.values()) now.add(underlyingOf(h.instrument));
    for (const o of slot.state.openOrders.values()) {
      const u = underlyingOf(o.parsed);
      now.add(u);
      if (!bands.has(u)) bands.set(u, quietBand(slot.state.openOrders.values(), u));
    }
    for (const u of slot.orderBands.keys()) {
      if (bands.has(u)) continue;
      const rest = (bandHolders.get(u) ?? NO_BAND_HOLDERS).filter((e) => e.slot !== slot);
      if (rest.length === 0) bandHolders.delete(u);
      else bandHolders.set(u, rest);
    }
    for (const [u, band] of bands) {
      const rest = (bandHolders.get(u) ?? NO_BAND_HOLDERS).filter((e) => e.slot !== slot);
      bandHolders.set(u, [...rest, { slot, band }]);
    }
    slot.orderBands = bands;
    for (const u of slot.underlyings) if (!now.has(u)) index.remove(u, slot);
    for (const u of now) {
      if (slot.underlyings.has(u)) continue;
      index.add(u, slot);
      slot.priced = false;
      const ts = lastTickTs.get(u);
      if (ts !== undefined && ts > slot.latestTickTs) slot.latestTickTs = ts;
    }
    slot.underlyings = now;
  }

  /** Applies one message to one actor, publishes what it did. Never throws. */
  function process(slot: Slot, p: Pending): void {
    const before = slot.state;
    const { state, events } = safeHandle(before, p.msg, { nowMs: clock.nowMs(), market, ...actorExtras });
    slot.state = state;
    let positionsChanged = false;
    let ordersChanged = false;
    let durable = false;
    let resent = false;
    for (const e of events) {
      opts.onDomainEvent?.(e);
      if (!durable && isDurableEvent(e)) durable = true;
      switch (e.type) {
        case 'OrderAccepted': case 'OrderCancelled': case 'OrderReplaced': case 'OrderTriggered':
          remember(e.order);
          ordersChanged = true;
          break;
        case 'OrderFilled':
          remember(e.order);
          history.addFill(e.fill);
          ordersChanged = true;
          break;
        case 'OrderResent':
          resent = true;
          break;
        case 'PositionChanged': case 'LimitsChanged':
          positionsChanged = true;
          break;
        case 'ActorFailed':
          log('error', 'portfolio actor failed; restarted from its last consistent state', { portfolioId: e.portfolioId, error: e.error });
          break;
        default:
          break;
      }
    }
    if (positionsChanged || ordersChanged) reindex(slot);
    // A risk update follows every fill and every limits change.
    if (positionsChanged) markDirty(slot);
    // The actor has moved on (its next message sees the new state), but what a client is told
    // (ack, fill, order update) waits until the change is durable: the acknowledgement rule.
    if (durable && journal) {
      journal.record({ kind: 'changed', events, before, after: state, by: p.by ?? 'engine' }).then(() => announce(events, p));
    } else if (resent && journal) {
      // A copy of an order is answered with the original, which may still await its commit (the
      // two were sent close together): not before everything recorded so far is durable.
      journal.flush().then(() => announce(events, p));
    } else {
      announce(events, p);
    }
  }

  /** Tells clients what a message did: order and fill events to subscribers, the reply to its sender. */
  function announce(events: readonly PortfolioEvent[], p: Pending): void {
    if (closed && journal) return;
    for (const e of events) {
      if (e.type === 'OrderFilled') emit({ type: 'fill', fill: e.fill });
      else if (e.type === 'OrderAccepted' || e.type === 'OrderCancelled' || e.type === 'OrderReplaced' || e.type === 'OrderTriggered') emit({ type: 'order', order: e.order });
    }
    p.done?.(events);
  }

  function newSlot(state: PortfolioState): Slot {
    const slot: Slot = {
      state,
      recalcStatus: 0,
      latestTickTs: 0,
      priced: false,
      seq: 0,
      lastMarginMs: -Infinity,
      lastMargin: 0,
      underlyings: new Set(),
      orderBands: new Map(),
      pendingRisk: { ready: false, out: undefined, tickTs: 0, seq: 0, computedMs: 0, margin: 0, marginMs: 0, state: undefined },
      riskEvent: { type: 'risk', portfolioId: state.portfolioId, get risk(): RiskSnapshot { return riskOf(slot) as RiskSnapshot; } },
      recalcInput: { portfolioId: state.portfolioId, holdings: [], spots: lastPrice, rate, nowMs: 0, withMargin: false },
      holdingsFrom: undefined,
      holdingsArray: [],
      mailbox: new Mailbox<Pending>(mailboxCapacity, (p) => process(slot, p), (err) => log('error', 'mailbox handler failed', { error: String(err) })),
    };
    return slot;
  }

  function markDirty(slot: Slot): void {
    coalescer.markDirty(slot);
    schedulePump();
  }

  /** The holdings as an array, rebuilt only when the actor's holdings changed (states are immutable). */
  function holdingsOf(slot: Slot): readonly Holding[] {
    if (slot.holdingsFrom !== slot.state.holdings) {
      slot.holdingsFrom = slot.state.holdings;
      slot.holdingsArray = [...slot.state.holdings.values()];
    }
    return slot.holdingsArray;
  }

  /** Whether every underlying of the portfolio has a price (checked until it is so, then kept). */
  function isPriced(slot: Slot): boolean {
    if (slot.priced) return true;
    for (const u of slot.underlyings) if (!lastPrice.has(u)) return false;
    return (slot.priced = true);
  }

  let pumpScheduled = false;
  function schedulePump(): void {
    if (pumpScheduled || closed) return;
    pumpScheduled = true;
    // Run after the current I/O callback, so that a burst of ticks read in one go is coalesced
    // before any portfolio is packed.
    defer(() => {
      pumpScheduled = false;
      pump();
    });
  }

  function pump(): void {
    while (!closed && inFlightTasks < calculator.capacity) {
      const batch = coalescer.takeBatch(maxBatch);
      if (batch.length === 0) return;
      const nowMs = clock.nowMs();
      const inputs: RecalcInput[] = [];
      /** The slot and newest included tick of each input, so results need no lookup by name. */
      const slotsOf: Slot[] = [];
      const tickTsOf: number[] = [];
      for (const slot of batch) {
        if (!isPriced(slot)) continue; // no figures before every underlying has a price
        const withMargin = nowMs - slot.lastMarginMs >= marginRefreshMs;
        // The slot's own input record, refilled: the pool reads inputs synchronously when called
        // (RecalcInput), and a slot is in one recalculation at a time, a retry included. The live
        // price map itself, not a copy, for the same reason.
        const input = slot.recalcInput;
        input.holdings = holdingsOf(slot);
        input.nowMs = nowMs;
        input.withMargin = withMargin;
        inputs.push(input);
        slotsOf.push(slot);
        tickTsOf.push(slot.latestTickTs);
      }
      if (inputs.length === 0) {
        coalescer.complete(batch);
        continue;
      }
      inFlightTasks++;
      calculator.recalculate(inputs).then(
        (outputs) => {
          inFlightTasks--;
          // Refill the pool before publishing, so the workers compute the next batch while this
          // thread fans the results out (dispatching is cheap, the fan-out is not).
          coalescer.complete(batch);
          if (!closed) pump();
          const doneMs = clock.nowMs();
          for (let i = 0; i < outputs.length; i++) publish(slotsOf[i] as Slot, outputs[i] as RecalcOutput, tickTsOf[i] as number, nowMs, doneMs);
        },
        (err: unknown) => {
          inFlightTasks--;
          isolateFailure(batch, inputs, slotsOf, tickTsOf, nowMs, err);
          schedulePump();
        },
      );
    }
  }

  /**
   * A failed task fails every portfolio in its batch; rerun them one by one so that only the
   * portfolio whose input broke the worker goes without an update (its actor keeps its last
   * consistent state and is recalculated again on its next change). Each stays in flight until its
   * own retry settles: releasing them earlier would let a new tick start a second recalculation
   * beside the retry, and the older result could then land last and overwrite newer figures.
   */
  function isolateFailure(
    batch: readonly Slot[], inputs: readonly RecalcInput[], slotsOf: readonly Slot[], tickTsOf: readonly number[], nowMs: number, err: unknown,
  ): void {
    const retried = new Set(slotsOf);
    coalescer.complete(batch.filter((slot) => !retried.has(slot)));
    if (inputs.length === 1) {
      log('error', 'risk recalculation failed for a portfolio', { portfolioId: inputs[0]?.portfolioId, error: String(err) });
      coalescer.complete(batch);
      return;
    }
    log('warn', 'risk task failed; retrying its portfolios one by one', { portfolios: inputs.length, error: String(err) });
    inputs.forEach((input, i) => {
      const slot = slotsOf[i] as Slot;
      inFlightTasks++;
      calculator.recalculate([input]).then(
        ([out]) => {
          inFlightTasks--;
          if (out) publish(slot, out, tickTsOf[i] as number, nowMs, clock.nowMs());
          coalescer.complete([slot]);
          schedulePump();
        },
        (e: unknown) => {
          inFlightTasks--;
          log('error', 'risk recalculation failed for a portfolio', { portfolioId: input.portfolioId, error: String(e) });
          coalescer.complete([slot]);
          schedulePump();
        },
      );
    });
  }

  /** Takes a slot's new figures: `computedAt` is the valuation time they were asked at, `doneMs` when they came back. */
  function publish(slot: Slot, out: RecalcOutput, tickTs: number, computedAt: number, doneMs: number): void {
    if (closed) return;
    recalculations++;
    if (out.marginRequirement !== undefined) {
      slot.lastMargin = out.marginRequirement;
      slot.lastMarginMs = computedAt;
    }
    // Keep the raw figures; the snapshot (P&L, leverage, breaches, one object tree) is built on
    // first read, by a subscriber's fan-out or a REST query, and at most once per result.
    slot.seq++;
    const p = slot.pendingRisk;
    p.ready = true; p.out = out; p.tickTs = tickTs; p.seq = slot.seq; p.computedMs = doneMs;
    p.margin = slot.lastMargin; p.marginMs = slot.lastMarginMs; p.state = slot.state;
    emit(slot.riskEvent);
  }

  /**
   * Cost basis and realised P&L of a state's holdings, summed once per holdings map (states are
   * immutable, so a map that did not change gives the same sums): a subscribed portfolio's
   * snapshot is built for every recalculation, and its holdings change only on fills.
   */
  const bookTotals = new WeakMap<PortfolioState['holdings'], { costBasis: number; closed: number | undefined; realised: number }>();
  function bookTotalsOf(state: PortfolioState): { costBasis: number; realised: number } {
    let t = bookTotals.get(state.holdings);
    if (t === undefined || t.closed !== state.closedRealisedPnl) {
      let costBasis = 0;
      for (const h of state.holdings.values()) costBasis += h.avgPrice * h.qty * h.multiplier;
      t = { costBasis, closed: state.closedRealisedPnl, realised: realisedPnlOf(state) };
      bookTotals.set(state.holdings, t);
    }
    return t;
  }

  /** The newest risk of a portfolio, building its snapshot from the raw figures if not done yet. */
  function riskOf(slot: Slot): RiskSnapshot | undefined {
    const p = slot.pendingRisk;
    if (!p.ready) return slot.state.risk;
    p.ready = false;
    const out = p.out as RecalcOutput, state = p.state as PortfolioState;
    p.out = undefined; // the output's lazy fields are valid only until the next result
    p.state = undefined;
    const { costBasis, realised } = bookTotalsOf(state);
    const unrealised = out.marketValue - costBasis;
    const equity = state.cash + out.marketValue;
    const leverage = equity > 0 ? out.grossExposure / equity : out.grossExposure > 0 ? Number.POSITIVE_INFINITY : 0;
    const risk: RiskSnapshot = {
      portfolioId: out.portfolioId,
      seq: p.seq,
      tickTs: p.tickTs,
      computedMs: p.computedMs,
      greeks: out.greeks,
      byUnderlying: out.byUnderlying,
      marketValue: out.marketValue,
      equity,
      pnl: { realised, unrealised, total: realised + unrealised },
      var: { method: REALTIME_VAR_METHOD, confidence: calculator.varConfidence, value: out.var, esConfidence: calculator.esConfidence, es: out.es },
      margin: { method: 'span', requirement: p.margin, computedMs: p.marginMs === -Infinity ? 0 : p.marginMs },
      leverage,
      breaches: breachesOf({ byUnderlying: out.byUnderlying, var: out.var, leverage }, state.limits),
    };
    // The actor's last risk is a plain replacement of one field: storing it needs none of the
    // order logic of a transition. Results arrive on this thread between messages, so the actor's
    // one-message-at-a-time order holds.
    if (!slot.state.risk || slot.state.risk.seq < risk.seq) slot.state = { ...slot.state, risk };
    return risk;
  }

  function deliver(slot: Slot, msg: PortfolioMessage, done?: (events: readonly PortfolioEvent[]) => void, by?: string): boolean {
    const accepted = slot.mailbox.enqueue({ msg, ...(done ? { done } : {}), ...(by !== undefined ? { by } : {}) });
    if (!accepted) mailboxRejections++;
    return accepted;
  }

  /** Sends a message and resolves with the events it caused; `busy` when the mailbox is full. */
  function ask(portfolioId: string, msg: PortfolioMessage, by: string): Promise<readonly PortfolioEvent[] | 'busy' | 'unknown'> {
    const slot = slots.get(portfolioId);
    if (!slot) return Promise.resolve('unknown');
    return new Promise((resolve) => {
      if (!deliver(slot, msg, resolve, by)) resolve('busy');
    });
  }

  function toOutcome(result: readonly PortfolioEvent[] | 'busy' | 'unknown', portfolioId: string, clientOrderId?: string): OrderOutcome {
    const cid = clientOrderId !== undefined ? { clientOrderId } : {};
    if (result === 'unknown') return { kind: 'reject', code: 'UNKNOWN_PORTFOLIO', reason: `no portfolio ${portfolioId}`, ...cid };
    if (result === 'busy') return { kind: 'reject', code: 'MAILBOX_FULL', reason: `portfolio ${portfolioId} is busy: its mailbox is full, retry later`, ...cid };
    const rejected = result.find((e) => e.type === 'OrderRejected');
    if (rejected && rejected.type === 'OrderRejected') {
      return {
        kind: 'reject', code: rejected.code, reason: rejected.reason, ...(rejected.clientOrderId !== undefined ? { clientOrderId: rejected.clientOrderId } : cid),
        ...(rejected.orderId !== undefined ? { orderId: rejected.orderId } : {}),
      };
    }
    const failed = result.find((e) => e.type === 'ActorFailed');
    if (failed && failed.type === 'ActorFailed') return { kind: 'reject', code: 'INTERNAL_ERROR', reason: 'the portfolio actor failed and was restarted; the request had no effect', ...cid };
    let order: Order | undefined;
    const orderFills: Fill[] = [];
    for (const e of result) {
      if (e.type === 'OrderAccepted' || e.type === 'OrderReplaced' || e.type === 'OrderCancelled' || e.type === 'OrderTriggered') order ??= e.order;
      if (e.type === 'OrderFilled') { orderFills.push(e.fill); order = e.order; }
    }
    if (!order) return { kind: 'reject', code: 'INTERNAL_ERROR', reason: 'the request produced no order event', ...cid };
    return { kind: 'ack', order, fills: orderFills };
  }

  /**
   * The answer to a copy of an accepted order: that order as it is now and its fills. An order
   * that rested when the copy arrived is answered as it rested then (the copy's answer waited for
   * that state to be durable; a fill since may not be yet). A closed order no longer changes: it
   * comes from the history, or from the archive once the history has dropped it.
   */
  async function answerResent(e: Extract<PortfolioEvent, { type: 'OrderResent' }>): Promise<OrderOutcome> {
    if (e.open) return { kind: 'ack', order: e.open, fills: [] }; // fills are whole: an open order has none
    const { orderId, clientOrderId } = e.accepted;
    const known = history.get(orderId);
    const fills = history.fillsOf(orderId);
    if (known && known.status !== 'open' && (known.status !== 'filled' || fills.length > 0)) return { kind: 'ack', order: known, fills };
    let why = 'the engine no longer holds it in memory and has no archive';
    if (opts.orderArchive) {
      try {
        const stored = await opts.orderArchive.findOrder(orderId);
        if (stored) return { kind: 'ack', order: stored.order, fills: stored.fills };
        why = 'it is not readable from the database yet';
      } catch (err) {
        why = 'reading it from the database failed (logged)';
        log('warn', 'reading an order for a resent copy failed', { orderId, error: (err as Error).message });
      }
    }
    return {
      kind: 'reject', code: 'DUPLICATE_CLIENT_ORDER_ID', clientOrderId, orderId,
      reason: `clientOrderId ${clientOrderId} was already accepted as order ${orderId} with the same fields; it is not executed again, but its state cannot be given: ${why}`,
    };
  }

  /**
   * Per-unit mark of a holding at the last prices: the cost basis of a position booked without an
   * avgPrice, so that its unrealised P&L starts at zero. Valued at the clock's now, as the pool
   * values it (one time-to-expiry convention), so the first risk frame differs from it only by the
   * time decay between the two. Before its underlying's first tick there is no mark and the cost
   * basis is 0 (documented in docs/PROTOCOL.md).
   */
  function markOf(h: Holding): number {
    const u = underlyingOf(h.instrument);
    const spot = lastPrice.get(u);
    if (spot === undefined) return 0;
    const nowMs = clock.nowMs();
    const v = positionValue({ ...h, qty: 1, multiplier: 1 }, { asOf: isoDateOf(nowMs), valuationMs: nowMs, rate, spots: new Map([[u, spot]]) });
    return Number.isFinite(v) ? v : 0;
  }

  /** Gives a portfolio state its slot: a new portfolio, or one rebuilt from the database. */
  function adopt(state: PortfolioState): void {
    const slot = newSlot(state);
    slots.set(state.portfolioId, slot);
    reindex(slot);
    for (const h of state.holdings.values()) if (h.instrument.kind === 'option' && h.vol !== undefined) knownVols.set(h.instrument.symbol, h.vol);
    for (const o of state.openOrders.values()) remember(o);
    markDirty(slot);
  }

  for (const o of opts.history?.orders ?? []) remember(o);
  for (const f of (opts.history?.fills ?? []).slice(-historyLimit)) history.addFill(f);
  for (const state of opts.restore ?? []) adopt(state);

  /** What a tick the guard let through does: the last price, the market stream, the books that hold it. */
  function applyTick(symbol: string, price: number, ts: number): void {
    ticks++;
    lastPrice.set(symbol, price);
    const prevTs = lastTickTs.get(symbol);
    if (prevTs === undefined || ts > prevTs) lastTickTs.set(symbol, ts);
    emit({ type: 'tick', symbol, price, ts });
    const holders = index.holdersOf(symbol);
    for (let i = 0; i < holders.length; i++) {
      const slot = holders[i] as Slot;
      if (ts > slot.latestTickTs) slot.latestTickTs = ts;
      coalescer.markDirty(slot);
    }
    // Only portfolios with resting orders on this underlying need the tick itself (triggers and
    // crossings), and only when it leaves the band where none of their orders reacts; for the
    // rest a tick only makes their risk stale (above).
    const withOrders = bandHolders.get(symbol);
    if (withOrders !== undefined) {
      for (let i = 0; i < withOrders.length; i++) {
        const e = withOrders[i] as BandHolder;
        if (!isQuiet(e.band, price)) deliver(e.slot, { kind: 'MarketTick', symbol, price, ts });
      }
    }
    schedulePump();
  }

  /** Logs a held tick, at most once per symbol per HELD_TICK_LOG_EVERY_MS, with how many were not logged since. */
  function logHeldTick(symbol: string, price: number, ts: number): void {
    const skipped = tickGuard.takeLogSlot(symbol, HELD_TICK_LOG_EVERY_MS);
    if (skipped < 0) return;
    log('warn', 'tick held: it moves the price more than its band from the last accepted price; a second tick near it confirms it', {
      symbol, price, ts, lastPrice: lastPrice.get(symbol), maxJump: tickGuard.bandOf(symbol), heldNotLogged: skipped,
    });
  }

  const api: EngineApi = {
    createPortfolio(req: CreatePortfolioRequest, by: string): Outcome<{ portfolioId: string }> {
      if (slots.has(req.portfolioId)) return fail('PORTFOLIO_EXISTS', `portfolio ${req.portfolioId} already exists`);
      let limits: RiskLimits | undefined;
      if (req.limits) {
        const l = makeRiskLimits(req.limits);
        if (!l.ok) return fail('INVALID_LIMITS', l.errors.join('; '));
        limits = l.value;
      }
      const holdings: Holding[] = [];
      for (const [i, p] of (req.positions ?? []).entries()) {
        const instrument = instrumentOf(p.instrument);
        if (!instrument) return fail('INVALID_INSTRUMENT', `positions[${i}]: "${p.instrument}" is neither a ticker nor an OCC option symbol`);
        if (instrument.kind === 'option' && p.vol === undefined) return fail('MISSING_VOL', `positions[${i}]: option ${p.instrument} needs "vol"`);
        const terms = newHoldingTerms(instrument, p.vol);
        const holding: Holding = {
          instrument, qty: p.qty, ...terms,
          ...(p.multiplier !== undefined ? { multiplier: p.multiplier } : {}),
          ...(p.dividendYield !== undefined ? { dividendYield: p.dividendYield } : {}),
          avgPrice: p.avgPrice ?? 0, realisedPnl: 0,
        };
        holdings.push(p.avgPrice !== undefined ? holding : { ...holding, avgPrice: markOf(holding) });
        if (instrument.kind === 'option' && p.vol !== undefined) knownVols.set(instrument.symbol, p.vol);
      }
      let state: PortfolioState;
      try {
        state = createPortfolioState({ portfolioId: req.portfolioId, cash: req.cash, holdings, ...(limits ? { limits } : {}) });
      } catch (e) {
        return fail('INVALID_PORTFOLIO', (e as Error).message);
      }
      adopt(state);
      void journal?.record({ kind: 'created', state, by });
      log('debug', 'portfolio created', { portfolioId: req.portfolioId, by });
      return ok({ portfolioId: req.portfolioId });
    },

    getPortfolio(portfolioId: string): PortfolioView | undefined {
      const slot = slots.get(portfolioId);
      if (!slot) return undefined;
      riskOf(slot);
      const s = slot.state;
      return {
        portfolioId: s.portfolioId, cash: s.cash, holdings: [...s.holdings.values()], openOrders: [...s.openOrders.values()],
        limits: s.limits, tradingState: s.tradingState, ...(s.risk ? { risk: s.risk } : {}),
      };
    },

    listPortfolioIds: () => [...slots.keys()],
    hasPortfolio: (portfolioId) => slots.has(portfolioId),

    tick(symbol: string, price: number, ts: number): Outcome<TickStatus> {
      switch (tickGuard.check(symbol, price, ts)) {
        case 'price-invalid':
          return fail('TICK_PRICE_INVALID', `price must be a finite number > 0, got ${price}`);
        case 'clock-skew':
          return fail('TICK_CLOCK_SKEW', `ts ${ts} is not within ${tickGuard.maxSkewMs} ms of the engine clock (${clock.nowMs()})`);
        case 'held':
          logHeldTick(symbol, price, ts);
          return TICK_HELD;
        default:
          applyTick(symbol, price, ts);
          return TICK_ACCEPTED;
      }
    },

    heldTicks(): HeldTicksView {
      const { heldNow: _heldNow, ...counts } = tickGuard.counts();
      return { counts, symbols: tickGuard.view() };
    },

    setTickBand(symbol: string, maxJump: number | undefined, by: string): Outcome<TickBandChange> {
      if (maxJump !== undefined && !(maxJump > 0 && maxJump < Infinity)) return fail('INVALID_BAND', `maxJump must be a finite number > 0, got ${maxJump}`);
      const change = tickGuard.setBand(symbol, maxJump);
      if (change.released) applyTick(symbol, change.released.price, change.released.ts);
      void journal?.record({ kind: 'bandChanged', symbol, before: change.before, after: change.after, ...(change.released ? { released: change.released } : {}), by });
      log('info', 'tick band changed', { symbol, before: change.before, after: change.after, released: change.released ?? null, by });
      return ok({ symbol, maxJump: change.after, ...(change.released ? { released: change.released } : {}) });
    },

    async submitOrder(portfolioId, req, by) {
      const result = await ask(portfolioId, { kind: 'SubmitOrder', request: req, submittedBy: by }, by);
      const first = typeof result === 'string' ? undefined : result[0];
      if (first?.type === 'OrderResent') return answerResent(first);
      return toOutcome(result, portfolioId, req.clientOrderId);
    },
    async cancelOrder(portfolioId, orderId, by) {
      return toOutcome(await ask(portfolioId, { kind: 'CancelOrder', orderId }, by), portfolioId);
    },
    async replaceOrder(portfolioId, orderId, changes: ReplaceRequest, by) {
      return toOutcome(await ask(portfolioId, { kind: 'ReplaceOrder', orderId, ...changes }, by), portfolioId);
    },

    setLimits(portfolioId, partial, by) {
      const slot = slots.get(portfolioId);
      if (!slot) return fail('UNKNOWN_PORTFOLIO', `no portfolio ${portfolioId}`);
      const l = makeRiskLimits({ ...slot.state.limits, ...partial });
      if (!l.ok) return fail('INVALID_LIMITS', l.errors.join('; '));
      if (!deliver(slot, { kind: 'SetLimits', limits: l.value }, undefined, by)) return fail('MAILBOX_FULL', `portfolio ${portfolioId} is busy`);
      log('info', 'limits changed', { portfolioId, by });
      return ok(l.value);
    },

    setTradingState(portfolioId, state: TradingState, by) {
      const slot = slots.get(portfolioId);
      if (!slot) return fail('UNKNOWN_PORTFOLIO', `no portfolio ${portfolioId}`);
      if (!deliver(slot, { kind: 'SetTradingState', state }, undefined, by)) return fail('MAILBOX_FULL', `portfolio ${portfolioId} is busy`);
      log('info', 'trading state changed', { portfolioId, state, by });
      return ok(state);
    },

    getRisk(portfolioId) {
      const slot = slots.get(portfolioId);
      return slot ? riskOf(slot) : undefined;
    },
    listOrders: (portfolioId) => history.listOrders(portfolioId),
    getOrder: (orderId) => history.get(orderId),
    listFills: (portfolioId) => history.listFills(portfolioId),
    fillsOf: (orderId) => history.fillsOf(orderId),
    tradePage: (scope, from, limit) => history.page(scope, from, limit),

    durable: () => journal?.flush() ?? Promise.resolve(),

    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    stats(): EngineStats {
      return {
        portfolios: slots.size, ticks, recalculations, coalesced: coalescer.coalesced,
        pool: calculator.stats(), mailboxRejections, tickGuard: tickGuard.counts(),
      };
    },

    async close() {
      // Not waiting for the journal here: the owner of the journal decides how long a shutdown
      // may wait for it (engine.durable() first), and a database that is gone must not hang it.
      closed = true;
      listeners.clear();
      await calculator.close();
    },
  };
  return api;
}
