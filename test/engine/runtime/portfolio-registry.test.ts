import { describe, expect, it } from 'vitest';
import type { Holding, PortfolioState } from '../../../src/engine/actors/types.js';
import type { PortfolioCell } from '../../../src/engine/runtime/portfolio-cell.js';
import { PortfolioRegistry } from '../../../src/engine/runtime/portfolio-registry.js';
import { portfolio } from '../actors/fixtures.js';
import { cellOf } from './cells.js';

const CALL = 'XYZ   260116C00100000';

function setup(mark = 42) {
  const adopted: string[] = [];
  const registry = new PortfolioRegistry({
    newCell: (state: PortfolioState): PortfolioCell => cellOf(state),
    adopted: (cell) => adopted.push(cell.state.portfolioId),
    markOf: (_h: Holding) => mark,
  });
  return { registry, adopted };
}

describe('portfolio registry', () => {
  it('creates a portfolio, adopts it and finds it by id', () => {
    const { registry, adopted } = setup();
    const r = registry.create({ portfolioId: 'P', cash: 1000, positions: [{ instrument: 'XYZ', qty: 10, avgPrice: 99 }] });
    expect(r.ok && r.value.state.holdings.get('XYZ')).toMatchObject({ qty: 10, avgPrice: 99, multiplier: 1 });
    expect(adopted).toEqual(['P']);
    expect(registry.has('P')).toBe(true);
    expect(registry.get('P')?.state.cash).toBe(1000);
    expect(registry.ids()).toEqual(['P']);
  });

  it('books a position given without avgPrice at its mark, so its P&L starts at zero', () => {
    const { registry } = setup(101.5);
    const r = registry.create({ portfolioId: 'P', cash: 0, positions: [{ instrument: 'XYZ', qty: 3 }] });
    expect(r.ok && r.value.state.holdings.get('XYZ')?.avgPrice).toBe(101.5);
  });

  it('learns the implied vol of an option position for orders in it elsewhere', () => {
    const { registry } = setup();
    expect(registry.create({ portfolioId: 'P', cash: 0, positions: [{ instrument: CALL, qty: 1, vol: 0.3 }] }).ok).toBe(true);
    expect(registry.volOf(CALL)).toBe(0.3);
    registry.adopt(portfolio({ portfolioId: 'R' }));
    expect(registry.size).toBe(2);
  });

  it('refuses a request with a stable code and changes nothing', () => {
    const { registry, adopted } = setup();
    registry.create({ portfolioId: 'P', cash: 0 });
    expect(registry.create({ portfolioId: 'P', cash: 0 })).toMatchObject({ ok: false, code: 'PORTFOLIO_EXISTS' });
    expect(registry.create({ portfolioId: 'Q', cash: 0, positions: [{ instrument: 'not a symbol!', qty: 1 }] })).toMatchObject({ ok: false, code: 'INVALID_INSTRUMENT', message: expect.stringMatching(/positions\[0\]/) });
    expect(registry.create({ portfolioId: 'Q', cash: 0, positions: [{ instrument: CALL, qty: 1 }] })).toMatchObject({ ok: false, code: 'MISSING_VOL' });
    expect(registry.create({ portfolioId: 'Q', cash: 0, limits: { maxLeverage: -1 } })).toMatchObject({ ok: false, code: 'INVALID_LIMITS' });
    expect(registry.create({ portfolioId: 'Q', cash: Number.NaN })).toMatchObject({ ok: false, code: 'INVALID_PORTFOLIO' });
    expect(adopted).toEqual(['P']);
    expect(registry.has('Q')).toBe(false);
  });
});
