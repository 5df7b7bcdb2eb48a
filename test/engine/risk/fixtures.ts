import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type AlignedHistories, type PriceHistory, alignHistories, parsePriceCsv } from '../../../src/engine/market/price-history.js';
import { PRICES_DIR } from '../../fixtures/prices.js';

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
