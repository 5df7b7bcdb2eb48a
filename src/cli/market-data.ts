import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { alignHistories, closeOn, parsePriceCsv, type AlignedHistories, type PriceHistory } from '../engine/market/price-history.js';
import { closeOfDateMs } from '../engine/market/time-to-expiry.js';
import type { MarketSnapshot } from '../engine/portfolio/types.js';
import { underlyingOf } from '../engine/portfolio/types.js';
import { CliError } from './errors.js';
import type { PortfolioFileContents } from './portfolio-file.js';

export interface LoadedMarket {
  readonly market: MarketSnapshot;
  /** Return histories (adj_close where present, else close) of every underlying, aligned up to asOf. */
  readonly histories: AlignedHistories;
}

/**
 * Reads `<dir>/<TICKER>.csv` for every underlying of the portfolio and builds the market on asOf,
 * valued at its close (closeOfDateMs): spots are that day's closes, and option time to expiry is
 * whole days / 365 (market/time-to-expiry.ts).
 */
export function loadMarket(portfolio: PortfolioFileContents, pricesDir: string): LoadedMarket {
  const tickers: string[] = [];
  const firstLine = new Map<string, number>();
  portfolio.positions.forEach((p, i) => {
    const u = underlyingOf(p.instrument);
    if (!firstLine.has(u)) {
      firstLine.set(u, portfolio.positionLines[i] ?? 1);
      tickers.push(u);
    }
  });
  const histories = new Map<string, PriceHistory>();
  const spots = new Map<string, number>();
  for (const t of tickers) {
    const file = join(pricesDir, `${t}.csv`);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message;
      throw new CliError(`${portfolio.source}:${firstLine.get(t)}: no price history for ticker ${t}: ${file} (${why})`);
    }
    const parsed = parsePriceCsv(text, file);
    if (!parsed.ok) throw new CliError(parsed.message);
    histories.set(t, parsed.history);
    const spot = closeOn(text, portfolio.asOf);
    if (spot === undefined) {
      throw new CliError(`${file}: no close on asOf ${portfolio.asOf} (${portfolio.source}:1 asks for it)`);
    }
    spots.set(t, spot);
  }
  const aligned = alignHistories(histories, portfolio.asOf, tickers);
  if (!aligned.ok) throw new CliError(`${portfolio.source}: ${aligned.message}`);
  return { market: { asOf: portfolio.asOf, valuationMs: closeOfDateMs(portfolio.asOf), rate: portfolio.rate, spots }, histories: aligned.aligned };
}
