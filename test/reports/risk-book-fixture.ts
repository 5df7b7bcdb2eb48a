/**
 * A book of the day built for the risk reports' tests: two portfolios on SPY and AAPL as of
 * 2011-09-30 (after August 2011's falls, so the backtest has exceptions), read from data/prices the
 * way the loader reads them (traded close as spot, the file's return column for the histories).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { instrumentOf } from '../../src/engine/actors/instrument-symbol.js';
import { type PriceHistory, alignHistories, parsePriceCsv } from '../../src/engine/market/price-history.js';
import type { Position } from '../../src/engine/portfolio/types.js';
import { type BookLine, type BookOfDay } from '../../src/engine/reports/risk-common/book-of-day.js';

export const PRICES_DIR = path.resolve(__dirname, '../../data/prices');
export const DAY = '2011-09-30';

/** portfolio, symbol, qty, vol. */
export const SCENARIO: readonly (readonly [string, string, number, number | null])[] = [
  ['P1-options', 'AAPL  120121C00012000', 20, 0.35],
  ['P1-options', 'SPY   111217C00115000', 10, 0.3],
  ['P1-options', 'SPY   111217P00105000', -5, 0.32],
  ['P2-stock', 'AAPL', 1000, null],
];

export function position(symbol: string, qty: number, vol: number | null): Position {
  const instrument = instrumentOf(symbol);
  if (!instrument) throw new Error(symbol);
  return { instrument, qty, multiplier: instrument.kind === 'option' ? 100 : 1, dividendYield: 0, style: 'european', ...(vol !== null ? { vol } : {}) };
}

export function readHistory(ticker: string): { history: PriceHistory; text: string; sha256: string } {
  const bytes = readFileSync(path.join(PRICES_DIR, `${ticker}.csv`));
  const text = bytes.toString('utf8');
  const p = parsePriceCsv(text, ticker);
  if (!p.ok) throw new Error(p.message);
  return { history: p.history, text, sha256: createHash('sha256').update(bytes).digest('hex') };
}

export function scenarioBook(only?: string): BookOfDay {
  const lines: BookLine[] = SCENARIO.filter(([p]) => only === undefined || p === only).map(([portfolioId, symbol, qty, vol]) => ({
    portfolioId, ownerId: null, position: position(symbol, qty, vol), volSource: vol === null ? 'none' : 'position',
  }));
  const tickers = ['AAPL', 'SPY'];
  const histories = new Map<string, PriceHistory>();
  const spots = new Map<string, number>();
  const prices = tickers.map((t) => {
    const h = readHistory(t);
    histories.set(t, h.history);
    const i = h.history.dates.indexOf(DAY);
    // SPY's file has only the traded close, AAPL's only the adjusted one: both are the return column.
    spots.set(t, h.history.prices[i] as number);
    return { ticker: t, column: h.history.priceColumn ?? 'close', firstDate: h.history.dates[0] as string, lastDate: h.history.dates.at(-1) as string, sha256: h.sha256 };
  });
  const a = alignHistories(histories, DAY, tickers);
  if (!a.ok) throw new Error(a.message);
  return { reportDate: DAY, valuationDate: DAY, rate: 0.03, spots, lines, histories: a.aligned, prices };
}
