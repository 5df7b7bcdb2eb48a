/**
 * The portfolio actor as a pure transition: `handlePortfolioMessage(state, msg, ctx) → { state, events }`.
 * It owns one portfolio's cash, holdings, open orders, limits and last risk; it checks orders with
 * the pre-trade limits and fills them against the live market (a simulated execution venue, since
 * this engine is the risk layer in front of execution and must know every position).
 *
 * Conventions:
 * - Fills are whole: an order fills its full qty at one price, never partially.
 * - Option prices are the model price (optionPrice with the holding's vol, else ctx.market.volOf,
 *   the underlying's last price, t from ctx.nowMs to the expiry instant: market/time-to-expiry.ts).
 * - A new holding takes multiplier 100 for an option, 1 for an underlying, dividend yield 0 and
 *   European style (see position-update.ts).
 * - Holdings and fills use the canonical OCC symbol of an option; a flat position leaves `holdings`
 *   and its realised P&L moves to `closedRealisedPnl`.
 * - Orders are tried against the last price at once when accepted or replaced, so a stop whose
 *   trigger is already met fires at once, and a limit that already crosses fills at the last price.
 * - While trading is halted resting orders neither trigger nor fill; while reduce-only only those
 *   that reduce the position do. Cancels always pass.
 * - KYC (ctx.kycGate, when KYC is required): a portfolio whose owner is not approved is reduce-only
 *   for new orders, replacements and resting orders alike (KYC_REQUIRED). A portfolio without an
 *   owner is a house or demo portfolio and is never gated.
 * - A clientOrderId is accepted once per portfolio (client-order-ids.ts): a copy with the same
 *   fields is answered with the original order (OrderResent), one with other fields is rejected
 *   DUPLICATE_CLIENT_ORDER_ID; either before any other check and without a rate slot, since it
 *   is not a new order. Rejected orders leave no trace: their id may be sent again.
 */
import { preTradeCheck, type PreTradeOutcome } from '../limits/pre-trade.js';
import { EMPTY_RATE_LIMIT_STATE } from '../limits/rate-limit.js';
import { DEFAULT_RISK_LIMITS, type RiskLimits } from '../limits/risk-limits.js';
import { checkTradingState, reducesPosition } from '../limits/trading-state.js';
import { type Order as LimitsOrder, type OrderAction, type PositionTerms, signOf, type TradingState, type TradingStateReason } from '../limits/types.js';
import { checkOrderValid } from '../limits/validate-order.js';
import { formatOccSymbol } from '../instruments/occ-symbol.js';
import { isoToEpochDay } from '../market/dates.js';
import { timeToExpiryYears } from '../market/time-to-expiry.js';
import { type Instrument, underlyingOf } from '../portfolio/types.js';
import { optionPrice } from '../pricing/option-pricer.js';
import { CLIENT_ORDER_IDS_DEFAULTS, ClientOrderIds, orderFieldDifferences, sameOrderFields } from './client-order-ids.js';
import { invalidPortfolioInit, malformedTick, unknownMessage } from './errors.js';
import { instrumentOf } from './instrument-symbol.js';
import { orderIdOf } from './order-id.js';
import { matchOrder } from './order-matching.js';
import { applyFill, newHoldingTerms } from './position-update.js';
import type { ActorContext, Fill, Holding, Order, OrderRequest, PortfolioEvent, PortfolioMessage, PortfolioState, Transition } from './types.js';

export interface PortfolioInit {
  readonly portfolioId: string;
  /** The customer's user id (see PortfolioState.ownerId); absent for a house or demo portfolio. */
  readonly ownerId?: string;
  readonly cash: number;
  readonly holdings?: readonly Holding[];
  readonly limits?: RiskLimits;
  readonly tradingState?: TradingState;
  readonly tradingStateReason?: TradingStateReason;
  /** Sequence numbers to continue from when a portfolio is rebuilt from storage (default 1). */
  readonly nextOrderSeq?: number;
  readonly nextFillSeq?: number;
  /** Orders whose clientOrderIds are remembered (recovery: open and recent ones), in acceptance order. */
  readonly acceptedOrders?: Iterable<Order>;
}

