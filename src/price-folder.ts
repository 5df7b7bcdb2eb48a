/**
 * A folder of daily price histories, one `<TICKER>.csv` per name (PRICES_DIR): every such file
 * is read, whatever the tickers are, and each file that is not a usable history is named with why.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePriceCsv, type PriceHistory } from './engine/market/price-history.js';

/** A file name that names a ticker: letters, digits, `.`, `-` and `^` (e.g. `BRK.B`, `^GSPC`). */
const TICKER_FILE = /^([A-Za-z0-9.^-]{1,32})\.csv$/;

export interface PriceFolder {
  /** Ticker → history, in the folder's sorted order. */
  readonly histories: ReadonlyMap<string, PriceHistory>;
  /** Files that were skipped, each with the reason. */
  readonly skipped: readonly { readonly file: string; readonly reason: string }[];
}

export function readPriceFolder(dir: string): PriceFolder {
  const histories = new Map<string, PriceHistory>();
  const skipped: { file: string; reason: string }[] = [];
  for (const file of readdirSync(dir).sort()) {
    if (!file.toLowerCase().endsWith('.csv')) continue;
    const m = TICKER_FILE.exec(file);
    if (m === null) {
      skipped.push({ file, reason: 'the name is not <TICKER>.csv' });
      continue;
    }
    const ticker = m[1] as string;
    try {
      const parsed = parsePriceCsv(readFileSync(join(dir, file), 'utf8'), ticker);
      if (parsed.ok) histories.set(ticker, parsed.history);
      else skipped.push({ file, reason: parsed.message });
    } catch (e) {
      skipped.push({ file, reason: e instanceof Error ? e.message : String(e) });
    }
  }
  return { histories, skipped };
}
