import { createPortfolioState } from '../../../src/engine/actors/portfolio-actor.js';
import type { ActorContext, OrderRequest, PortfolioEvent, PortfolioMessage, PortfolioState } from '../../../src/engine/actors/types.js';
import { WIDEST_CONFIGURABLE_LIMITS } from '../../fixtures/limits.js';

export const CALL = 'XYZ   250620C00100000';

export function ctx(spots: Record<string, number>, { vols = {} as Record<string, number>, nowMs = 1_735_776_000_000, asOf = '2025-01-02' } = {}): ActorContext {
  return {
    nowMs,
    market: {
      rate: 0.04,
      asOf,
      spot: (u) => spots[u],
      volOf: (s) => vols[s],
    },
  };
}

export const portfolio = (extra: Partial<Parameters<typeof createPortfolioState>[0]> = {}): PortfolioState =>
  createPortfolioState({ portfolioId: 'P1', cash: 1_000_000, limits: WIDEST_CONFIGURABLE_LIMITS, ...extra });

let n = 0;
export const req = (instrument: string, side: 'buy' | 'sell', qty: number, extra: Partial<OrderRequest> = {}): OrderRequest => ({
  clientOrderId: `c${++n}`,
  instrument,
  side,
  qty,
  orderType: 'market',
  ...extra,
});

export const submit = (request: OrderRequest): PortfolioMessage => ({ kind: 'SubmitOrder', request, submittedBy: 'alice' });
export const tick = (symbol: string, price: number): PortfolioMessage => ({ kind: 'MarketTick', symbol, price, ts: 1 });

export const types = (events: readonly PortfolioEvent[]): string[] => events.map((e) => e.type);

export function only<T extends PortfolioEvent['type']>(events: readonly PortfolioEvent[], type: T): Extract<PortfolioEvent, { type: T }> {
  const found = events.filter((e) => e.type === type);
  if (found.length !== 1) throw new Error(`expected one ${type}, got ${types(events).join(', ')}`);
  return found[0] as Extract<PortfolioEvent, { type: T }>;
}
