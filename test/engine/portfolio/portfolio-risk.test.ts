import { describe, expect, it } from 'vitest';
import { portfolioRisk } from '../../../src/engine/portfolio/portfolio-risk.js';
import { bsmGreeks } from '../../../src/engine/pricing/bsm.js';
import { positionValue } from '../../../src/engine/portfolio/valuation.js';
import { marketAt, option, stock } from '../../fixtures/books.js';

const market = marketAt({ AAA: 100, BBB: 50 }, '2024-01-02', 0.05);
const call = option('AAA', 'call', 100, 3, { expiry: '2025-01-01', vol: 0.2 });
const put = option('AAA', 'put', 95, -2, { expiry: '2024-07-01', vol: 0.25 });

describe('portfolioRisk', () => {
  it('gives an underlying position delta = qty × multiplier shares and value qty × spot', () => {
    const r = portfolioRisk([stock('BBB', -40)], market);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const p = r.value.positions[0]!;
    expect(p.delta).toBe(-40);
    expect(p.dollarDelta).toBe(-2000);
    expect(p.marketValue).toBe(-2000);
    expect(p.gamma).toBeCloseTo(0, 15);
  });

  it('scales the per-unit Greeks by qty × multiplier for an option position', () => {
    const r = portfolioRisk([call], market);
    if (!r.ok) throw new Error(r.message);
    const p = r.value.positions[0]!;
    const g = bsmGreeks({ type: 'call', spot: 100, strike: 100, tYears: 365 / 365, rate: 0.05, dividendYield: 0, vol: 0.2 });
    expect(p.unit.delta).toBeCloseTo(g.delta, 14);
    expect(p.delta).toBeCloseTo(300 * g.delta, 10);
    expect(p.vega).toBeCloseTo(300 * g.vega, 10);
    expect(p.dollarGamma).toBeCloseTo(300 * g.gamma * 100 * 100, 8);
    expect(p.marketValue).toBeCloseTo(positionValue(call, market), 10);
  });

  it('makes dollarGamma the second derivative of value with respect to a relative move', () => {
    const r = portfolioRisk([call, put], market);
    if (!r.ok) throw new Error(r.message);
    const h = 1e-3;
    const v = (x: number): number => positionValue(call, market, 100 * (1 + x)) + positionValue(put, market, 100 * (1 + x));
    const fd = (v(h) - 2 * v(0) + v(-h)) / (h * h);
    expect(r.value.totals.dollarGamma).toBeCloseTo(fd, 1);
    const fd1 = (v(h) - v(-h)) / (2 * h);
    expect(r.value.totals.dollarDelta).toBeCloseTo(fd1, 3);
  });

  it('sums Greeks per underlying and keeps only currency figures in the portfolio totals', () => {
    const r = portfolioRisk([call, put, stock('AAA', 10), stock('BBB', 100)], market);
    if (!r.ok) throw new Error(r.message);
    const aaa = r.value.byUnderlying.find((u) => u.underlying === 'AAA')!;
    const [c, p, s] = r.value.positions;
    expect(aaa.delta).toBeCloseTo(c!.delta + p!.delta + 10, 10);
    expect(aaa.vanna).toBeCloseTo(c!.vanna + p!.vanna, 10);
    expect(aaa.positions).toBe(3);
    expect(r.value.totals.dollarDelta).toBeCloseTo(aaa.dollarDelta + 5000, 8);
    expect(r.value.totals.marketValue).toBeCloseTo(c!.marketValue + p!.marketValue + s!.marketValue + 5000, 8);
    expect(r.value.totals).not.toHaveProperty('delta');
  });

  it('computes unrealised P&L against the average price and passes realised P&L through', () => {
    const r = portfolioRisk([stock('BBB', 100), call], market, [{ avgPrice: 45, realisedPnl: 12 }, undefined]);
    if (!r.ok) throw new Error(r.message);
    expect(r.value.positions[0]!.unrealisedPnl).toBe(500);
    expect(r.value.positions[1]!.unrealisedPnl).toBeUndefined();
    expect(r.value.totals.unrealisedPnl).toBe(500);
    expect(r.value.totals.realisedPnl).toBe(12);
    expect(r.value.pnlCoverage).toBe(1);
  });

  it('returns MISSING_SPOT for an underlying the market does not price', () => {
    const r = portfolioRisk([stock('ZZZ', 1)], market);
    expect(!r.ok && r.code).toBe('MISSING_SPOT');
  });
});
