/**
 * Deterministic sample books for the demo mode and the real-time benchmark: P portfolios of K
 * option positions each (OCC symbols, monthly expiries 1–12 months after `asOf`, strikes around
 * spot, vols 0.15–0.6, qty ±1..20 contracts, multiplier 100) plus one stock position.
 *
 * Each portfolio concentrates on a few underlyings, as a desk book does: a tick then touches only
 * the portfolios that hold its underlying, which is what the tick-to-risk path is built around.
 */
import { formatOccSymbol } from '../instruments/occ-symbol.js';
import { isoToEpochDay } from './dates.js';
import type { CreatePortfolioRequest } from '../runtime/engine-api.js';
import { createRng } from '../risk/prng.js';
import type { DemoUnderlying } from './demo-market.js';

export interface DemoPortfolioOptions {
  readonly portfolios: number;
  readonly optionsPerPortfolio: number;
  readonly underlyings: readonly DemoUnderlying[];
  /** ISO date the expiries count from. */
  readonly asOf: string;
  readonly seed: number;
  /** Distinct underlyings per portfolio, default min(5, underlyings). */
  readonly underlyingsPerPortfolio?: number;
  /** Portfolio ids are `${idPrefix}${n}`, n zero-padded to 4+ digits. Default 'demo-'. */
  readonly idPrefix?: string;
}

export type DemoPortfolio = CreatePortfolioRequest & {
  readonly positions: readonly { readonly instrument: string; readonly qty: number; readonly vol?: number; readonly multiplier?: number }[];
};

/** Third Friday of the month `monthsAhead` months after `asOf` (the standard monthly expiry). */
export function monthlyExpiry(asOf: string, monthsAhead: number): string {
  const day = isoToEpochDay(asOf);
  if (Number.isNaN(day)) throw new RangeError(`asOf must be an ISO date, got "${asOf}"`);
  const d = new Date(day * 86_400_000);
  const first = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + monthsAhead, 1));
  const firstFriday = 1 + ((5 - first.getUTCDay() + 7) % 7);
  const third = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth(), firstFriday + 14));
  return third.toISOString().slice(0, 10);
}

/** Listed strikes step by 1 below 50, 2.5 below 200, 5 above. */
function roundStrike(x: number): number {
  const step = x < 50 ? 1 : x < 200 ? 2.5 : 5;
  return Math.max(step, Math.round(x / step) * step);
}

export function demoPortfolios(opts: DemoPortfolioOptions): DemoPortfolio[] {
  const { portfolios, optionsPerPortfolio, underlyings } = opts;
  if (!(Number.isInteger(portfolios) && portfolios >= 1)) throw new RangeError(`portfolios must be an integer >= 1, got ${portfolios}`);
  if (!(Number.isInteger(optionsPerPortfolio) && optionsPerPortfolio >= 0)) throw new RangeError(`optionsPerPortfolio must be an integer >= 0, got ${optionsPerPortfolio}`);
  if (underlyings.length === 0) throw new RangeError('at least one underlying is needed');
  const perPortfolio = Math.min(opts.underlyingsPerPortfolio ?? 5, underlyings.length);
  const prefix = opts.idPrefix ?? 'demo-';
  const width = Math.max(4, String(portfolios - 1).length);
  const rng = createRng(opts.seed);
  const int = (lo: number, hi: number): number => lo + Math.floor(rng.nextUniform() * (hi - lo + 1));

  const out: DemoPortfolio[] = [];
  for (let p = 0; p < portfolios; p++) {
    // A contiguous window of underlyings starting at a rotating offset spreads the books evenly.
    const start = (p * perPortfolio + int(0, underlyings.length - 1)) % underlyings.length;
    const mine = Array.from({ length: perPortfolio }, (_, j) => underlyings[(start + j) % underlyings.length] as DemoUnderlying);
    const seen = new Set<string>();
    const positions: { instrument: string; qty: number; vol: number; multiplier: number }[] = [];
    let attempts = 0;
    while (positions.length < optionsPerPortfolio && attempts++ < optionsPerPortfolio * 20) {
      const u = mine[int(0, mine.length - 1)] as DemoUnderlying;
      const instrument = formatOccSymbol({
        underlying: u.symbol,
        expiry: monthlyExpiry(opts.asOf, int(1, 12)),
        type: rng.nextUniform() < 0.5 ? 'call' : 'put',
        strike: roundStrike(u.spot * (0.8 + 0.4 * rng.nextUniform())),
      });
      if (seen.has(instrument)) continue; // one holding per instrument
      seen.add(instrument);
      const qty = int(1, 20) * (rng.nextUniform() < 0.5 ? -1 : 1);
      const vol = Math.round((0.15 + 0.45 * rng.nextUniform()) * 1000) / 1000;
      positions.push({ instrument, qty, vol, multiplier: 100 });
    }
    const stock = mine[0] as DemoUnderlying;
    const stockQty = int(1, 10) * 100 * (rng.nextUniform() < 0.5 ? -1 : 1);
    // Cash sized to the book so the demo's leverage sits well inside the default limit of 10.
    const notional = positions.reduce((s, x) => s + Math.abs(x.qty) * 100 * (mine.find((m) => x.instrument.startsWith(m.symbol.padEnd(6, ' ')))?.spot ?? 100), 0);
    const cash = Math.round((notional + Math.abs(stockQty) * stock.spot) / 2 / 1000) * 1000 + 1_000_000;
    out.push({
      portfolioId: `${prefix}${String(p).padStart(width, '0')}`,
      cash,
      positions: [{ instrument: stock.symbol, qty: stockQty, multiplier: 1 }, ...positions],
    });
  }
  return out;
}
