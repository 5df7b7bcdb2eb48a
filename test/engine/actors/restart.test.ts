import { describe, expect, it } from 'vitest';
import { handlePortfolioMessage, safeHandle } from '../../../src/engine/actors/portfolio-actor.js';
import { ctx, only, portfolio, req, submit, tick, types } from './fixtures.js';

const M = ctx({ XYZ: 100 });

describe('restart from the last consistent state', () => {
  it('turns a throw into ActorFailed with the state unchanged, then handles the next message', () => {
    const s = handlePortfolioMessage(portfolio(), submit(req('XYZ', 'buy', 10)), M).state;
    const malformed = tick('XYZ', Number.POSITIVE_INFINITY);
    expect(() => handlePortfolioMessage(s, malformed, M)).toThrow(/expected a finite price/);

    const failed = safeHandle(s, malformed, M);
    expect(failed.state).toBe(s);
    expect(failed.events).toEqual([{ type: 'ActorFailed', portfolioId: 'P1', error: expect.stringMatching(/MarketTick XYZ: expected a finite price > 0, got Infinity/) }]);

    const next = safeHandle(failed.state, submit(req('XYZ', 'sell', 4)), M);
    expect(types(next.events)).toEqual(['OrderAccepted', 'OrderFilled', 'PositionChanged']);
    expect(next.state.holdings.get('XYZ')?.qty).toBe(6);
  });

  it('answers an order whose handling threw with OrderRejected ACTOR_FAILED, so the client is not left waiting', () => {
    const s = portfolio();
    const throwing = () => {
      throw new Error('injected');
    };
    const r = safeHandle(s, submit(req('XYZ', 'buy', 1, { clientOrderId: 'c-42' })), M, throwing);
    expect(r.state).toBe(s);
    expect(types(r.events)).toEqual(['ActorFailed', 'OrderRejected']);
    expect(only(r.events, 'OrderRejected')).toMatchObject({ code: 'ACTOR_FAILED', clientOrderId: 'c-42' });
    const c = safeHandle(s, { kind: 'CancelOrder', orderId: 'P1-o1' }, M, throwing);
    expect(only(c.events, 'OrderRejected')).toMatchObject({ code: 'ACTOR_FAILED', orderId: 'P1-o1' });
  });

  it('fails on a tick with a non-finite price instead of filling at it', () => {
    const s = handlePortfolioMessage(portfolio(), submit(req('XYZ', 'buy', 1, { orderType: 'limit', limitPrice: 95 })), M).state;
    const r = safeHandle(s, tick('XYZ', Number.NaN), M);
    expect(types(r.events)).toEqual(['ActorFailed']);
    expect(r.state).toBe(s);
    expect(types(safeHandle(s, tick('XYZ', 90), M).events)).toEqual(['OrderFilled', 'PositionChanged']);
  });
});
