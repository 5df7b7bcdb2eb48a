import { underlyingOf } from '../portfolio/types.js';
import { checkConcentrationLimit } from './concentration-limit.js';
import { checkGreekLimits } from './greek-limits.js';
import { checkKycGate } from './kyc-gate.js';
import { checkLeverageLimit } from './leverage-limit.js';
import { checkMaxOrderNotional } from './max-notional.js';
import { checkMaxOrderQty } from './max-quantity.js';
import { heldQty, isRejection, priceOrder } from './order-terms.js';
import { checkPositionLimit } from './position-limit.js';
import { checkPriceCollar } from './price-collar.js';
import { projectOrder } from './projection.js';
import { checkRateLimit, type RateLimitState } from './rate-limit.js';
import type { Rejection } from './reason-codes.js';
import { checkTradingState } from './trading-state.js';
import { signOf, type OrderAction, type OrderContext, type TradingState, type TradingStateReason } from './types.js';
import { checkOrderValid } from './validate-order.js';
import { checkVarLimit } from './var-limit.js';

export interface PreTradeRequest extends OrderContext {
  /** A modify carries the replacement order's terms; a cancel passes without checks. */
  readonly action: OrderAction;
  readonly tradingState: TradingState;
  /** Why the trading state was set (named in a TRADING_HALTED message); absent = MANUAL. */
  readonly tradingStateReason?: TradingStateReason | undefined;
  /**
   * False when KYC is required and the portfolio's owner is not approved: the portfolio is then
   * reduce-only (KYC_REQUIRED). Absent = true (no owner, or KYC not required).
   */
  readonly kycApproved?: boolean;
  readonly rateLimits: RateLimitState;
  /** Time of the request in ms, from the caller's Clock. */
  readonly nowMs: number;
}

export type PreTradeResult = { readonly ok: true } | Rejection;

export interface PreTradeOutcome {
  readonly result: PreTradeResult;
  /** The rate-limit state to keep for the next request (changed only by requests that got a slot). */
  readonly rateLimits: RateLimitState;
}

const ACCEPTED: PreTradeResult = Object.freeze({ ok: true });

/**
 * All pre-trade checks of one request, first refusal wins. Order: cheap and stateless first
 * (validity, the trading state, the owner's KYC), then the rate limit (which takes a slot, as
 * NautilusTrader's throttler does before its risk checks), then per-order limits, then post-trade
 * limits on the portfolio as it would be after the order fills in full, VaR last because it is
 * the most expensive.
 */
export function preTradeCheck(req: PreTradeRequest): PreTradeOutcome {
  const done = (result: PreTradeResult, rateLimits = req.rateLimits): PreTradeOutcome => ({ result, rateLimits });
  if (req.action === 'cancel') return done(ACCEPTED);

  const { order, portfolio, market, limits } = req;
  const invalid = checkOrderValid(order, portfolio.portfolioId, market.asOf);
  if (invalid) return done(invalid);

  const held = heldQty(portfolio.positions, order.instrument);
  const signedQty = signOf(order.side) * order.qty;
  // The kill switch first (an operator's halt outranks the customer's KYC), then the KYC gate.
  const state = checkTradingState(req.tradingState, req.action, held, signedQty, req.tradingStateReason) ?? checkKycGate(req.kycApproved ?? true, req.action, held, signedQty);
  if (state) return done(state);

  const rate = checkRateLimit(req.rateLimits, req.action, req.nowMs, limits);
  if (rate.result) return done(rate.result, rate.state);
  const finish = (result: PreTradeResult | null): PreTradeOutcome => done(result ?? ACCEPTED, rate.state);

  const priced = priceOrder(req);
  if (isRejection(priced)) return finish(priced);
  const perOrder =
    checkPriceCollar(order.limitPrice, priced.referencePrice, limits.priceCollarFraction) ??
    checkMaxOrderQty(order.qty, limits.maxOrderQty) ??
    checkMaxOrderNotional(priced.notional, limits.maxOrderNotional);
  if (perOrder) return finish(perOrder);

  const p = projectOrder(req, priced);
  if (isRejection(p)) return finish(p);
  return finish(
    checkPositionLimit(p.before.qty, p.after.qty, limits.maxPositionQty) ??
      checkGreekLimits(p.before.risk, p.after.risk, limits) ??
      checkLeverageLimit(p.before.risk, p.after.risk, limits.maxLeverage) ??
      checkConcentrationLimit(underlyingOf(order.instrument), p.before.risk, p.after.risk, limits.maxConcentration, limits.concentrationMinGrossExposure) ??
      checkVarLimit(p.before.positions, p.after.positions, market, limits.maxVar, req.varEstimator),
  );
}
