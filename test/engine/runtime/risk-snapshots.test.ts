import { describe, expect, it } from 'vitest';
import type { Holding } from '../../../src/engine/actors/types.js';
import type { RecalcOutput } from '../../../src/engine/runtime/risk-calculator.js';
import { RiskSnapshots } from '../../../src/engine/runtime/risk-snapshots.js';
import { portfolio } from '../actors/fixtures.js';
import { WIDEST_CONFIGURABLE_LIMITS } from '../../fixtures/limits.js';
import { cellOf } from './cells.js';

const NOW_MS = Date.UTC(2026, 0, 15, 12);
const share = (symbol: string, qty: number, avgPrice: number, realisedPnl = 0): Holding => ({
  instrument: { kind: 'underlying', symbol }, qty, multiplier: 1, dividendYield: 0, style: 'european', avgPrice, realisedPnl,
});
const result = (marketValue: number, grossExposure: number, extra: Partial<RecalcOutput> = {}): RecalcOutput => ({
  portfolioId: 'P1', greeks: { delta: 0, gamma: 0, vega: 0, thetaPerYear: 0, rho: 0 }, byUnderlying: {}, marketValue, grossExposure, var: 50, es: 60, ...extra,
});

function setup(spots = new Map<string, number>()) {
  const snapshots = new RiskSnapshots({ varConfidence: 0.99, esConfidence: 0.975 }, { nowMs: () => NOW_MS }, 0.04, spots);
  return { snapshots, spots };
}

describe('risk snapshots', () => {
  it('takes P&L from the cost basis and leverage from gross exposure over equity', () => {
    const { snapshots } = setup();
    const cell = cellOf(portfolio({ cash: 1000, holdings: [share('XYZ', 10, 100, 25)], limits: WIDEST_CONFIGURABLE_LIMITS }));
    snapshots.take(cell, result(1200, 1200), 7, NOW_MS, NOW_MS + 3);
    const r = snapshots.riskOf(cell)!;
    expect(r).toMatchObject({ seq: 1, tickTs: 7, computedMs: NOW_MS + 3, marketValue: 1200, equity: 2200 });
    expect(r.pnl).toEqual({ realised: 25, unrealised: 200, total: 225 });
    expect(r.leverage).toBeCloseTo(1200 / 2200, 12);
    expect(r.var).toEqual({ method: 'delta-gamma', confidence: 0.99, value: 50, esConfidence: 0.975, es: 60 });
    expect(r.breaches).toEqual([]);
  });

  it('counts leverage as infinite when equity is gone but exposure is not, and 0 with neither', () => {
    const { snapshots } = setup();
    const cell = cellOf(portfolio({ cash: -500, holdings: [share('XYZ', 1, 100)] }));
    snapshots.take(cell, result(100, 100), 1, NOW_MS, NOW_MS);
    expect(snapshots.riskOf(cell)?.leverage).toBe(Number.POSITIVE_INFINITY);
    const flat = cellOf(portfolio({ cash: 0 }));
    snapshots.take(flat, result(0, 0), 1, NOW_MS, NOW_MS);
    expect(snapshots.riskOf(flat)?.leverage).toBe(0);
  });

  it('builds a snapshot once per result and stores the newest on the actor state', () => {
    const { snapshots } = setup();
    const cell = cellOf(portfolio());
    expect(snapshots.riskOf(cell)).toBeUndefined();
    snapshots.take(cell, result(0, 0), 1, NOW_MS, NOW_MS);
    const first = snapshots.riskOf(cell);
    expect(snapshots.riskOf(cell)).toBe(first);
    expect(cell.state.risk).toBe(first);
    snapshots.take(cell, result(0, 0), 2, NOW_MS, NOW_MS);
    expect(snapshots.riskOf(cell)?.seq).toBe(2);
    expect(cell.state.risk?.seq).toBe(2);
  });

  it('keeps the last margin requirement and its time between margin runs', () => {
    const { snapshots } = setup();
    const cell = cellOf(portfolio());
    snapshots.take(cell, result(0, 0, { marginRequirement: 321 }), 1, NOW_MS - 10, NOW_MS);
    snapshots.riskOf(cell);
    snapshots.take(cell, result(0, 0), 2, NOW_MS, NOW_MS);
    expect(snapshots.riskOf(cell)?.margin).toEqual({ method: 'span', requirement: 321, computedMs: NOW_MS - 10 });
    expect(cell.lastMarginMs).toBe(NOW_MS - 10);
  });

  it('marks a holding at the last price, and at 0 before its underlying has one', () => {
    const { snapshots, spots } = setup();
    expect(snapshots.markOf(share('XYZ', 10, 0))).toBe(0);
    spots.set('XYZ', 123.5);
    expect(snapshots.markOf(share('XYZ', 10, 0))).toBe(123.5);
  });
});
