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
import { bookValue, prepareBook, scenarioLosses } from './risk-book.js';
import { empiricalVar } from './tail-risk.js';
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

export function runBacktest(input: BacktestInput): RiskResult<BacktestResult> {
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

  const nU = book.tickers.length;
  const scale = book.tickers.map((_, u) => (book.spots[u] as number) / ((cols.value[u] as Float64Array)[n - 1] as number));
  const level = (u: number, i: number): number => ((cols.value[u] as Float64Array)[i] as number) * (scale[u] as number);
  const spotsAt = (i: number): Float64Array => Float64Array.from({ length: nU }, (_, u) => level(u, i));

  const factors = new Float64Array(window * nU);
  const losses = new Float64Array(window);
  const exceptionDates: string[] = [];
  let prevValue = bookValue(book, spotsAt(n - days - 1));
  for (let d = n - days; d < n; d++) {
    const base = spotsAt(d - 1);
    for (let s = 0; s < window; s++) {
      const i = d - window + s; // returns ending at d−1: i = d−window .. d−1
      for (let u = 0; u < nU; u++) {
        const p = cols.value[u] as Float64Array;
        factors[s * nU + u] = (p[i] as number) / (p[i - 1] as number);
      }
    }
    scenarioLosses(book, base, factors, window, losses);
    const varD = empiricalVar(losses, confidence);
    const value = bookValue(book, spotsAt(d));
    const loss = prevValue - value;
    if (loss > varD) exceptionDates.push(histories.dates[d] as string);
    prevValue = value;
  }
  const x = exceptionDates.length;
  const k = kupiecPof(days, x, 1 - confidence);
  return {
    ok: true,
    value: {
      days,
      exceptions: x,
      kupiecLR: k.lr,
      kupiecPValue: k.pValue,
      zone: trafficLightZone(days, x, confidence),
      confidence,
      window,
      exceptionDates,
    },
  };
}