export function createPortfolioState(init: PortfolioInit): PortfolioState {
  if (!(typeof init.portfolioId === 'string' && init.portfolioId.length > 0)) throw invalidPortfolioInit('portfolioId must be a non-empty string');
  if (!Number.isFinite(init.cash)) throw invalidPortfolioInit(`cash must be a finite number, got ${init.cash}`);
  if (init.ownerId !== undefined && !(typeof init.ownerId === 'string' && init.ownerId.length > 0)) throw invalidPortfolioInit('ownerId must be a non-empty string when given');
  const holdings = new Map<string, Holding>();
  for (const h of init.holdings ?? []) {
    const symbol = h.instrument.kind === 'option' ? formatOccSymbol(h.instrument) : h.instrument.symbol;
    if (holdings.has(symbol)) throw invalidPortfolioInit(`two holdings of ${symbol}`);
    if (!Number.isFinite(h.qty)) throw invalidPortfolioInit(`holding ${symbol}: qty must be finite, got ${h.qty}`);
    if (h.qty !== 0) holdings.set(symbol, symbol === h.instrument.symbol ? h : { ...h, instrument: { ...h.instrument, symbol } });
  }
  return {
    portfolioId: init.portfolioId,
    ...(init.ownerId !== undefined ? { ownerId: init.ownerId } : {}),
    cash: init.cash,
    holdings,
    openOrders: new Map(),
    limits: init.limits ?? DEFAULT_RISK_LIMITS,
    tradingState: init.tradingState ?? 'active',
    ...(init.tradingStateReason !== undefined ? { tradingStateReason: init.tradingStateReason } : {}),
    rateLimits: EMPTY_RATE_LIMIT_STATE,
    nextOrderSeq: init.nextOrderSeq ?? 1,
    nextFillSeq: init.nextFillSeq ?? 1,
    closedRealisedPnl: 0,
    clientOrderIds: new ClientOrderIds(init.acceptedOrders),
  };
}

/** Realised P&L of the portfolio: closed positions plus the realised part of open ones. */
export function realisedPnlOf(state: PortfolioState): number {
  let total = state.closedRealisedPnl ?? 0;
  for (const h of state.holdings.values()) total += h.realisedPnl;
  return total;
}

export function handlePortfolioMessage(state: PortfolioState, msg: PortfolioMessage, ctx: ActorContext): Transition {
  switch (msg.kind) {
    case 'SubmitOrder':
      return submitOrder(state, msg.request, msg.submittedBy, ctx);
    case 'CancelOrder':
      return cancelOrder(state, msg.orderId, ctx);
    case 'ReplaceOrder':
      return replaceOrder(state, msg, ctx);
    case 'MarketTick':
      return marketTick(state, msg.symbol, msg.price, ctx);
    case 'SetLimits':
      return { state: { ...state, limits: msg.limits }, events: [{ type: 'LimitsChanged', portfolioId: state.portfolioId, limits: msg.limits }] };
    case 'SetTradingState': {
      const reason = msg.reason ?? 'MANUAL';
      return {
        state: { ...state, tradingState: msg.state, tradingStateReason: reason },
        events: [{
          type: 'TradingStateChanged', portfolioId: state.portfolioId, state: msg.state, previous: state.tradingState,
          reason, previousReason: state.tradingStateReason ?? 'MANUAL',
        }],
      };
    }
    default:
      throw unknownMessage((msg as { kind?: unknown }).kind);
  }
}

// ---- restart ----

export type PortfolioHandler = (state: PortfolioState, msg: PortfolioMessage, ctx: ActorContext) => Transition;

/**
 * Runs a transition so that a throw restarts the actor from its last consistent state. States are
 * immutable, so that state is simply the input: the result is the unchanged state plus ActorFailed
 * (for the runtime to log) and, for an order command, an OrderRejected 'ACTOR_FAILED' so the client
 * still gets its answer. Other portfolios are untouched: each actor has its own state.
 * `handle` is injectable so tests (and a future supervisor) can wrap another transition.
 */
