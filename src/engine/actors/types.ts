/**
 * The vocabulary of the real-time path, shared by the actors (src/engine/actors), the runtime that
 * routes to them (src/engine/runtime), the risk pool (src/workers) and the gateway (src/gateway).
 * Commands are verbs (SubmitOrder), events past tense (OrderFilled). All times are epoch
 * milliseconds (fractional allowed) unless a name says otherwise.
 */
import type { Instrument, Position } from '../portfolio/types.js';
import type { RiskLimits } from '../limits/risk-limits.js';
import type { RateLimitState } from '../limits/rate-limit.js';
import type { TradingState } from '../limits/types.js';

export type OrderSide = 'buy' | 'sell';
export type OrderType = 'market' | 'limit' | 'stop' | 'take_profit';
export type OrderStatus = 'open' | 'filled' | 'cancelled';

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
}

/** A position with its cost basis, as an actor owns it. */
export interface Holding extends Position {
  /** Average open price per unit of the instrument (per share, or option premium per share). */
  readonly avgPrice: number;
  /** P&L realised by closing trades, currency. */
  readonly realisedPnl: number;
}

export interface GreekTotals {
  /** Units of the underlying (shares): option delta × qty × multiplier, plus stock quantity. */
  readonly delta: number;
  readonly gamma: number;
  /** Per 1.00 of vol, currency. */
  readonly vega: number;
  /** Per year of calendar time, currency. */
  readonly theta: number;
  /** Per 1.00 of rate, currency. */
  readonly rho: number;
}

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
  /** One-day delta-gamma-vega VaR and ES over the engine's scenario set. */
  readonly var: { readonly method: 'dgv'; readonly confidence: number; readonly value: number; readonly es: number };
  /** SPAN-like scenario-grid requirement, refreshed on a slower cadence (computedMs says when). */
  readonly margin: { readonly method: 'span'; readonly requirement: number; readonly computedMs: number };
  /** Gross exposure over equity. */
  readonly leverage: number;
  readonly breaches: readonly Breach[];
}

/** Everything one actor owns. Immutable: a transition returns a new state. */
export interface PortfolioState {
  readonly portfolioId: string;
  readonly cash: number;
  /** By instrument symbol. */
  readonly holdings: ReadonlyMap<string, Holding>;
  /** Open (resting) orders by orderId. */
  readonly openOrders: ReadonlyMap<string, Order>;
  readonly limits: RiskLimits;
  readonly tradingState: TradingState;
  readonly rateLimits: RateLimitState;
  /** Next order and fill sequence numbers: ids are `${portfolioId}-o${n}` / `${portfolioId}-f${n}`. */
  readonly nextOrderSeq: number;
  readonly nextFillSeq: number;
  readonly risk?: RiskSnapshot;
}
