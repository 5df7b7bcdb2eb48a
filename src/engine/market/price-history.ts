/**
 * Daily price histories for historical VaR, Monte Carlo calibration and backtests.
 *
 * The parser reads the CSV layout of `data/prices/*.csv`
 * (`date,open,high,low,close,adj_close,volume`). It is pure: the CLI reads the file and passes the
 * text plus a `source` name that every error message repeats, with the 1-based line number.
 *
 * Which price column: decided once per file, from the first data row. When its `adj_close` is filled
 * the whole file uses `adj_close` (split- and dividend-adjusted, so returns are total returns);
 * otherwise the whole file uses `close`. A later row missing the chosen column is an error rather than
 * a silent switch of price basis, because a mixed series would contain fake returns at the switch.
 */
import { type Failure, failure } from '../result.js';
import { isoToEpochDay } from './dates.js';

export interface PriceHistory {
  /** Trading dates, ISO `YYYY-MM-DD`, strictly ascending. */
  readonly dates: string[];
  /** Price on each date, same index as `dates`, all > 0. */
  readonly prices: Float64Array;
  /** The column the prices were read from. */
  readonly priceColumn?: 'adj_close' | 'close';
}

/** Stable reason codes of the history functions. */
export type PriceHistoryErrorCode =
  | 'BAD_HEADER'
  | 'BAD_ROW'
  | 'BAD_DATE'
  | 'NON_ASCENDING_DATES'
  | 'BAD_PRICE'
  | 'EMPTY_HISTORY'
  | 'MISSING_HISTORY'
  | 'AS_OF_NOT_TRADING_DATE';

export type PriceHistoryFailure = Failure<PriceHistoryErrorCode>;

const HEADER = ['date', 'open', 'high', 'low', 'close', 'adj_close', 'volume'] as const;
const CLOSE_COL = 4;
const ADJ_COL = 5;

const fail = (code: PriceHistoryErrorCode, message: string): PriceHistoryFailure => failure(code, message);

/** Parses one price CSV. Errors name `source` and the 1-based line number. */
export function parsePriceCsv(
  text: string,
  source: string,
): { ok: true; history: PriceHistory } | PriceHistoryFailure {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const lines = body.split('\n');
  const header = (lines[0] ?? '').replace(/\r$/, '').trim();
  if (header !== HEADER.join(',')) {
    return fail('BAD_HEADER', `${source}:1: bad header "${header}" (expected "${HEADER.join(',')}")`);
  }
  const dates: string[] = [];
  const prices: number[] = [];
  let column: 'adj_close' | 'close' | undefined;
  let lastDay = -Infinity;
  for (let i = 1; i < lines.length; i++) {
    const line = (lines[i] as string).replace(/\r$/, '');
    if (line.trim() === '') continue;
    const where = `${source}:${i + 1}`;
    const cells = line.split(',');
    if (cells.length !== HEADER.length) {
      return fail('BAD_ROW', `${where}: expected ${HEADER.length} comma-separated fields, found ${cells.length}`);
    }
    const date = (cells[0] as string).trim();
    const day = isoToEpochDay(date);
    if (Number.isNaN(day)) return fail('BAD_DATE', `${where}: bad date "${date}" (expected a real date YYYY-MM-DD)`);
    if (!(day > lastDay)) {
      return fail('NON_ASCENDING_DATES', `${where}: date ${date} is not after the previous row's ${dates[dates.length - 1]}`);
    }
    lastDay = day;
    if (column === undefined) column = (cells[ADJ_COL] as string).trim() !== '' ? 'adj_close' : 'close';
    // The traded close gives the spot on asOf even when returns come from adj_close: check it too.
    const closeRaw = (cells[CLOSE_COL] as string).trim();
    if (column === 'adj_close' && closeRaw !== '' && !(Number(closeRaw) > 0)) {
      return fail('BAD_PRICE', `${where}: close "${closeRaw}" is not a positive number`);
    }
    const raw = (cells[column === 'adj_close' ? ADJ_COL : CLOSE_COL] as string).trim();
    const price = raw === '' ? NaN : Number(raw);
    if (!Number.isFinite(price) || !(price > 0)) {
      return fail('BAD_PRICE', `${where}: ${column} "${raw}" is not a positive number`);
    }
    dates.push(date);
    prices.push(price);
  }
  if (dates.length === 0) return fail('EMPTY_HISTORY', `${source}: no data rows after the header`);
  return { ok: true, history: { dates, prices: Float64Array.from(prices), priceColumn: column ?? 'close' } };
}

