/**
 * What the gateway (and the CLI's serve) may ask of the engine. The gateway decodes, validates and
 * authorises; then it calls one of these and encodes the answer. No arithmetic happens at the edge.
 */
import type { Fill, Holding, Order, OrderRequest, RiskSnapshot } from '../actors/types.js';
import type { RiskLimits } from '../limits/risk-limits.js';
import type { TradingState, TradingStateReason } from '../limits/types.js';
import type { HeldTickCounts, SymbolGuardView } from '../market/tick-guard.js';
import type { Failure, Result } from '../result.js';
import type { RiskCalculatorStats } from './risk-calculator.js';
import type { TradePage } from './trade-history.js';

/**
 * The answer to an order, cancel or replace. `fills` are the fills it caused at once (market
 * orders). A reject is the engine's one failure shape (result.ts) with the ids it is about.
 */
export type OrderOutcome =
  | { readonly ok: true; readonly kind: 'ack'; readonly order: Order; readonly fills: readonly Fill[] }
  /** `orderId`: the order a reject is about (a cancel's, or the one a DUPLICATE_CLIENT_ORDER_ID names). */
  | (Failure & { readonly kind: 'reject'; readonly clientOrderId?: string; readonly orderId?: string });

export interface CreatePortfolioRequest {
  readonly portfolioId: string;
  /**
   * The customer's user id. An owned portfolio is KYC-gated (EngineOptions.kycGate) and halted with
   * its owner (haltOwner); without one it is a house or demo portfolio, never gated.
   */
  readonly ownerId?: string;
  readonly cash: number;
  readonly positions?: readonly { readonly instrument: string; readonly qty: number; readonly vol?: number; readonly multiplier?: number; readonly dividendYield?: number; readonly avgPrice?: number }[];
  readonly limits?: Partial<RiskLimits>;
}

export interface PortfolioView {
  readonly portfolioId: string;
  /** Present when the portfolio has an owner (a customer's user id). */
  readonly ownerId?: string;
  readonly cash: number;
  readonly holdings: readonly Holding[];
  readonly openOrders: readonly Order[];
  readonly limits: RiskLimits;
  readonly tradingState: TradingState;
  /** Why trading is restricted (MANUAL, SANCTIONS); present while the state is not `active`. */
  readonly tradingStateReason?: TradingStateReason;
  readonly risk?: RiskSnapshot;
}

/** What haltOwner did: the owner's portfolios, each now halted. */
export interface OwnerHalt {
  readonly ownerId: string;
  readonly portfolioIds: readonly string[];
}

export interface ReplaceRequest {
  readonly qty?: number;
  readonly limitPrice?: number;
  readonly stopPrice?: number;
}

/** Events the engine pushes to the gateway, which fans them out to subscribed connections. */
export type EngineEvent =
  /**
   * A portfolio's figures changed. `risk` is built on first read: most portfolios have no
   * subscriber at a given moment, and building a snapshot for each of tens of thousands of
   * recalculations a second would cost the event loop more than the routing itself. Check
   * `portfolioId` first and read `risk` only when someone wants it. The engine emits the same
   * event object for every result of a portfolio; `risk` is always its newest snapshot.
   */
  | { readonly type: 'risk'; readonly portfolioId: string; readonly risk: RiskSnapshot }
  | { readonly type: 'fill'; readonly fill: Fill }
  | { readonly type: 'order'; readonly order: Order }
  | { readonly type: 'tick'; readonly symbol: string; readonly price: number; readonly ts: number };

/**
 * What became of a tick the engine took (market/tick-guard.ts): `accepted` (applied), or `held`
 * (a jump beyond the symbol's band, applied only once confirmed). Refused ticks are Result failures.
 */
export type TickStatus = 'accepted' | 'held';

/** GET /market/held: the totals and every symbol that has held a tick or has its own band. */
export interface HeldTicksView {
  readonly counts: HeldTickCounts & { readonly refused: number };
  readonly symbols: readonly SymbolGuardView[];
}

export interface TickBandChange {
  readonly symbol: string;
  readonly maxJump: number;
  /** The held tick the new band covered, applied now. */
  readonly released?: { readonly price: number; readonly ts: number };
}