export function safeHandle(
  state: PortfolioState,
  msg: PortfolioMessage,
  ctx: ActorContext,
  handle: PortfolioHandler = handlePortfolioMessage,
): Transition {
  try {
    return handle(state, msg, ctx);
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    const events: PortfolioEvent[] = [{ type: 'ActorFailed', portfolioId: state.portfolioId, error }];
    const reject = (ids: { clientOrderId?: string; orderId?: string }): PortfolioEvent => ({
      type: 'OrderRejected',
      portfolioId: state.portfolioId,
      ...ids,
      code: 'ACTOR_FAILED',
      reason: `the portfolio actor failed on this request and kept its previous state: ${error}`,
    });
    if (msg.kind === 'SubmitOrder') events.push(reject({ clientOrderId: msg.request.clientOrderId }));
    else if (msg.kind === 'CancelOrder' || msg.kind === 'ReplaceOrder') events.push(reject({ orderId: msg.orderId }));
    return { state, events };
  }
}

// ---- the parts of a state a transition changes, mutable while one message is handled ----

interface Draft {
  cash: number;
  readonly holdings: Map<string, Holding>;
  readonly openOrders: Map<string, Order>;
  nextFillSeq: number;
  closedRealisedPnl: number;
  readonly events: PortfolioEvent[];
}

const draftOf = (s: PortfolioState, events: PortfolioEvent[] = []): Draft => ({
  cash: s.cash,
  holdings: new Map(s.holdings),
  openOrders: new Map(s.openOrders),
  nextFillSeq: s.nextFillSeq,
  closedRealisedPnl: s.closedRealisedPnl ?? 0,
  events,
});

const commit = (s: PortfolioState, d: Draft): Transition => ({
  state: { ...s, cash: d.cash, holdings: d.holdings, openOrders: d.openOrders, nextFillSeq: d.nextFillSeq, closedRealisedPnl: d.closedRealisedPnl },
  events: d.events,
});

type SpotOf = (underlying: string) => number | undefined;

/** Last price of an instrument: the stock's last price, or an option's model price; undefined when it cannot be priced. */
function priceOf(i: Instrument, held: Holding | undefined, spotOf: SpotOf, ctx: ActorContext): number | undefined {
  const spot = spotOf(underlyingOf(i));
  if (spot === undefined || i.kind === 'underlying') return spot;
  const vol = held?.vol ?? ctx.market.volOf?.(i.symbol);
  if (vol === undefined) return undefined;
  // Expired before today's date: nothing left to trade (checkOrderValid's rule). On its expiry
  // date an option still trades, at intrinsic value once its expiry instant has passed.
  if (!(isoToEpochDay(i.expiry) >= isoToEpochDay(ctx.market.asOf))) return undefined;
  const tYears = timeToExpiryYears(ctx.nowMs, i.expiry);
  const price = optionPrice(
    { type: i.type, spot, strike: i.strike, tYears, rate: ctx.market.rate, dividendYield: held?.dividendYield ?? 0, vol },
    held?.style ?? 'european',
  );
  return Number.isFinite(price) ? price : undefined;
}

/** Why an instrument cannot be priced now, as an actor reason code, or null when it can. */
function unpriceable(i: Instrument, held: Holding | undefined, ctx: ActorContext): { code: string; reason: string } | null {
  const u = underlyingOf(i);
  if (ctx.market.spot(u) === undefined) return { code: 'NO_MARKET', reason: `no last price for ${u} yet` };
  if (i.kind === 'option' && (held?.vol ?? ctx.market.volOf?.(i.symbol)) === undefined) {
    return { code: 'NO_VOL', reason: `no implied vol for option ${i.symbol}: not held and the market gives none` };
  }
  return null;
}

/** Spread in place of an absent optional field: a shared object, so an order without one allocates nothing for it. */
const NO_FIELDS: Readonly<Record<string, never>> = Object.freeze({});

type OrderTerms = Pick<OrderRequest, 'side' | 'qty' | 'orderType' | 'limitPrice' | 'stopPrice'>;

/** Side, quantity, type and the prices it has (an absent price is no key: orders are compared and sent as plain data). */
const termsOf = (o: OrderTerms): OrderTerms => ({
  side: o.side,
  qty: o.qty,
  orderType: o.orderType,
  ...(o.limitPrice !== undefined ? { limitPrice: o.limitPrice } : {}),
  ...(o.stopPrice !== undefined ? { stopPrice: o.stopPrice } : {}),
});

