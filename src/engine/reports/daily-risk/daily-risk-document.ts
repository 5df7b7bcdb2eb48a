/**
 * The daily risk report's document, built from the book of the day (risk-common/book-of-day.ts)
 * and the limit breaches the engine recorded that day. Every figure comes from the engine's own
 * models, called as the CLI calls them: historical full-revaluation VaR and ES (var-historical.ts,
 * tail-risk.ts), Greeks by underlying (portfolio-risk.ts), SPAN-like and strategy margin
 * (margin/), the 250-day backtest with Kupiec's test and the Basel zone (backtest.ts).
 *
 * "Per portfolio and in total": the total is the book of every portfolio in the report taken as one
 * (its VaR is diversified across portfolios, not a sum), except margin, which is per account and
 * whose total is the sum of the portfolios'.
 */
import { spanMargin } from '../../margin/span-grid.js';
import { strategyMargin } from '../../margin/strategy-margin.js';
import { portfolioRisk } from '../../portfolio/portfolio-risk.js';
import type { MarketSnapshot, Position } from '../../portfolio/types.js';
import { type BacktestDay, backtestDays, summariseBacktest } from '../../risk/backtest.js';
import type { RiskResult } from '../../risk/errors.js';
import { prepareBook } from '../../risk/risk-book.js';
import { tailRisk } from '../../risk/tail-risk.js';
import { historicalLosses } from '../../risk/var-historical.js';
import type { TrafficLightZone } from '../../risk/traffic-light.js';
import { type BookOfDay, RISK_REPORT_METHOD, marketOf, portfolioIdsOf } from '../risk-common/book-of-day.js';

/** A limit the engine found breached on the day, from its risk snapshots (one row per portfolio and code). */
export interface BreachRecord {
  readonly portfolioId: string;
  /** The reason code (GREEK_LIMIT_DELTA, VAR_LIMIT, …, RISK_UNAVAILABLE). */
  readonly code: string;
  /** The detail of the first and of the last snapshot that carried it. */
  readonly firstDetail: string;
  readonly lastDetail: string;
  /** Engine clock ms of the first and last snapshot that carried it. */
  readonly firstMs: number;
  readonly lastMs: number;
  /** How many of the day's snapshots carried it. */
  readonly snapshots: number;
}

export interface DailyRiskInput {
  readonly book: BookOfDay;
  /** Ordered by portfolio, code. */
  readonly breaches: readonly BreachRecord[];
  /** The portfolio the request narrowed the report to, if any. */
  readonly portfolioId?: string;
}

export interface TailSection {
  readonly var99: number;
  readonly var975: number;
  readonly es99: number;
  readonly es975: number;
  readonly scenarios: number;
}

export interface UnderlyingGreeks {
  readonly underlying: string;
  readonly spot: number;
  readonly positions: number;
  readonly marketValue: number;
  readonly delta: number;
  readonly dollarDelta: number;
  readonly gamma: number;
  readonly dollarGamma: number;
  readonly vega: number;
  readonly thetaPerYear: number;
  readonly rho: number;
  readonly vanna: number;
  readonly volga: number;
  readonly charmPerYear: number;
}

export interface GreeksSection {
  readonly byUnderlying: readonly UnderlyingGreeks[];
  readonly totals: {
    readonly marketValue: number; readonly dollarDelta: number; readonly dollarGamma: number; readonly vega: number;
    readonly thetaPerYear: number; readonly rho: number; readonly volga: number; readonly dollarVanna: number; readonly dollarCharmPerYear: number;
  };
}

export interface MarginSection {
  /** SPAN-like scan requirement (16 scenarios per underlying, no offsets across underlyings). */
  readonly span: number;
  readonly strategyInitial: number;
  readonly strategyMaintenance: number;
}

export interface BacktestSection {
  readonly days: number;
  readonly confidence: number;
  readonly window: number;
  readonly exceptions: number;
  readonly zone: TrafficLightZone;
  readonly kupiecLR: number;
  readonly kupiecPValue: number;
  readonly exceptionDates: readonly string[];
}

export interface PositionRow {
  readonly instrument: string;
  readonly qty: number;
  readonly multiplier: number;
  readonly vol: number | null;
  readonly volSource: 'position' | 'market' | 'none';
  readonly marketValue: number;
}

