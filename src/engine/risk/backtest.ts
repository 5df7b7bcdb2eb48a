/**
 * VaR backtest of today's book over the last `days` days.
 *
 * The positions are held fixed, valued at market.valuationMs (same time to expiry, vols and rate every
 * day: the test isolates the price-move model, as the historical VaR itself does). For each test
 * day d (the last `days` aligned dates, ending at asOf):
 *   realised P&L_d = V(P_d) − V(P_{d−1})
 *   VaR_d          = 1-day historical full-revaluation VaR at `confidence` from the `window` daily
 *                    returns ending at d−1, applied to the prices P_{d−1}
 *   exception      when −P&L_d > VaR_d (strictly).
 * Needs days + window + 1 aligned prices.
 *
 * Price levels: each history is rescaled so that its asOf price equals the market spot. Returns are
 * unchanged by this, and the book is valued at consistent levels (an adjusted-close series sits below
 * the traded price, which would move options' moneyness). Then the last day values exactly like
 * today's book.
 */
import type { AlignedHistories } from '../market/price-history.js';
import type { MarketSnapshot, Position } from '../portfolio/types.js';
import { type RiskResult, riskErrors } from './errors.js';
import { isConfidence } from './compute-var.js';
import { kupiecPof } from './kupiec.js';
import { historyColumns } from './return-scenarios.js';
import { bookValue, prepareBook } from './risk-book.js';
import { historicalVarSeries, rescaledLevels } from './var-history.js';
import { type TrafficLightZone, trafficLightZone } from './traffic-light.js';

export interface BacktestInput {
  readonly positions: readonly Position[];
  readonly market: MarketSnapshot;
  /** Aligned histories ending at market.asOf. */
  readonly histories: AlignedHistories;
  readonly confidence: number;
  readonly window: number;
  readonly days: number;
}

export interface BacktestResult {
  readonly days: number;
  readonly exceptions: number;
  readonly kupiecLR: number;
  readonly kupiecPValue: number;
  readonly zone: TrafficLightZone;
  readonly confidence: number;
  readonly window: number;
  /** Dates on which the loss exceeded the VaR. */
  readonly exceptionDates: string[];
}

/** One day of a backtest: the realised P&L against the VaR (and ES) computed the day before. */
export interface BacktestDay {
  readonly date: string;
  /** V(P_d) − V(P_{d−1}), currency. */
  readonly pnl: number;
  /** VaR_d at `confidence`, positive = loss. */
  readonly var: number;
  /** ES_d at `esConfidence` from the same scenarios. */
  readonly es: number;
  /** −pnl > var (strictly). */
  readonly exception: boolean;
}

/**
 * The backtest day by day (what runBacktest summarises, and what a report charts). `esConfidence`
 * (default 0.975) only adds each day's ES from the same scenarios; the VaR and the exceptions do
 * not depend on it.
 */
export function backtestDays(input: BacktestInput & { readonly esConfidence?: number }): RiskResult<BacktestDay[]> {
  const { confidence, window, days, histories } = input;
  if (!isConfidence(confidence)) return riskErrors.badConfidence('confidence', confidence);
  if (!Number.isInteger(window) || window < 2) return riskErrors.badWindow(window);
  if (!Number.isInteger(days) || days < 1) return riskErrors.badScenarios(`days ${days} is not an integer >= 1`);
  const last = histories.dates[histories.dates.length - 1];
  if (last !== input.market.asOf) return riskErrors.historyNotAsOf(last, input.market.asOf);
  const bookR = prepareBook(input.positions, input.market);
  if (!bookR.ok) return bookR;
  const book = bookR.value;
  const cols = historyColumns(histories, book.tickers);
  if (!cols.ok) return cols;
  const n = histories.dates.length;
  if (n < days + window + 1) return riskErrors.insufficientHistory(days + window + 1, n, `a ${days}-day backtest with a ${window}-day window`);

  // VaR_d is the VaR as of d−1: the window returns ending at d−1 applied to the prices of d−1.
  const series = historicalVarSeries(book, histories, { window, confidence, esConfidence: input.esConfidence ?? 0.975 }, n - days - 1, n - 2);
  if (!series.ok) return series;
  const level = rescaledLevels(book, histories);
  if (!level.ok) return level;
  const nU = book.tickers.length;
  const spotsAt = (i: number): Float64Array => Float64Array.from({ length: nU }, (_, u) => level.value(u, i));

  const out: BacktestDay[] = [];
  let prevValue = bookValue(book, spotsAt(n - days - 1));
  for (let d = n - days; d < n; d++) {
    const varD = series.value.var[d - (n - days)] as number;
    const value = bookValue(book, spotsAt(d));
    const pnl = value - prevValue;
    out.push({ date: histories.dates[d] as string, pnl, var: varD, es: series.value.es[d - (n - days)] as number, exception: prevValue - value > varD });
    prevValue = value;
  }
  return { ok: true, value: out };
}

/** Exceptions, Kupiec's test and the traffic-light zone of a day-by-day backtest. */
export function summariseBacktest(rows: readonly BacktestDay[], confidence: number, window: number): BacktestResult {
  const exceptionDates = rows.filter((r) => r.exception).map((r) => r.date);
  const days = rows.length;
  const x = exceptionDates.length;
  const k = kupiecPof(days, x, 1 - confidence);
  return { days, exceptions: x, kupiecLR: k.lr, kupiecPValue: k.pValue, zone: trafficLightZone(days, x, confidence), confidence, window, exceptionDates };
}

export function runBacktest(input: BacktestInput): RiskResult<BacktestResult> {
  const rows = backtestDays(input);
  if (!rows.ok) return rows;
  return { ok: true, value: summariseBacktest(rows.value, input.confidence, input.window) };
}
