import { describe, expect, it } from 'vitest';
import { spanMargin } from '../../src/engine/margin/span-grid.js';
import { strategyMargin } from '../../src/engine/margin/strategy-margin.js';
import { portfolioRisk } from '../../src/engine/portfolio/portfolio-risk.js';
import { runBacktest } from '../../src/engine/risk/backtest.js';
import { computeVar } from '../../src/engine/risk/compute-var.js';
import { buildDailyRiskDocument } from '../../src/engine/reports/daily-risk/daily-risk-document.js';
import { dailyRiskJson } from '../../src/engine/reports/daily-risk/daily-risk-json.js';
import { marketOf } from '../../src/engine/reports/risk-common/book-of-day.js';
import { DAY, scenarioBook } from './risk-book-fixture.js';

const BREACH = { portfolioId: 'P1-options', code: 'VAR_LIMIT', firstDetail: 'VaR 2,100 > limit 2,000', lastDetail: 'VaR 2,300 > limit 2,000', firstMs: Date.UTC(2011, 8, 30, 14), lastMs: Date.UTC(2011, 8, 30, 20), snapshots: 3 };
const book = scenarioBook();
const market = marketOf(book);
const built = buildDailyRiskDocument({
  book,
  breaches: [BREACH],
});
if (!built.ok) throw new Error(built.message);
const doc = built.value;
const positionsOf = (id?: string) => book.lines.filter((l) => id === undefined || l.portfolioId === id).map((l) => l.position);

function engineVar(positions: ReturnType<typeof positionsOf>, confidence: number, esConfidence: number) {
  const r = computeVar({ positions, market, histories: book.histories, method: 'historical', confidence, esConfidence, window: 250, horizonDays: 1 });
  if (!r.ok) throw new Error(r.message);
  return r.value;
}

