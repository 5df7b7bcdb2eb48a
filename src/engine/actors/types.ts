/**
 * The vocabulary of the real-time path, shared by the actors (src/engine/actors), the runtime that
 * routes to them (src/engine/runtime), the risk pool (src/workers) and the gateway (src/gateway).
 * Commands are verbs (SubmitOrder), events past tense (OrderFilled). All times are epoch
 * milliseconds (fractional allowed) unless a name says otherwise.
 */
import type { Instrument, Position } from '../portfolio/types.js';
import type { CoreGreeks } from '../pricing/types.js';
import type { RiskLimits } from '../limits/risk-limits.js';
import type { RateLimitState } from '../limits/rate-limit.js';
import type { KycGate } from '../limits/kyc-gate.js';
import type { TradingState, TradingStateReason, VarEstimator } from '../limits/types.js';
import type { RealtimeVarMethod } from '../risk/realtime-risk.js';
import type { ClientOrderIds } from './client-order-ids.js';

export type OrderSide = 'buy' | 'sell';
export type OrderType = 'market' | 'limit' | 'stop' | 'take_profit';
export type OrderStatus = 'open' | 'filled' | 'cancelled';

/**
 * The other side of a negotiated (OTC) or give-up trade, as the client names it; screened against
 * the sanctions list at the gateway before the order reaches the engine (gateway/counterparty-screening.ts).
 */
export interface Counterparty {
  /** As the client wrote it (1..200 characters). */
  readonly name: string;
  /** ISO 3166-1 alpha-2, upper case, when the client gives one: what the AML rule HIGH_RISK_COUNTRY reads. */
  readonly country?: string;
}

/** An order as a client asks for it (already validated at the edge). */
export interface OrderRequest {
  readonly clientOrderId: string;
  /** Ticker of an underlying, or OCC symbol of an option. */
  readonly instrument: string;
  readonly side: OrderSide;
  readonly qty: number;
  readonly orderType: OrderType;
  readonly limitPrice?: number;
  readonly stopPrice?: number;
  /** Absent for an exchange order; stored with the order and carried to its fills. */
  readonly counterparty?: Counterparty;
}

export interface Order extends OrderRequest {
  readonly orderId: string;
  readonly portfolioId: string;
  readonly parsed: Instrument;
  readonly status: OrderStatus;
  readonly filledQty: number;
  readonly createdMs: number;
  readonly updatedMs: number;
  /** Who sent it (JWT subject). */
  readonly submittedBy: string;
  /** Engine clock when a stop / take-profit trigger fired; absent until then (a stop-limit may rest after it). */
  readonly triggeredMs?: number;
}

export interface Fill {
  readonly fillId: string;
  readonly orderId: string;
  readonly clientOrderId: string;
  readonly portfolioId: string;
  readonly instrument: string;
  readonly side: OrderSide;
  readonly qty: number;
  readonly price: number;
  /** Engine clock when the fill happened. */
  readonly ts: number;
  /** The order's counterparty, when it named one. */
  readonly counterparty?: Counterparty;
}

/** A position with its cost basis, as an actor owns it. */
export interface Holding extends Position {
  /** Average open price per unit of the instrument (per share, or option premium per share). */
  readonly avgPrice: number;
  /** P&L realised by closing trades, currency. */
  readonly realisedPnl: number;
}

/**
 * A portfolio's or an underlying's Greeks: CoreGreeks (engine/pricing/types.ts, where the units are)
 * summed over positions, so delta is in shares and vega, thetaPerYear and rho in currency.
 */
export type GreekTotals = Readonly<CoreGreeks>;

export interface UnderlyingRisk extends GreekTotals {
  readonly spot: number;
  /** delta × spot, currency per 1.00 relative move. */
  readonly dollarDelta: number;
  /** gamma × spot², currency per (1.00 relative move)². */
  readonly dollarGamma: number;
}

export interface Breach {
  /** A reason code of src/engine/limits/reason-codes.ts. */
  readonly code: string;
  readonly detail: string;
}

/** The live risk of one portfolio, as streamed to subscribers. */
export interface RiskSnapshot {
  readonly portfolioId: string;
  /** Increases by one with every snapshot of this portfolio. */
  readonly seq: number;
  /** `ts` of the newest tick these figures include (0 before any tick). */
  readonly tickTs: number;
  readonly computedMs: number;
  readonly greeks: GreekTotals;
  readonly byUnderlying: Readonly<Record<string, UnderlyingRisk>>;
  readonly marketValue: number;
  readonly equity: number;
  readonly pnl: { readonly realised: number; readonly unrealised: number; readonly total: number };
  /**
   * One-day VaR and ES over the engine's scenario set, by the method the real-time kernel computes
   * (REALTIME_VAR_METHOD: delta-gamma, since the scenarios move prices only).
   */
  readonly var: { readonly method: RealtimeVarMethod; readonly confidence: number; readonly value: number; readonly esConfidence: number; readonly es: number };
  /** SPAN-like scenario-grid requirement, refreshed on a slower cadence (computedMs says when). */
  readonly margin: { readonly method: 'span'; readonly requirement: number; readonly computedMs: number };
  /** Gross exposure over equity. */
  readonly leverage: number;
  readonly breaches: readonly Breach[];
}

