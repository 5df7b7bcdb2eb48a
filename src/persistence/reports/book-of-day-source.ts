/**
 * Reads the book and market of a report day for the risk reports (daily risk, capital): the
 * positions held at the end of the day (positionsAsOf), each option's vol, and the price histories
 * of their underlyings from settings.pricesDir (`<TICKER>.csv`). Refuses, with a stable code, what
 * cannot make a valid report. The market decision (price files, not market_snapshots) is explained
 * in src/engine/reports/risk-common/book-of-day.ts.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { instrumentOf } from '../../engine/actors/instrument-symbol.js';
import { isoToEpochDay } from '../../engine/market/dates.js';
import { type PriceHistory, alignHistories, closeOn, parsePriceCsv } from '../../engine/market/price-history.js';
import { MS_PER_DAY } from '../../engine/market/time-to-expiry.js';
import { type Position, underlyingOf } from '../../engine/portfolio/types.js';
import { type BookLine, type BookOfDay, type PriceSource } from '../../engine/reports/risk-common/book-of-day.js';
import { ReportError, type ReportRequest, type ReportSources } from '../../workers/reports/report-definition.js';
import { positionsAsOf } from './positions-as-of.js';

/** The valuation date may lie this many calendar days before the report day (a weekend and a holiday or two). */
export const MAX_STALE_DAYS = 5;

/** The start of the next UTC day of a checked `YYYY-MM-DD`: a day's book is the positions held before it. */
export function endOfDayMs(day: string): number {
  return (isoToEpochDay(day) + 1) * MS_PER_DAY;
}

export function checkDay(req: ReportRequest): string {
  if (Number.isNaN(isoToEpochDay(req.from)) || req.from !== req.to) {
    throw new ReportError('BAD_PERIOD', `a ${req.type} report is of one day: from = to = YYYY-MM-DD (got ${req.from} .. ${req.to})`);
  }
  return req.from;
}

export interface LoadedBook {
  readonly book: BookOfDay;
  readonly versions: Record<string, string | number>;
}

export async function loadBookOfDay(src: ReportSources, req: ReportRequest): Promise<LoadedBook> {
  const day = checkDay(req);
  const dir = src.settings.pricesDir;
  if (dir === undefined) throw new ReportError('NO_PRICES_DIR', `a ${req.type} report needs the daily price histories: set PRICES_DIR`);
  if (req.portfolioId !== undefined) {
    const found = await src.pool.query('SELECT 1 FROM portfolios WHERE portfolio_id = $1', [req.portfolioId]);
    if (found.rowCount === 0) throw new ReportError('UNKNOWN_PORTFOLIO', `no portfolio ${req.portfolioId}`);
  }
  const held = await positionsAsOf(src.pool, endOfDayMs(day), req.portfolioId);
  if (held.positions.length === 0) {
    throw new ReportError('EMPTY_BOOK', `no position was held at the end of ${day}${req.portfolioId ? ` in ${req.portfolioId}` : ''}: nothing to measure`);
  }

  // Options held without a vol take the one another portfolio holds the same contract at, as the
  // engine's volOf does; the first by portfolio id, so the choice does not depend on row order.
  const noVol = [...new Set(held.positions.filter((p) => p.vol === null && instrumentOf(p.instrument)?.kind === 'option').map((p) => p.instrument))];
  const marketVol = new Map<string, number>();
  if (noVol.length > 0) {
    const r = await src.pool.query<{ instrument: string; vol: number }>(
      'SELECT DISTINCT ON (instrument) instrument, vol FROM positions WHERE vol IS NOT NULL AND instrument = ANY($1) ORDER BY instrument, portfolio_id', [noVol]);
    for (const row of r.rows) marketVol.set(row.instrument, row.vol);
  }
  const lines: BookLine[] = [];
  for (const h of held.positions) {
    const instrument = instrumentOf(h.instrument);
    if (!instrument) throw new ReportError('BAD_INSTRUMENT', `${h.portfolioId} holds ${JSON.stringify(h.instrument)}, which is neither an OCC option symbol nor a ticker`);
    let vol: number | undefined;
    let volSource: BookLine['volSource'] = 'none';
    if (instrument.kind === 'option') {
      vol = h.vol ?? marketVol.get(h.instrument);
      if (vol === undefined) throw new ReportError('NO_VOL', `${h.portfolioId} holds ${h.instrument} without a vol, and no portfolio holds it with one`);
      volSource = h.vol !== null ? 'position' : 'market';
    }
    const position: Position = { instrument, qty: h.qty, multiplier: h.multiplier, dividendYield: h.dividendYield, style: h.style, ...(vol !== undefined ? { vol } : {}) };
    lines.push({ portfolioId: h.portfolioId, ownerId: h.ownerId, position, volSource });
  }

  const tickers = [...new Set(lines.map((l) => underlyingOf(l.position.instrument)))].sort();
  const histories = new Map<string, PriceHistory>();
  const texts = new Map<string, string>();
  const prices: PriceSource[] = [];
  for (const t of tickers) {
    const file = join(dir, `${t}.csv`);
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (e) {
      const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message;
      throw new ReportError('NO_PRICE_HISTORY', `no price history for underlying ${t}: ${t}.csv in PRICES_DIR (${why})`);
    }
    const text = bytes.toString('utf8');
    const parsed = parsePriceCsv(text, `${t}.csv`);
    if (!parsed.ok) throw new ReportError('BAD_PRICE_FILE', parsed.message);
    const ph = parsed.history;
    histories.set(t, ph);
    texts.set(t, text);
    prices.push({
      ticker: t, column: ph.priceColumn ?? 'close', firstDate: ph.dates[0] as string, lastDate: ph.dates[ph.dates.length - 1] as string,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    });
  }

  // The valuation date: the last date on or before the report day on which every underlying traded.
  let common: Set<string> | undefined;
  for (const t of tickers) {
    const ds = (histories.get(t) as PriceHistory).dates.filter((d) => d <= day);
    common = common === undefined ? new Set(ds) : new Set(ds.filter((d) => (common as Set<string>).has(d)));
  }
  const valuationDate = [...(common ?? [])].sort().pop();
  if (valuationDate === undefined) throw new ReportError('NO_PRICES_ON_DAY', `no date on or before ${day} on which ${tickers.join(', ')} all traded`);
  if (isoToEpochDay(day) - isoToEpochDay(valuationDate) > MAX_STALE_DAYS) {
    throw new ReportError('STALE_PRICES', `the last common close of ${tickers.join(', ')} on or before ${day} is ${valuationDate}, more than ${MAX_STALE_DAYS} days earlier: the price files end too soon`);
  }
  const spots = new Map<string, number>();
  for (const t of tickers) {
    const spot = closeOn(texts.get(t) as string, valuationDate);
    if (spot === undefined) throw new ReportError('NO_PRICES_ON_DAY', `${t}.csv has no close on ${valuationDate}`);
    spots.set(t, spot);
  }
  const aligned = alignHistories(histories, valuationDate, tickers);
  if (!aligned.ok) throw new ReportError('NO_PRICES_ON_DAY', aligned.message);

  const versions: Record<string, string | number> = { fills: held.fills };
  for (const p of prices) versions[`prices:${p.ticker}`] = p.sha256;
  return {
    book: { reportDate: day, valuationDate, rate: src.settings.riskFreeRate, spots, lines, histories: aligned.aligned, prices },
    versions,
  };
}