describe('daily risk document of a SPY/AAPL book on 2011-09-30', () => {
  it('states the day, the valuation date, the method and the price files it read', () => {
    expect(doc.type).toBe('daily-risk');
    expect(doc.reportDate).toBe(DAY);
    expect(doc.valuationDate).toBe(DAY);
    expect(doc.method).toMatchObject({ horizonDays: 1, window: 250, backtestDays: 250, backtestConfidence: 0.99, rate: 0.03 });
    expect(doc.market.spots).toEqual({ AAPL: 11.487902641296388, SPY: 113.15 });
    expect(doc.market.prices.map((p) => [p.ticker, p.column])).toEqual([['AAPL', 'adj_close'], ['SPY', 'close']]);
    expect(doc.portfolios.map((p) => p.portfolioId)).toEqual(['P1-options', 'P2-stock']);
  });

  it("gives each portfolio's and the total's VaR and ES exactly as the engine's computeVar does", () => {
    for (const [id, risk] of [...doc.portfolios.map((p) => [p.portfolioId, p.risk] as const), [undefined, doc.total.risk] as const]) {
      const a = engineVar(positionsOf(id), 0.99, 0.975);
      const b = engineVar(positionsOf(id), 0.975, 0.99);
      expect(risk).toEqual({ var99: a.var, es975: a.es, var975: b.var, es99: b.es, scenarios: 250 });
    }
  });

  it('gives the stock-only VaR and ES that a hand computation over the 250 AAPL returns gives', () => {
    // 1000 shares: loss_i = 1000 · spot · (−r_i), r_i = P_i/P_{i−1} − 1 over the last 250 aligned returns.
    const p = book.histories.prices.get('AAPL')!;
    const n = p.length;
    const spot = book.spots.get('AAPL')!;
    const losses: number[] = [];
    for (let i = n - 250; i < n; i++) losses.push(1000 * spot * (1 - p[i]! / p[i - 1]!));
    losses.sort((x, y) => y - x);
    // 99%: n(1−c) = 2.5 → the 3rd largest loss; 97.5%: 6.25 → the 7th.
    // ES 97.5%: the worst 6 in full and a quarter of the 7th, over 6.25; ES 99%: worst 2 and half the 3rd, over 2.5.
    const es975 = (losses.slice(0, 6).reduce((a, x) => a + x, 0) + 0.25 * losses[6]!) / 6.25;
    const es99 = (losses[0]! + losses[1]! + 0.5 * losses[2]!) / 2.5;
    const r = doc.portfolios[1]!.risk;
    expect(r.var99).toBeCloseTo(losses[2]!, 6);
    expect(r.var975).toBeCloseTo(losses[6]!, 6);
    expect(r.es975).toBeCloseTo(es975, 6);
    expect(r.es99).toBeCloseTo(es99, 6);
    expect(r.var99).toBeGreaterThan(300); // a few % of an 11,488 position in 2011
  });

  it('reports the Greeks by underlying and in total as portfolioRisk computes them', () => {
    const g = portfolioRisk(positionsOf(), market);
    if (!g.ok) throw new Error(g.message);
    const spy = g.value.byUnderlying.find((u) => u.underlying === 'SPY')!;
    expect(doc.total.greeks.byUnderlying.map((u) => u.underlying)).toEqual(['AAPL', 'SPY']);
    expect(doc.total.greeks.byUnderlying[1]).toMatchObject({ delta: spy.delta, dollarDelta: spy.dollarDelta, gamma: spy.gamma, vega: spy.vega, positions: 2 });
    expect(doc.total.greeks.totals.dollarDelta).toBe(g.value.totals.dollarDelta);
    expect(doc.portfolios[1]!.greeks.byUnderlying[0]).toMatchObject({ underlying: 'AAPL', delta: 1000, dollarDelta: 1000 * 11.487902641296388, gamma: 0 });
  });

  it('reports margin per portfolio and their sum in total', () => {
    for (const p of doc.portfolios) {
      const pos = positionsOf(p.portfolioId);
      const s = strategyMargin(pos, market);
      expect(p.margin).toEqual({ span: spanMargin(pos, market).requirement, strategyInitial: s.initial, strategyMaintenance: s.maintenance });
    }
    expect(doc.total.margin.span).toBe(doc.portfolios[0]!.margin.span + doc.portfolios[1]!.margin.span);
    // 1000 AAPL long: Reg T 50% initial, 25% maintenance of the value.
    expect(doc.portfolios[1]!.margin.strategyInitial).toBeCloseTo(0.5 * 1000 * book.spots.get('AAPL')!, 6);
  });

  it("reports the 250-day backtest as runBacktest does, with each day's P&L and VaR for the chart", () => {
    const r = runBacktest({ positions: positionsOf(), market, histories: book.histories, confidence: 0.99, window: 250, days: 250 });
    if (!r.ok) throw new Error(r.message);
    const b = doc.total.backtest;
    expect({ days: b.days, exceptions: b.exceptions, zone: b.zone, kupiecLR: b.kupiecLR, kupiecPValue: b.kupiecPValue, exceptionDates: b.exceptionDates })
      .toEqual({ days: 250, exceptions: r.value.exceptions, zone: r.value.zone, kupiecLR: r.value.kupiecLR, kupiecPValue: r.value.kupiecPValue, exceptionDates: r.value.exceptionDates });
    expect([b.exceptions, b.zone]).toEqual([5, 'yellow']); // August 2011
    expect(b.series).toHaveLength(250);
    expect(b.series.at(-1)!.date).toBe(DAY);
    expect(b.series.filter((d) => d.exception).map((d) => d.date)).toEqual(b.exceptionDates);
    for (const d of b.series) expect(d.exception).toBe(-d.pnl > d.var);
  });

  it('lists the breaches of the day with their times as ISO instants', () => {
    expect(doc.breaches).toEqual([{ portfolioId: 'P1-options', code: 'VAR_LIMIT', firstDetail: 'VaR 2,100 > limit 2,000', lastDetail: 'VaR 2,300 > limit 2,000', snapshots: 3, first: '2011-09-30T14:00:00.000Z', last: '2011-09-30T20:00:00.000Z' }]);
    expect(doc.portfolios.map((p) => p.breaches)).toEqual([1, 0]);
  });

  it('renders canonical JSON: sorted keys, no whitespace, the same bytes every time, and parses back to the document', () => {
    const a = dailyRiskJson(doc);
    const again = buildDailyRiskDocument({ book: scenarioBook(), breaches: [{ ...BREACH }] });
    if (!again.ok) throw new Error(again.message);
    expect(dailyRiskJson(again.value) === a).toBe(true);
    expect(a.startsWith('{"breaches":[{"code":"VAR_LIMIT"')).toBe(true);
    expect(a.endsWith('}\n')).toBe(true);
    expect(JSON.parse(a)).toEqual(JSON.parse(JSON.stringify(doc)));
    expect(Object.keys(JSON.parse(a))).toEqual([...Object.keys(doc)].sort());
  });
});
