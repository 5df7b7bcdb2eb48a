/**
 * The book and market of a report day, as the risk reports (daily risk, capital) read them: the
 * positions held at the end of the day, valued at the close of the last trading date on or before it
 * from the daily price histories, and those histories aligned up to that date.
 *
 * Why the price files and not the engine's sampled `market_snapshots`: a report must give the same
 * bytes when regenerated, and the files are versioned by their sha256, while the snapshots are a
 * write-behind sample (a late batch can land after the report ran). The VaR, the backtest and the
 * stressed VaR need the histories anyway, and a spot from the same series keeps the backtest's last
 * day valued exactly like today's book.
 */
import { closeOfDateMs } from '../../market/time-to-expiry.js';
import type { AlignedHistories } from '../../market/price-history.js';
import type { MarketSnapshot, Position } from '../../portfolio/types.js';

/**
 * Report method constants, the one place they live. 250 days: Basel's minimum observation period
 * of one year, and the backtest's 250 days, so the backtest's VaR is the VaR the report shows.
 */
export const RISK_REPORT_METHOD = Object.freeze({
  /** Daily returns behind each historical VaR. */
  window: 250,
  /** Days of the VaR backtest (Basel's 250 business days). */
  backtestDays: 250,
  /** VaR confidences reported (1-day). */
  varConfidences: [0.99, 0.975] as const,
  /** The backtest's and the capital charge's VaR confidence. */
  backtestConfidence: 0.99,
  /** The ES shown beside the VaR history (FRTB's level). */
  esConfidence: 0.975,
});

/** Where an option position's vol came from. */
export type VolSource = 'position' | 'market' | 'none';

export interface BookLine {
  readonly portfolioId: string;
  /** The portfolio's owner (null: a house or demo portfolio). */
  readonly ownerId: string | null;
  /** The position with its vol resolved (an underlying has none). */
  readonly position: Position;
  /** 'position': its own vol; 'market': the vol another portfolio holds the same option at (the engine's volOf); 'none': an underlying. */
  readonly volSource: VolSource;
}

/** One price file read. */
export interface PriceSource {
  readonly ticker: string;
  /** The column the returns come from. */
  readonly column: 'adj_close' | 'close';
  readonly firstDate: string;
  readonly lastDate: string;
  readonly sha256: string;
}

export interface BookOfDay {
  /** The report's day, YYYY-MM-DD. */
  readonly reportDate: string;
  /** The last date on or before reportDate on which every underlying traded; spots are its closes. */
  readonly valuationDate: string;
  readonly rate: number;
  /** Close of valuationDate per underlying (the traded close; adj_close where a file has no other). */
  readonly spots: ReadonlyMap<string, number>;
  /** Ordered by portfolio, then instrument. */
  readonly lines: readonly BookLine[];
  /** Every underlying of `lines`, on their common calendar, ending at valuationDate. */
  readonly histories: AlignedHistories;
  /** Ordered by ticker. */
  readonly prices: readonly PriceSource[];
}

/** The market of the day: the close of valuationDate (option time to expiry runs from there). */
export function marketOf(b: BookOfDay): MarketSnapshot {
  return { asOf: b.valuationDate, valuationMs: closeOfDateMs(b.valuationDate), rate: b.rate, spots: b.spots };
}

/** Portfolio ids of the book, in order. */
export function portfolioIdsOf(b: BookOfDay): string[] {
  return [...new Set(b.lines.map((l) => l.portfolioId))];
}
