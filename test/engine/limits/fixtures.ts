import type { PreTradeRequest } from '../../../src/engine/limits/pre-trade.js';
import { EMPTY_RATE_LIMIT_STATE } from '../../../src/engine/limits/rate-limit.js';
import { DEFAULT_RISK_LIMITS, type RiskLimits } from '../../../src/engine/limits/risk-limits.js';
import type { Order } from '../../../src/engine/limits/types.js';
import type { Instrument, Position } from '../../../src/engine/portfolio/types.js';
import { market, option, stock } from '../margin/fixtures.js';

export { market, option, stock };

export const ticker = (symbol: string): Instrument => ({ kind: 'underlying', symbol });

export const buy = (instrument: Instrument, qty: number, extra: Partial<Order> = {}): Order => ({
  portfolioId: 'P1',
  instrument,
  side: 'buy',
  qty,
  orderType: 'market',
  ...extra,
});

export const sell = (instrument: Instrument, qty: number, extra: Partial<Order> = {}): Order =>
  buy(instrument, qty, { side: 'sell', ...extra });

/** Limits with every check wide open, so a test can tighten just the one it exercises. */
export const OPEN_LIMITS: RiskLimits = {
  ...DEFAULT_RISK_LIMITS,
  maxOrderNotional: Infinity,
  maxOrderQty: Infinity,
  maxPositionQty: Infinity,
  maxAbsDollarDelta: Infinity,
  maxAbsDollarGamma: Infinity,
  maxAbsVega: Infinity,
  maxVar: Infinity,
  maxLeverage: Infinity,
  maxConcentration: 1,
  priceCollarFraction: 1,
};

export const request = (
  order: Order,
  {
    positions = [] as Position[],
    cash = 1_000_000,
    limits = {} as Partial<RiskLimits>,
    spots = { XYZ: 100, ABC: 50 } as Record<string, number>,
    ...rest
  }: Partial<Omit<PreTradeRequest, 'limits'>> & {
    positions?: Position[];
    cash?: number;
    limits?: Partial<RiskLimits>;
    spots?: Record<string, number>;
  } = {},
): PreTradeRequest => ({
  action: 'submit',
  tradingState: 'active',
  rateLimits: EMPTY_RATE_LIMIT_STATE,
  nowMs: 1_000_000,
  portfolio: { portfolioId: 'P1', cash, positions },
  market: market(spots),
  order,
  limits: { ...OPEN_LIMITS, ...limits },
  ...rest,
});
