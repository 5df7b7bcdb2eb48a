/** Orders and pre-trade requests for the limit tests; books and limits come from test/fixtures. */
import type { PreTradeRequest } from '../../../src/engine/limits/pre-trade.js';
import { EMPTY_RATE_LIMIT_STATE } from '../../../src/engine/limits/rate-limit.js';
import type { RiskLimits } from '../../../src/engine/limits/risk-limits.js';
import type { Order } from '../../../src/engine/limits/types.js';
import type { Instrument, Position } from '../../../src/engine/portfolio/types.js';
import { marketAt } from '../../fixtures/books.js';
import { OPEN_LIMITS } from '../../fixtures/limits.js';

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
  market: marketAt(spots),
  order,
  limits: { ...OPEN_LIMITS, ...limits },
  ...rest,
});
