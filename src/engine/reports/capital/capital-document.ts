/**
 * The capital report's document: the book of the day's VaR figures computed with the engine's
 * historical full-revaluation VaR (var-history.ts, backtest.ts), then the Basel 2.5 arithmetic
 * (capital-charge.ts) with every input and step.
 *
 * - VaR1_d: 1-day 99% VaR of today's book held fixed, as of each of the last 60 trading days (the
 *   250 returns ending at d applied to d's prices rescaled to today's spots). Today's book rather
 *   than each day's own: the engine keeps no VaR of past books computed by this method, and holding
 *   the book fixed is what the backtest does too.
 * - sVaR1_d: the same book under the stressed period's 250 returns: the window of the whole history
 *   on file that gives today's book its largest 1-day 99% VaR at today's spots (the price files reach
 *   back to 1999, so 2008 is searched).
 * - The backtest's exceptions (250 days, 99%) give the plus factor.
 */
import { type MarketSnapshot, type Position } from '../../portfolio/types.js';
import { backtestDays, summariseBacktest } from '../../risk/backtest.js';
import type { RiskResult } from '../../risk/errors.js';
import { riskErrors } from '../../risk/errors.js';
import { prepareBook } from '../../risk/risk-book.js';
import { fixedWindowVarSeries, historicalVarSeries, stressedWindow } from '../../risk/var-history.js';
import { type BookOfDay, RISK_REPORT_METHOD, marketOf } from '../risk-common/book-of-day.js';
import { type CapitalCharge, capitalCharge } from './capital-charge.js';

export interface CapitalSpec {
  readonly confidence: number;
  readonly horizonDays: number;
  readonly window: number;
  readonly averageDays: number;
  readonly backtestDays: number;
}

export const BASEL_CAPITAL_SPEC: CapitalSpec = Object.freeze({
  confidence: 0.99,
  horizonDays: 10,
  window: RISK_REPORT_METHOD.window,
  averageDays: 60,
  backtestDays: RISK_REPORT_METHOD.backtestDays,
});

export interface CapitalDocument {
  readonly type: 'capital';
  readonly reportDate: string;
  readonly valuationDate: string;
  readonly portfolioId: string | null;
  readonly method: CapitalSpec & { readonly scaling: string; readonly rate: number };
  readonly book: {
    readonly portfolios: readonly string[];
    readonly positions: number;
    readonly spots: Readonly<Record<string, number>>;
  };
  readonly history: {
    readonly firstDate: string;
    readonly days: number;
    readonly prices: readonly { ticker: string; column: string; sha256: string }[];
  };
  readonly stressedPeriod: {
    readonly firstReturnDate: string;
    readonly lastReturnDate: string;
    readonly windowsSearched: number;
    readonly var1DayAtSpots: number;
  };
  readonly charge: CapitalCharge;
}

export function buildCapitalDocument(book: BookOfDay, portfolioId?: string, spec: CapitalSpec = BASEL_CAPITAL_SPEC): RiskResult<CapitalDocument> {
  const market: MarketSnapshot = marketOf(book);
  const positions: Position[] = book.lines.map((l) => l.position);
  const rb = prepareBook(positions, market);
  if (!rb.ok) return rb;
  const h = book.histories;
  const n = h.dates.length;
  const { window, averageDays, confidence } = spec;
  const needed = Math.max(averageDays + window, spec.backtestDays + window) + 1;
  if (n < needed) return riskErrors.insufficientHistory(needed, n, `the capital charge (${averageDays}-day averages and a ${spec.backtestDays}-day backtest, ${window}-day windows)`);
  const seriesSpec = { window, confidence, esConfidence: RISK_REPORT_METHOD.esConfidence };
  const vars = historicalVarSeries(rb.value, h, seriesSpec, n - averageDays, n - 1);
  if (!vars.ok) return vars;
  const stressed = stressedWindow(rb.value, h, window, confidence);
  if (!stressed.ok) return stressed;
  const svars = fixedWindowVarSeries(rb.value, h, seriesSpec, stressed.value.endIndex, n - averageDays, n - 1);
  if (!svars.ok) return svars;
  const bt = backtestDays({ positions, market, histories: h, confidence, window, days: spec.backtestDays });
  if (!bt.ok) return bt;
  const summary = summariseBacktest(bt.value, confidence, window);
  const charge = capitalCharge({
    horizonDays: spec.horizonDays,
    var1: { dates: vars.value.dates, values: [...vars.value.var] },
    svar1: { dates: svars.value.dates, values: [...svars.value.var] },
    backtest: { days: summary.days, exceptions: summary.exceptions, zone: summary.zone },
  });
  const spots: Record<string, number> = {};
  for (const t of [...book.spots.keys()].sort()) spots[t] = book.spots.get(t) as number;
  return {
    ok: true,
    value: {
      type: 'capital',
      reportDate: book.reportDate,
      valuationDate: book.valuationDate,
      portfolioId: portfolioId ?? null,
      method: { ...spec, scaling: `square root of time: VaR${spec.horizonDays} = sqrt(${spec.horizonDays}) x VaR1`, rate: book.rate },
      book: { portfolios: [...new Set(book.lines.map((l) => l.portfolioId))], positions: positions.length, spots },
      history: { firstDate: h.dates[0] as string, days: n, prices: book.prices.map((p) => ({ ticker: p.ticker, column: p.column, sha256: p.sha256 })) },
      stressedPeriod: {
        firstReturnDate: stressed.value.firstReturnDate, lastReturnDate: stressed.value.lastReturnDate,
        windowsSearched: stressed.value.windowsSearched, var1DayAtSpots: stressed.value.var,
      },
      charge,
    },
  };
}