const toLimitsOrder = (portfolioId: string, o: OrderTerms & Pick<Order, 'parsed'>): LimitsOrder => ({
  portfolioId,
  instrument: o.parsed,
  ...termsOf(o),
});

/**
 * Whether the KYC gate lets the portfolio take on new positions: no gate (KYC not required), no
 * owner (a house or demo portfolio), or an approved owner. One lookup, no allocation.
 */
function kycApproved(state: PortfolioState, ctx: ActorContext): boolean {
  const gate = ctx.kycGate;
  const owner = state.ownerId;
  return gate === undefined || owner === undefined || gate.isApproved(owner);
}

function runPreTrade(state: PortfolioState, order: LimitsOrder, action: OrderAction, ctx: ActorContext): PreTradeOutcome {
  const positions = Array.from(state.holdings.values());
  const spots = new Map<string, number>();
  const addSpot = (u: string) => {
    const s = ctx.market.spot(u);
    if (s !== undefined) spots.set(u, s);
  };
  for (const h of positions) addSpot(underlyingOf(h.instrument));
  addSpot(underlyingOf(order.instrument));
  const termsOf = (i: Instrument): PositionTerms | undefined => {
    const vol = i.kind === 'option' ? ctx.market.volOf?.(i.symbol) : undefined;
    return i.kind === 'option' && vol === undefined ? undefined : newHoldingTerms(i, vol);
  };
  return preTradeCheck({
    action,
    order,
    portfolio: { portfolioId: state.portfolioId, cash: state.cash, positions },
    market: { asOf: ctx.market.asOf, valuationMs: ctx.nowMs, rate: ctx.market.rate, spots },
    limits: state.limits,
    tradingState: state.tradingState,
    // Plain fields, no conditional spread: the order path allocates nothing for them.
    tradingStateReason: state.tradingStateReason,
    kycApproved: kycApproved(state, ctx),
    rateLimits: state.rateLimits,
    nowMs: ctx.nowMs,
    termsOf,
    ...(ctx.varEstimator ? { varEstimator: ctx.varEstimator } : {}),
  });
}

/** Fills an order in full at price: position, cash, fill id; the order leaves the open orders. */
function fillOrder(d: Draft, order: Order, price: number, ctx: ActorContext): void {
  const symbol = order.parsed.symbol;
  const signedQty = signOf(order.side) * order.qty;
  const before: Holding = d.holdings.get(symbol) ?? {
    instrument: order.parsed,
    qty: 0,
    ...newHoldingTerms(order.parsed, ctx.market.volOf?.(symbol)),
    avgPrice: 0,
    realisedPnl: 0,
  };
  const after = applyFill(before, signedQty, price);
  d.cash -= signedQty * after.multiplier * price;
  if (after.qty === 0) {
    d.holdings.delete(symbol);
    d.closedRealisedPnl += after.realisedPnl;
  } else d.holdings.set(symbol, after);
  d.openOrders.delete(order.orderId);
  const fill: Fill = {
    fillId: `${order.portfolioId}-f${d.nextFillSeq}`,
    orderId: order.orderId,
    clientOrderId: order.clientOrderId,
    portfolioId: order.portfolioId,
    instrument: symbol,
    side: order.side,
    qty: order.qty,
    price,
    ts: ctx.nowMs,
    ...(order.counterparty !== undefined ? { counterparty: order.counterparty } : NO_FIELDS),
  };
  d.nextFillSeq++;
  const needsTrigger = (order.orderType === 'stop' || order.orderType === 'take_profit') && order.triggeredMs === undefined;
  const filled: Order = {
    ...order,
    status: 'filled',
    filledQty: order.qty,
    updatedMs: ctx.nowMs,
    ...(needsTrigger ? { triggeredMs: ctx.nowMs } : {}),
  };
  d.events.push({ type: 'OrderFilled', fill, order: filled }, { type: 'PositionChanged', portfolioId: order.portfolioId, holding: after, cash: d.cash });
}