export interface PortfolioSection {
  readonly portfolioId: string;
  readonly ownerId: string | null;
  readonly positions: readonly PositionRow[];
  readonly risk: TailSection;
  readonly greeks: GreeksSection;
  readonly margin: MarginSection;
  readonly backtest: BacktestSection;
  readonly breaches: number;
}

export interface DailyRiskDocument {
  readonly type: 'daily-risk';
  readonly reportDate: string;
  readonly valuationDate: string;
  /** The portfolio the report is narrowed to, or null for every portfolio. */
  readonly portfolioId: string | null;
  readonly method: {
    readonly var: string;
    readonly horizonDays: 1;
    readonly window: number;
    readonly varConfidences: readonly number[];
    readonly esConfidences: readonly number[];
    readonly backtestDays: number;
    readonly backtestConfidence: number;
    readonly valuation: string;
    readonly rate: number;
  };
  readonly market: {
    readonly spots: Readonly<Record<string, number>>;
    readonly historyFirstDate: string;
    readonly historyDays: number;
    readonly prices: readonly { ticker: string; column: string; firstDate: string; lastDate: string; sha256: string }[];
  };
  readonly portfolios: readonly PortfolioSection[];
  readonly total: {
    readonly portfolios: number;
    readonly positions: number;
    readonly risk: TailSection;
    readonly greeks: GreeksSection;
    readonly margin: MarginSection;
    readonly backtest: BacktestSection & { readonly series: readonly BacktestDay[] };
  };
  readonly breaches: readonly (Omit<BreachRecord, 'firstMs' | 'lastMs'> & { readonly first: string; readonly last: string })[];
}

function tails(positions: readonly Position[], market: MarketSnapshot, book: BookOfDay): RiskResult<TailSection> {
  const rb = prepareBook(positions, market);
  if (!rb.ok) return rb;
  const losses = historicalLosses(rb.value, book.histories, RISK_REPORT_METHOD.window, 1);
  if (!losses.ok) return losses;
  // tailRisk(c, esC) is what computeVar's historical method does; twice gives both levels of each.
  const a = tailRisk(losses.value, 0.99, 0.975);
  const b = tailRisk(losses.value, 0.975, 0.99);
  return { ok: true, value: { var99: a.var, var975: b.var, es99: b.es, es975: a.es, scenarios: RISK_REPORT_METHOD.window } };
}

function greeks(positions: readonly Position[], market: MarketSnapshot): RiskResult<GreeksSection> {
  const r = portfolioRisk(positions, market);
  if (!r.ok) return r;
  const byUnderlying = r.value.byUnderlying
    .map((u) => ({
      underlying: u.underlying, spot: u.spot, positions: u.positions, marketValue: u.marketValue, delta: u.delta, dollarDelta: u.dollarDelta,
      gamma: u.gamma, dollarGamma: u.dollarGamma, vega: u.vega, thetaPerYear: u.thetaPerYear, rho: u.rho, vanna: u.vanna, volga: u.volga,
      charmPerYear: u.charmPerYear,
    }))
    .sort((x, y) => (x.underlying < y.underlying ? -1 : x.underlying > y.underlying ? 1 : 0));
  const t = r.value.totals;
  return {
    ok: true,
    value: {
      byUnderlying,
      totals: {
        marketValue: t.marketValue, dollarDelta: t.dollarDelta, dollarGamma: t.dollarGamma, vega: t.vega, thetaPerYear: t.thetaPerYear,
        rho: t.rho, volga: t.volga, dollarVanna: t.dollarVanna, dollarCharmPerYear: t.dollarCharmPerYear,
      },
    },
  };
}

function margin(positions: readonly Position[], market: MarketSnapshot): MarginSection {
  const s = strategyMargin(positions, market);
  return { span: spanMargin(positions, market).requirement, strategyInitial: s.initial, strategyMaintenance: s.maintenance };
}