/** Histories of several tickers on one common calendar ending at `asOf`. */
export interface AlignedHistories {
  /** Common trading dates (the inner join), ascending, the last one is `asOf`. */
  readonly dates: string[];
  /** Prices per ticker, each aligned with `dates`. */
  readonly prices: ReadonlyMap<string, Float64Array>;
}

/**
 * Inner-joins the dates of `histories` up to and including `asOf`. Only `tickers` are joined when
 * given (the underlyings a portfolio needs), otherwise every history. `asOf` must be a trading date
 * of every joined ticker: a VaR "as of" a day a ticker did not trade would silently use a stale price.
 */
export function alignHistories(
  histories: ReadonlyMap<string, PriceHistory>,
  asOf: string,
  tickers: readonly string[] = [...histories.keys()],
): { ok: true; aligned: AlignedHistories } | PriceHistoryFailure {
  if (Number.isNaN(isoToEpochDay(asOf))) return fail('BAD_DATE', `asOf "${asOf}" is not a date YYYY-MM-DD`);
  const missing = tickers.filter((t) => !histories.has(t));
  if (missing.length > 0) return fail('MISSING_HISTORY', `no price history for ${missing.join(', ')}`);
  if (tickers.length === 0) return { ok: true, aligned: { dates: [], prices: new Map() } };

  const notTrading = tickers.filter((t) => !(histories.get(t) as PriceHistory).dates.includes(asOf));
  if (notTrading.length > 0) {
    return fail('AS_OF_NOT_TRADING_DATE', `asOf ${asOf} is not a trading date of ${notTrading.join(', ')}`);
  }
  // Count, for each date <= asOf, in how many histories it appears; keep those present in all.
  const count = new Map<string, number>();
  for (const t of tickers) {
    for (const d of (histories.get(t) as PriceHistory).dates) {
      if (d > asOf) break;
      count.set(d, (count.get(d) ?? 0) + 1);
    }
  }
  const dates = [...count].filter(([, n]) => n === tickers.length).map(([d]) => d).sort();
  const prices = new Map<string, Float64Array>();
  for (const t of tickers) {
    const h = histories.get(t) as PriceHistory;
    const index = new Map<string, number>();
    h.dates.forEach((d, i) => index.set(d, i));
    const out = new Float64Array(dates.length);
    dates.forEach((d, j) => { out[j] = h.prices[index.get(d) as number] as number; });
    prices.set(t, out);
  }
  return { ok: true, aligned: { dates, prices } };
}

/**
 * Close of `date` in a price CSV's text (`date,open,high,low,close,adj_close,volume`): the traded
 * close, falling back to `adj_close` for files that only carry the adjusted series. Spot must be
 * the traded price, not the dividend-adjusted one, because strikes are in traded prices; returns
 * still come from the file's return column (parsePriceCsv).
 */
export function closeOn(text: string, date: string): number | undefined {
  const at = text.indexOf(`\n${date},`);
  if (at < 0) return undefined;
  const end = text.indexOf('\n', at + 1);
  const cells = text.slice(at + 1, end < 0 ? undefined : end).replace(/\r$/, '').split(',');
  const close = Number(cells[4]?.trim() || NaN);
  const adj = Number(cells[5]?.trim() || NaN);
  return close > 0 ? close : adj > 0 ? adj : undefined;
}