/** Tries an open order against the last price: it fills, fires its trigger, or rests (stays open). */
function work(d: Draft, order: Order, spotOf: SpotOf, ctx: ActorContext): void {
  const price = priceOf(order.parsed, d.holdings.get(order.parsed.symbol), spotOf, ctx);
  if (price === undefined) {
    d.openOrders.set(order.orderId, order);
    return;
  }
  const m = matchOrder(order, price);
  if (m.kind === 'fill') return fillOrder(d, order, m.price, ctx);
  if (m.kind === 'trigger') {
    const triggered: Order = { ...order, triggeredMs: ctx.nowMs, updatedMs: ctx.nowMs };
    d.openOrders.set(order.orderId, triggered);
    d.events.push({ type: 'OrderTriggered', order: triggered });
    return;
  }
  d.openOrders.set(order.orderId, order);
}

/** The answer to a clientOrderId already accepted: that order again for a copy, else a reject naming it. */
function repeated(state: PortfolioState, accepted: Order, request: OrderRequest): Transition {
  if (sameOrderFields(accepted, request)) {
    const open = state.openOrders.get(accepted.orderId);
    return { state, events: [open ? { type: 'OrderResent', accepted, open } : { type: 'OrderResent', accepted }] };
  }
  return {
    state,
    events: [{
      type: 'OrderRejected', portfolioId: state.portfolioId, clientOrderId: request.clientOrderId, orderId: accepted.orderId, code: 'DUPLICATE_CLIENT_ORDER_ID',
      reason: `clientOrderId ${request.clientOrderId} was already accepted as order ${accepted.orderId} with other fields: ${orderFieldDifferences(accepted, request)}`,
    }],
  };
}

function submitOrder(state: PortfolioState, request: OrderRequest, submittedBy: string, ctx: ActorContext): Transition {
  const portfolioId = state.portfolioId;
  const sinceMs = ctx.nowMs - (ctx.clientOrderIdWindowMs ?? CLIENT_ORDER_IDS_DEFAULTS.windowMs);
  const seen = state.clientOrderIds?.find(request.clientOrderId, sinceMs, state.openOrders);
  if (seen !== undefined) return repeated(state, seen, request);
  const rejected = (code: string, reason: string, s = state): Transition => ({
    state: s,
    events: [{ type: 'OrderRejected', portfolioId, clientOrderId: request.clientOrderId, code, reason }],
  });
  const parsed = instrumentOf(request.instrument);
  if (!parsed) {
    return rejected('INVALID_ORDER', `instrument "${request.instrument}" is neither a ticker (e.g. "ORCL") nor an OCC option symbol (e.g. "ORCL  150320P00040000")`);
  }
  const order: Order = {
    clientOrderId: request.clientOrderId,
    instrument: request.instrument,
    ...termsOf(request),
    ...(request.counterparty !== undefined ? { counterparty: request.counterparty } : NO_FIELDS),
    orderId: orderIdOf(portfolioId, state.nextOrderSeq),
    portfolioId,
    parsed,
    status: 'open',
    filledQty: 0,
    createdMs: ctx.nowMs,
    updatedMs: ctx.nowMs,
    submittedBy,
  };
  const limitsOrder = toLimitsOrder(portfolioId, order);
  // Shape first, so a malformed order is told so whatever the market; these take no rate slot.
  const invalid = checkOrderValid(limitsOrder, portfolioId, ctx.market.asOf);
  if (invalid) return rejected(invalid.code, invalid.message);
  const noPrice = unpriceable(parsed, state.holdings.get(parsed.symbol), ctx);
  if (noPrice) return rejected(noPrice.code, noPrice.reason);

  const check = runPreTrade(state, limitsOrder, 'submit', ctx);
  const checked: PortfolioState = { ...state, rateLimits: check.rateLimits };
  if (!check.result.ok) return rejected(check.result.code, check.result.message, checked);

  const d = draftOf(checked, [{ type: 'OrderAccepted', order }]);
  work(d, order, (u) => ctx.market.spot(u), ctx);
  const ids = state.clientOrderIds ?? new ClientOrderIds();
  const t = commit({ ...checked, nextOrderSeq: state.nextOrderSeq + 1, clientOrderIds: ids }, d);
  // Last, once nothing can throw: the shared memory must not hold an order whose transition failed.
  ids.add(order, sinceMs, t.state.openOrders);
  return t;
}

