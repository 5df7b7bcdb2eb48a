import { describe, expect, it } from 'vitest';
import { handlePortfolioMessage } from '../../../src/engine/actors/portfolio-actor.js';
import type { PortfolioState } from '../../../src/engine/actors/types.js';
import type { PortfolioCell } from '../../../src/engine/runtime/portfolio-cell.js';
import { TickRouter, type TickSink } from '../../../src/engine/runtime/tick-router.js';
import { ctx, portfolio, req, submit } from '../actors/fixtures.js';
import { cellOf } from './cells.js';

const NOW_MS = 1_735_776_000_000;
const clock = { nowMs: () => NOW_MS };

/** Records what the router tells its sink, in order. */
function recordingSink(): TickSink & { readonly calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    applied: (symbol, price) => calls.push(`applied ${symbol} ${price}`),
    stale: (cell) => calls.push(`stale ${cell.state.portfolioId}`),
    crossed: (cell, symbol, price) => calls.push(`crossed ${cell.state.portfolioId} ${symbol} ${price}`),
    routed: () => calls.push('routed'),
  };
}

const holding = (id: string, symbol: string): PortfolioState =>
  portfolio({ portfolioId: id, holdings: [{ instrument: { kind: 'underlying', symbol }, qty: 10, multiplier: 1, dividendYield: 0, style: 'european', avgPrice: 100, realisedPnl: 0 }] });

/** A portfolio with a buy limit resting at 95 on XYZ (it reacts at or below 95). */
function withRestingBuy(id: string): PortfolioState {
  return handlePortfolioMessage(portfolio({ portfolioId: id }), submit(req('XYZ', 'buy', 1, { orderType: 'limit', limitPrice: 95 })), ctx({ XYZ: 100 })).state;
}

function routerWith(...states: PortfolioState[]): { router: TickRouter; sink: ReturnType<typeof recordingSink>; cells: PortfolioCell[] } {
  const sink = recordingSink();
  const router = new TickRouter(clock, sink, () => {}, { maxSkewMs: Infinity });
  const cells = states.map((s) => cellOf(s, router.lastPrice));
  for (const c of cells) router.reindex(c);
  return { router, sink, cells };
}

describe('tick router', () => {
  it('marks stale only the portfolios that hold the ticked underlying, after the market stream and before `routed`', () => {
    const { router, sink } = routerWith(holding('A', 'XYZ'), holding('B', 'QQQ'), holding('C', 'XYZ'));
    expect(router.tick('XYZ', 101, 1)).toEqual({ ok: true, value: 'accepted' });
    expect(sink.calls).toEqual(['applied XYZ 101', 'stale A', 'stale C', 'routed']);
    expect(router.lastPrice.get('XYZ')).toBe(101);
    expect(router.ticks).toBe(1);
  });

  it('hands the tick itself to an actor only when the price leaves the quiet band of its resting orders', () => {
    const { router, sink } = routerWith(withRestingBuy('R'));
    router.tick('XYZ', 100, 1);
    expect(sink.calls).toEqual(['applied XYZ 100', 'stale R', 'routed']);
    sink.calls.length = 0;
    router.tick('XYZ', 95, 2);
    expect(sink.calls).toEqual(['applied XYZ 95', 'stale R', 'crossed R XYZ 95', 'routed']);
  });

  it('refuses a bad price with TICK_PRICE_INVALID and routes nothing', () => {
    const { router, sink } = routerWith(holding('A', 'XYZ'));
    expect(router.tick('XYZ', -1, 1)).toMatchObject({ ok: false, code: 'TICK_PRICE_INVALID', message: expect.stringMatching(/-1/) });
    expect(sink.calls).toEqual([]);
    expect(router.lastPrice.has('XYZ')).toBe(false);
  });

  it('holds a jump beyond the band, logs it once, and applies it when a new band covers it', () => {
    const sink = recordingSink();
    const logged: number[] = [];
    const router = new TickRouter(clock, sink, (_s, price) => logged.push(price), { maxSkewMs: Infinity, maxJump: 0.1 });
    router.tick('XYZ', 100, 1);
    sink.calls.length = 0;
    expect(router.tick('XYZ', 150, 2)).toEqual({ ok: true, value: 'held' });
    expect(router.tick('XYZ', 200, 3)).toEqual({ ok: true, value: 'held' }); // far from both: replaces the held one
    expect(logged).toEqual([150]); // one line per symbol per interval
    expect(sink.calls).toEqual([]);
    expect(router.setBand('XYZ', 1.5).released).toEqual({ price: 200, ts: 3 });
    expect(sink.calls).toEqual(['applied XYZ 200', 'routed']);
    expect(router.heldTicks().counts).toMatchObject({ held: 2, dropped: 1, released: 1 });
  });

  it('counts a portfolio priced only once every underlying it holds has had a tick', () => {
    const two = portfolio({
      portfolioId: 'T',
      holdings: ['XYZ', 'QQQ'].map((symbol) => ({ instrument: { kind: 'underlying' as const, symbol }, qty: 1, multiplier: 1, dividendYield: 0, style: 'european' as const, avgPrice: 1, realisedPnl: 0 })),
    });
    const { router, cells } = routerWith(two);
    const cell = cells[0]!;
    expect(router.isPriced(cell)).toBe(false);
    router.tick('XYZ', 100, 1);
    expect(router.isPriced(cell)).toBe(false);
    router.tick('QQQ', 400, 2);
    expect(router.isPriced(cell)).toBe(true);
  });

  it('gives a portfolio that starts holding an underlying the newest tick ts already seen on it', () => {
    const { router, cells } = routerWith(portfolio({ portfolioId: 'E' }));
    router.tick('XYZ', 100, 7);
    const cell = cells[0]!;
    expect(cell.latestTickTs).toBe(0);
    cell.state = holding('E', 'XYZ');
    router.reindex(cell);
    expect(cell.latestTickTs).toBe(7);
    expect(cell.underlyings).toEqual(new Set(['XYZ']));
  });
});