function backtest(positions: readonly Position[], market: MarketSnapshot, book: BookOfDay): RiskResult<{ summary: BacktestSection; series: BacktestDay[] }> {
  const { window, backtestDays: days, backtestConfidence: confidence, esConfidence } = RISK_REPORT_METHOD;
  const rows = backtestDays({ positions, market, histories: book.histories, confidence, window, days, esConfidence });
  if (!rows.ok) return rows;
  const s = summariseBacktest(rows.value, confidence, window);
  return {
    ok: true,
    value: {
      summary: { days: s.days, confidence, window, exceptions: s.exceptions, zone: s.zone, kupiecLR: s.kupiecLR, kupiecPValue: s.kupiecPValue, exceptionDates: s.exceptionDates },
      series: rows.value,
    },
  };
}

/** The document, or the engine's failure (insufficient history, a missing vol …) with its code. */
export function buildDailyRiskDocument(input: DailyRiskInput): RiskResult<DailyRiskDocument> {
  const { book } = input;
  const market = marketOf(book);
  const portfolios: PortfolioSection[] = [];
  for (const id of portfolioIdsOf(book)) {
    const lines = book.lines.filter((l) => l.portfolioId === id);
    const positions = lines.map((l) => l.position);
    const risk = tails(positions, market, book);
    if (!risk.ok) return risk;
    const g = greeks(positions, market);
    if (!g.ok) return g;
    const bt = backtest(positions, market, book);
    if (!bt.ok) return bt;
    const pr = portfolioRisk(positions, market);
    if (!pr.ok) return pr;
    portfolios.push({
      portfolioId: id,
      ownerId: (lines[0] as (typeof lines)[number]).ownerId,
      positions: lines.map((l, i) => ({
        instrument: l.position.instrument.symbol, qty: l.position.qty, multiplier: l.position.multiplier, vol: l.position.vol ?? null,
        volSource: l.volSource, marketValue: (pr.value.positions[i] as (typeof pr.value.positions)[number]).marketValue,
      })),
      risk: risk.value,
      greeks: g.value,
      margin: margin(positions, market),
      backtest: bt.value.summary,
      breaches: input.breaches.filter((b) => b.portfolioId === id).length,
    });
  }
  const all = book.lines.map((l) => l.position);
  const risk = tails(all, market, book);
  if (!risk.ok) return risk;
  const g = greeks(all, market);
  if (!g.ok) return g;
  const bt = backtest(all, market, book);
  if (!bt.ok) return bt;
  const sum = (f: (m: MarginSection) => number): number => portfolios.reduce((a, p) => a + f(p.margin), 0);
  const spots: Record<string, number> = {};
  for (const t of [...book.spots.keys()].sort()) spots[t] = book.spots.get(t) as number;
  return {
    ok: true,
    value: {
      type: 'daily-risk',
      reportDate: book.reportDate,
      valuationDate: book.valuationDate,
      portfolioId: input.portfolioId ?? null,
      method: {
        var: 'historical simulation, full revaluation, instantaneous shock',
        horizonDays: 1,
        window: RISK_REPORT_METHOD.window,
        varConfidences: [0.99, 0.975],
        esConfidences: [0.99, 0.975],
        backtestDays: RISK_REPORT_METHOD.backtestDays,
        backtestConfidence: RISK_REPORT_METHOD.backtestConfidence,
        valuation: 'close of valuationDate (21:00 UTC), spots its closes, vols the positions\'',
        rate: book.rate,
      },
      market: {
        spots,
        historyFirstDate: book.histories.dates[0] as string,
        historyDays: book.histories.dates.length,
        prices: book.prices.map((p) => ({ ticker: p.ticker, column: p.column, firstDate: p.firstDate, lastDate: p.lastDate, sha256: p.sha256 })),
      },
      portfolios,
      total: {
        portfolios: portfolios.length,
        positions: all.length,
        risk: risk.value,
        greeks: g.value,
        margin: { span: sum((m) => m.span), strategyInitial: sum((m) => m.strategyInitial), strategyMaintenance: sum((m) => m.strategyMaintenance) },
        backtest: { ...bt.value.summary, series: bt.value.series },
      },
      breaches: input.breaches.map((b) => ({
        portfolioId: b.portfolioId, code: b.code, firstDetail: b.firstDetail, lastDetail: b.lastDetail, snapshots: b.snapshots,
        first: new Date(b.firstMs).toISOString(), last: new Date(b.lastMs).toISOString(),
      })),
    },
  };
}
