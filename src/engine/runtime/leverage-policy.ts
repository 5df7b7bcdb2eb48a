/**
 * The operator's leverage settings (DEFAULT_LEVERAGE_LIMIT, MAX_LEVERAGE_LIMIT) over an engine: a
 * portfolio created without its own leverage limit gets policy.defaultLimit, and a leverage limit
 * above policy.maxLimit is refused with INVALID_LIMITS, when a portfolio is created and when its
 * limits change. Everything else is the engine's own.
 */
import { leverageLimitProblem, type LeveragePolicy } from '../limits/risk-limits.js';
import type { EngineApi, Outcome } from './engine-api.js';

function aboveCeiling(maxLeverage: number | undefined, policy: LeveragePolicy): Outcome<never> | undefined {
  if (maxLeverage === undefined) return undefined;
  const problem = leverageLimitProblem(maxLeverage, policy.maxLimit);
  return problem === null ? undefined : { ok: false, code: 'INVALID_LIMITS', reason: `maxLeverage: ${problem}, got ${maxLeverage}` };
}

export function withLeveragePolicy(engine: EngineApi, policy: LeveragePolicy): EngineApi {
  return {
    createPortfolio: (req, by) =>
      aboveCeiling(req.limits?.maxLeverage, policy) ??
      engine.createPortfolio({ ...req, limits: { ...req.limits, maxLeverage: req.limits?.maxLeverage ?? policy.defaultLimit } }, by),
    setLimits: (portfolioId, limits, by) => aboveCeiling(limits.maxLeverage, policy) ?? engine.setLimits(portfolioId, limits, by),
    getPortfolio: (portfolioId) => engine.getPortfolio(portfolioId),
    listPortfolioIds: () => engine.listPortfolioIds(),
    hasPortfolio: (portfolioId) => engine.hasPortfolio(portfolioId),
    tick: (symbol, price, ts) => engine.tick(symbol, price, ts),
    heldTicks: () => engine.heldTicks(),
    setTickBand: (symbol, maxJump, by) => engine.setTickBand(symbol, maxJump, by),
    submitOrder: (portfolioId, req, by) => engine.submitOrder(portfolioId, req, by),
    cancelOrder: (portfolioId, orderId, by) => engine.cancelOrder(portfolioId, orderId, by),
    replaceOrder: (portfolioId, orderId, changes, by) => engine.replaceOrder(portfolioId, orderId, changes, by),
    setTradingState: (portfolioId, state, by) => engine.setTradingState(portfolioId, state, by),
    getRisk: (portfolioId) => engine.getRisk(portfolioId),
    listOrders: (portfolioId) => engine.listOrders(portfolioId),
    getOrder: (orderId) => engine.getOrder(orderId),
    listFills: (portfolioId) => engine.listFills(portfolioId),
    fillsOf: (orderId) => engine.fillsOf(orderId),
    tradePage: (scope, from, limit) => engine.tradePage(scope, from, limit),
    durable: () => engine.durable(),
    onEvent: (listener) => engine.onEvent(listener),
    stats: () => engine.stats(),
    close: () => engine.close(),
  };
}