function unknownOrder(state: PortfolioState, orderId: string, what: string): Transition {
  return {
    state,
    events: [{ type: 'OrderRejected', portfolioId: state.portfolioId, orderId, code: 'UNKNOWN_ORDER', reason: `${what}: no open order ${orderId} in portfolio ${state.portfolioId}` }],
  };
}

function cancelOrder(state: PortfolioState, orderId: string, ctx: ActorContext): Transition {
  const open = state.openOrders.get(orderId);
  if (!open) return unknownOrder(state, orderId, 'cancel');
  const cancelled: Order = { ...open, status: 'cancelled', updatedMs: ctx.nowMs };
  const openOrders = new Map(state.openOrders);
  openOrders.delete(orderId);
  return { state: { ...state, openOrders }, events: [{ type: 'OrderCancelled', order: cancelled }] };
}

function replaceOrder(state: PortfolioState, msg: Extract<PortfolioMessage, { kind: 'ReplaceOrder' }>, ctx: ActorContext): Transition {
  const open = state.openOrders.get(msg.orderId);
  if (!open) return unknownOrder(state, msg.orderId, 'replace');
  const rejected = (code: string, reason: string, s = state): Transition => ({
    state: s,
    events: [{ type: 'OrderRejected', portfolioId: state.portfolioId, clientOrderId: open.clientOrderId, orderId: open.orderId, code, reason }],
  });
  const replaced: Order = {
    ...open,
    qty: msg.qty ?? open.qty,
    ...(msg.limitPrice !== undefined ? { limitPrice: msg.limitPrice } : {}),
    ...(msg.stopPrice !== undefined ? { stopPrice: msg.stopPrice } : {}),
    updatedMs: ctx.nowMs,
  };
  const limitsOrder = toLimitsOrder(state.portfolioId, replaced);
  const invalid = checkOrderValid(limitsOrder, state.portfolioId, ctx.market.asOf);
  if (invalid) return rejected(invalid.code, invalid.message);
  const noPrice = unpriceable(replaced.parsed, state.holdings.get(replaced.parsed.symbol), ctx);
  if (noPrice) return rejected(noPrice.code, noPrice.reason);

  const check = runPreTrade(state, limitsOrder, 'modify', ctx);
  const checked: PortfolioState = { ...state, rateLimits: check.rateLimits };
  if (!check.result.ok) return rejected(check.result.code, check.result.message, checked);

  const d = draftOf(checked, [{ type: 'OrderReplaced', order: replaced }]);
  work(d, replaced, (u) => ctx.market.spot(u), ctx);
  return commit(checked, d);
}

function marketTick(state: PortfolioState, symbol: string, price: number, ctx: ActorContext): Transition {
  if (!(Number.isFinite(price) && price > 0)) throw malformedTick(symbol, price);
  // The tick's price wins over the view, whichever the runtime updated first.
  const spotOf: SpotOf = (u) => (u === symbol ? price : ctx.market.spot(u));
  let d: Draft | undefined;
  // An owner whose KYC is not approved (or no longer is) gets no new position from a resting order either.
  const kycBlocked = !kycApproved(state, ctx);
  for (const order of state.openOrders.values()) {
    if (underlyingOf(order.parsed) !== symbol) continue;
    if (state.tradingState !== 'active' || kycBlocked) {
      const held = (d?.holdings ?? state.holdings).get(order.parsed.symbol)?.qty ?? 0;
      const signedQty = signOf(order.side) * order.qty;
      if (state.tradingState !== 'active' && checkTradingState(state.tradingState, 'submit', held, signedQty)) continue;
      if (kycBlocked && !reducesPosition(held, signedQty)) continue;
    }
    // Most ticks move no order: price it against the state as it stands and draft a new state
    // only for an order the price fills or triggers (a draft copies the portfolio's maps).
    if (d === undefined) {
      const price = priceOf(order.parsed, state.holdings.get(order.parsed.symbol), spotOf, ctx);
      if (price === undefined || matchOrder(order, price).kind === 'rest') continue;
      d = draftOf(state);
    }
    work(d, order, spotOf, ctx);
  }
  if (!d || d.events.length === 0) return { state, events: [] };
  return commit(state, d);
}