/** Everything one actor owns. Immutable: a transition returns a new state. */
export interface PortfolioState {
  readonly portfolioId: string;
  /**
   * The customer (user id) whose portfolio this is: the KYC gate asks about them, and a sanctions
   * block halts all their portfolios. Absent: a house or demo portfolio, never KYC-gated.
   */
  readonly ownerId?: string;
  readonly cash: number;
  /** By instrument symbol. */
  readonly holdings: ReadonlyMap<string, Holding>;
  /** Open (resting) orders by orderId. */
  readonly openOrders: ReadonlyMap<string, Order>;
  readonly limits: RiskLimits;
  readonly tradingState: TradingState;
  /** Why the trading state was last set; absent = MANUAL (never set, or set before reasons existed). */
  readonly tradingStateReason?: TradingStateReason;
  readonly rateLimits: RateLimitState;
  /** Next order and fill sequence numbers: ids are `${portfolioId}-o${n}` / `${portfolioId}-f${n}`. */
  readonly nextOrderSeq: number;
  readonly nextFillSeq: number;
  /** The newest risk snapshot read (the runtime's risk-snapshots.ts stores it; no transition does). */
  readonly risk?: RiskSnapshot;
  /** P&L realised by positions that were closed and left `holdings` (a flat position is removed). */
  readonly closedRealisedPnl?: number;
  /**
   * The clientOrderIds accepted (open orders, and those of the last window): a copy of an order is
   * answered from here, never executed again. Shared by successive states (see client-order-ids.ts);
   * absent until the first order.
   */
  readonly clientOrderIds?: ClientOrderIds;
}

/** The market as an actor reads it while handling one message. */
export interface MarketView {
  /** Continuous risk-free rate, per year. */
  readonly rate: number;
  /** ISO date (UTC) of the context's nowMs (option time to expiry runs from nowMs itself). */
  readonly asOf: string;
  /** Last price of an underlying ticker, undefined before its first tick. */
  spot(underlying: string): number | undefined;
  /** Implied vol of an option symbol (canonical OCC form), when a feed or surface gives one. */
  volOf?(symbol: string): number | undefined;
}

/** What a transition may read besides its state and message: the engine clock and the market. */
export interface ActorContext {
  /** Engine clock, epoch ms: the valuation instant of every option price the actor takes. */
  readonly nowMs: number;
  readonly market: MarketView;
  /** VaR of positions for the pre-trade VaR limit; required once a portfolio's maxVar is finite. */
  readonly varEstimator?: VarEstimator;
  /** How long an accepted clientOrderId is remembered at least, ms (default a day, client-order-ids.ts). */
  readonly clientOrderIdWindowMs?: number;
  /** KYC required: an owned portfolio whose owner it does not approve is reduce-only (KYC_REQUIRED). Absent: no KYC check. */
  readonly kycGate?: KycGate;
}

/** Commands to one portfolio actor. */
export type PortfolioMessage =
  | { readonly kind: 'SubmitOrder'; readonly request: OrderRequest; readonly submittedBy: string }
  | { readonly kind: 'CancelOrder'; readonly orderId: string }
  | { readonly kind: 'ReplaceOrder'; readonly orderId: string; readonly qty?: number; readonly limitPrice?: number; readonly stopPrice?: number }
  /** A new last price of an underlying ticker. */
  | { readonly kind: 'MarketTick'; readonly symbol: string; readonly price: number; readonly ts: number }
  | { readonly kind: 'SetLimits'; readonly limits: RiskLimits }
  | { readonly kind: 'SetTradingState'; readonly state: TradingState; readonly reason?: TradingStateReason };

/**
 * What a transition reports. Every change of PortfolioState emits one, so the events are the
 * persistence seam (accepted orders, fills and positions go to PostgreSQL from here).
 */
export type PortfolioEvent =
  | { readonly type: 'OrderAccepted'; readonly order: Order }
  | {
      readonly type: 'OrderRejected';
      readonly portfolioId: string;
      readonly clientOrderId?: string;
      readonly orderId?: string;
      /** A limits reason code as is, or an actor code of actors/reason-codes.ts. */
      readonly code: string;
      readonly reason: string;
    }
  | { readonly type: 'OrderFilled'; readonly fill: Fill; readonly order: Order }
  /**
   * A copy of an accepted order (same clientOrderId, same fields) arrived and was not executed
   * again. `accepted` is the order as first accepted; `open` is the order as it rests now, absent
   * once it is filled or cancelled (the runtime then answers from its history).
   */
  | { readonly type: 'OrderResent'; readonly accepted: Order; readonly open?: Order }
  | { readonly type: 'OrderCancelled'; readonly order: Order }
  | { readonly type: 'OrderReplaced'; readonly order: Order }
  /** A stop or take-profit trigger fired and the order did not fill on the same tick (a stop-limit now resting). */
  | { readonly type: 'OrderTriggered'; readonly order: Order }
  /** holding.qty is 0 when the position was closed (it then leaves state.holdings). */
  | { readonly type: 'PositionChanged'; readonly portfolioId: string; readonly holding: Holding; readonly cash: number }
  | { readonly type: 'LimitsChanged'; readonly portfolioId: string; readonly limits: RiskLimits }
  | {
      readonly type: 'TradingStateChanged';
      readonly portfolioId: string;
      readonly state: TradingState;
      readonly previous: TradingState;
      /** Why it was set (MANUAL unless the caller gave one), and why the previous one was. */
      readonly reason: TradingStateReason;
      readonly previousReason: TradingStateReason;
    }
  /** The transition threw; the state stayed as it was before the message. */
  | { readonly type: 'ActorFailed'; readonly portfolioId: string; readonly error: string };

export interface Transition {
  readonly state: PortfolioState;
  readonly events: readonly PortfolioEvent[];
}
