import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type AlignedHistories, type PriceHistory, alignHistories, parsePriceCsv } from '../../../src/engine/market/price-history.js';
import { closeOfDateMs } from '../../../src/engine/market/time-to-expiry.js';
import type { MarketSnapshot, Position } from '../../../src/engine/portfolio/types.js';

/** ../shared/data/prices seen from the repo root (a sibling of the clone in CI). */
export const PRICES_DIR = path.resolve(import.meta.dirname, '../../../../shared/data/prices');

export function readPriceCsv(ticker: string): string {
  return readFileSync(path.join(PRICES_DIR, `${ticker}.csv`), 'utf8');
}

export function loadHistory(ticker: string): PriceHistory {
  const r = parsePriceCsv(readPriceCsv(ticker), `${ticker}.csv`);
  if (!r.ok) throw new Error(r.message);
  return r.history;
}

export function loadAligned(tickers: string[], asOf: string): AlignedHistories {
  const r = alignHistories(new Map(tickers.map((t) => [t, loadHistory(t)])), asOf);
  if (!r.ok) throw new Error(r.message);
  return r.aligned;
}

/** Aligned histories from literal price columns (dates are synthetic weekdays). */
export function syntheticAligned(columns: Record<string, number[]>): AlignedHistories {
  const n = Object.values(columns)[0]!.length;
  const dates: string[] = [];
  let day = Date.UTC(2020, 0, 1);
  for (let i = 0; i < n; i++) {
    dates.push(new Date(day).toISOString().slice(0, 10));
    day += 86_400_000;
  }
  return { dates, prices: new Map(Object.entries(columns).map(([t, p]) => [t, Float64Array.from(p)])) };
}

export const stock = (symbol: string, qty: number): Position => ({
  instrument: { kind: 'underlying', symbol },
  qty,
  multiplier: 1,
  dividendYield: 0,
  style: 'european',
});

export const option = (
  underlying: string,
  type: 'call' | 'put',
  strike: number,
  expiry: string,
  qty: number,
  vol: number,
  style: 'european' | 'american' = 'european',
): Position => ({
  instrument: { kind: 'option', symbol: `${underlying} ${expiry} ${type} ${strike}`, underlying, expiry, type, strike },
  qty,
  multiplier: 100,
  vol,
  dividendYield: 0,
  style,
});

/** The market on asOf, valued at its close (as the CLI values a portfolio file). */
export const marketOf = (asOf: string, spots: Record<string, number>, rate = 0.01): MarketSnapshot => ({
  asOf,
  valuationMs: closeOfDateMs(asOf),
  rate,
  spots: new Map(Object.entries(spots)),
});

/** Deterministic pseudo-random walk for synthetic tests (no Math.random). */
export function walk(n: number, start: number, seed: number, dailyVol = 0.01): number[] {
  let x = seed >>> 0;
  const out = [start];
  for (let i = 1; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    const u = x / 4294967296 - 0.5;
    out.push(out[i - 1]! * (1 + dailyVol * 3.4 * u));
  }
  return out;
}
