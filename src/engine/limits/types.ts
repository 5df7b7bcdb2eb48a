import type { ExerciseStyle } from '../pricing/types.js';
import type { Instrument, MarketSnapshot, Position } from '../portfolio/types.js';
import type { RiskLimits } from './risk-limits.js';

export type OrderSide = 'buy' | 'sell';
export type OrderType = 'market' | 'limit' | 'stop' | 'take_profit';

/** The order as the pre-trade checks see it (the instrument is already parsed). */
export interface Order {
  readonly portfolioId: string;
  readonly instrument: Instrument;
  readonly side: OrderSide;
  /** Shares or contracts, > 0. */
  readonly qty: number;
  readonly orderType: OrderType;
  readonly limitPrice?: number;
  readonly stopPrice?: number;
}

/** What the order asks for: a new order, a replacement of an open one, or a cancel. */
export type OrderAction = 'submit' | 'modify' | 'cancel';

/** 'reducing' accepts only orders that shrink the position they touch; 'halted' is the kill switch. */
export type TradingState = 'active' | 'reducing' | 'halted';

/**
 * Why a portfolio's trading state was set: MANUAL (an operator's decision, the default) or
 * SANCTIONS (a sanctions screening blocked the owner). Stored and shown with the state, and named
 * in a TRADING_HALTED reject; like reason codes, a value never changes meaning once released.
 */
export const TRADING_STATE_REASONS = ['MANUAL', 'SANCTIONS'] as const;
export type TradingStateReason = (typeof TRADING_STATE_REASONS)[number];

export interface PortfolioState {
  readonly portfolioId: string;
  readonly cash: number;
  readonly positions: readonly Position[];
}

/** How a position in an instrument not yet held would be valued. */
export interface PositionTerms {
  readonly multiplier: number;
  readonly vol?: number;
  readonly dividendYield: number;
  readonly style: ExerciseStyle;
}

/** Portfolio VaR (positive = loss, currency) of a set of positions; injected by the caller. */
export type VarEstimator = (positions: readonly Position[], market: MarketSnapshot) => number;

/** Everything a single order check may read. */
export interface OrderContext {
  readonly portfolio: PortfolioState;
  readonly market: MarketSnapshot;
  readonly order: Order;
  readonly limits: RiskLimits;
  /** Last or model price per unit, keyed by instrument symbol; falls back to spot / model price. */
  readonly referencePrices?: ReadonlyMap<string, number>;
  /** Terms of an instrument not yet held (an option needs at least its vol). */
  readonly termsOf?: (instrument: Instrument) => PositionTerms | undefined;
  readonly varEstimator?: VarEstimator;
}

export const signOf = (side: OrderSide): 1 | -1 => (side === 'buy' ? 1 : -1);