export interface EngineStats {
  readonly portfolios: number;
  readonly ticks: number;
  readonly recalculations: number;
  /** Recalculations requested while one was in flight, merged into the next (coalescing). */
  readonly coalesced: number;
  readonly pool: RiskCalculatorStats;
  readonly mailboxRejections: number;
  /** Messages waiting in the portfolios' mailboxes: in all, and in the fullest one. */
  readonly mailboxes: { readonly queued: number; readonly max: number };
  /** Market-data checks: ticks held and what became of them, held now, refused (bad price or ts). */
  readonly tickGuard: HeldTickCounts & { readonly heldNow: number; readonly refused: number };
}

/**
 * Every answer that reports a change (the promises below, and the order and fill events) comes
 * only once the change is durable: callers never wait for the journal themselves (engine.ts,
 * #whenDurable, is the one place that does).
 */
export interface EngineApi {
  createPortfolio(req: CreatePortfolioRequest, by: string): Promise<Result<{ portfolioId: string }>>;
  getPortfolio(portfolioId: string): PortfolioView | undefined;
  listPortfolioIds(): readonly string[];
  /** Whether the portfolio exists, without building its view. */
  hasPortfolio(portfolioId: string): boolean;
  /** The portfolios of one owner (customer user id), from an in-memory index; [] when none. */
  portfoliosOf(ownerId: string): readonly string[];

  /**
   * Market data: checked first (market/tick-guard.ts: TICK_PRICE_INVALID, TICK_CLOCK_SKEW, or held);
   * an accepted tick updates the last price and marks the portfolios that care for recalculation.
   */
  tick(symbol: string, price: number, ts: number): Result<TickStatus>;
  /** Held ticks and their counts, per symbol (risk managers). */
  heldTicks(): HeldTicksView;
  /**
   * Sets one symbol's tick band (`undefined`: back to the default); audited with `by`. A held
   * tick the new band covers is applied at once.
   */
  setTickBand(symbol: string, maxJump: number | undefined, by: string): Promise<Result<TickBandChange>>;

  /**
   * A clientOrderId already accepted in the portfolio (open, or within the window) is not executed
   * again: with the same fields the answer is that order as it is now and its fills, once they are
   * durable; with other fields a DUPLICATE_CLIENT_ORDER_ID reject naming its orderId.
   */
  submitOrder(portfolioId: string, req: OrderRequest, by: string): Promise<OrderOutcome>;
  cancelOrder(portfolioId: string, orderId: string, by: string): Promise<OrderOutcome>;
  replaceOrder(portfolioId: string, orderId: string, changes: ReplaceRequest, by: string): Promise<OrderOutcome>;

  setLimits(portfolioId: string, limits: Partial<RiskLimits>, by: string): Promise<Result<RiskLimits>>;
  /**
   * The kill switch, audited with `by` and `reason` (default MANUAL): the reason is journaled,
   * restored, shown in the portfolio view and named in TRADING_HALTED rejects.
   */
  setTradingState(portfolioId: string, state: TradingState, by: string, reason?: TradingStateReason): Promise<Result<TradingState>>;
  /**
   * Halts every portfolio of an owner at once (a sanctions block: reason SANCTIONS). Resolves once
   * every halt is durable; a failure (a full mailbox, say) names each portfolio not halted, and
   * the others stay halted, so calling again finishes the job.
   */
  haltOwner(ownerId: string, reason: TradingStateReason, by: string): Promise<Result<OwnerHalt>>;

  getRisk(portfolioId: string): RiskSnapshot | undefined;
  /**
   * Risk subscribers of a portfolio came (+1) or went (−1); `*` stands for every portfolio. A
   * watched portfolio's new figures are pushed as `risk` events at once; the others' are read when
   * asked for (getRisk), which is all a portfolio nobody subscribes to needs.
   */
  watchRisk(portfolioId: string, delta: 1 | -1): void;
  listOrders(portfolioId?: string): readonly Order[];
  getOrder(orderId: string): Order | undefined;
  listFills(portfolioId?: string): readonly Fill[];
  /** Fills of one order still in memory, oldest first. */
  fillsOf(orderId: string): readonly Fill[];
  /**
   * A page of orders in creation order (with their fills) from a position of the portfolio's log,
   * or of all portfolios' log filtered by `include`; reads a bounded number of entries.
   */
  tradePage(scope: { readonly portfolioId?: string; readonly include?: (portfolioId: string) => boolean }, from: number, limit: number): TradePage;

  /** Registers a listener for engine events; returns the unsubscribe function. */
  onEvent(listener: (e: EngineEvent) => void): () => void;
  stats(): EngineStats;
  close(): Promise<void>;
}
