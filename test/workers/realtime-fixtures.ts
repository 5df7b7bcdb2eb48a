/** Seeded portfolios for the real-time risk tests (kernel and pool). */
import type { Holding } from '../../src/engine/actors/types.js';
import type { RecalcInput } from '../../src/engine/runtime/risk-calculator.js';
import type { MarketSnapshot, Position } from '../../src/engine/portfolio/types.js';
import { createRng } from '../../src/engine/risk/prng.js';

export const AS_OF = '2026-01-15';
/** 21:00 UTC on AS_OF, its close: time to a 21:00 UTC expiry is then exactly whole days / 365. */
export const NOW_MS = Date.UTC(2026, 0, 15, 21);
export const RATE = 0.04;
export const TICKERS = ['AAA', 'BBB', 'CCC', 'DDD', 'EEE', 'FFF'];

export function spotsOf(tickers: readonly string[] = TICKERS): Map<string, number> {
  return new Map(tickers.map((t, i) => [t, 50 + 37 * i]));
}

const EXPIRIES = ['2026-01-16', '2026-02-20', '2026-03-20', '2026-06-18', '2026-12-18', '2027-06-17'];

/** `nOptions` seeded option holdings over `tickers`, plus `nStock` stock holdings; some short. */
export function holdingsOf(seed: number, nOptions: number, tickers: readonly string[] = TICKERS, nStock = 2, american = false): Holding[] {
  const rng = createRng(seed);
  const spots = spotsOf(tickers);
  const out: Holding[] = [];
  for (let i = 0; i < nOptions; i++) {
    const underlying = tickers[Math.floor(rng.nextUniform() * tickers.length)] as string;
    const s = spots.get(underlying) as number;
    const strike = Math.round(s * (0.8 + 0.4 * rng.nextUniform()) * 100) / 100;
    const type = rng.nextUniform() < 0.5 ? 'call' : 'put';
    out.push({
      instrument: { kind: 'option', symbol: `${underlying}-${i}`, underlying, expiry: EXPIRIES[i % EXPIRIES.length] as string, type, strike },
      qty: Math.round((rng.nextUniform() - 0.5) * 20) || 1,
      multiplier: 100,
      vol: 0.15 + 0.4 * rng.nextUniform(),
      dividendYield: 0.01 * (i % 3),
      style: american && i % 4 === 0 ? 'american' : 'european',
      avgPrice: 1,
      realisedPnl: 0,
    });
  }
  for (let i = 0; i < nStock; i++) {
    const symbol = tickers[Math.floor(rng.nextUniform() * tickers.length)] as string;
    out.push({
      instrument: { kind: 'underlying', symbol },
      qty: Math.round((rng.nextUniform() - 0.5) * 2000),
      multiplier: 1,
      dividendYield: 0,
      style: 'european',
      avgPrice: 1,
      realisedPnl: 0,
    });
  }
  return out;
}

export function inputOf(portfolioId: string, holdings: readonly Holding[], withMargin = false, spots = spotsOf()): RecalcInput {
  return { portfolioId, holdings, spots, rate: RATE, nowMs: NOW_MS, withMargin };
}

export function marketOf(spots = spotsOf()): MarketSnapshot {
  return { asOf: AS_OF, valuationMs: NOW_MS, rate: RATE, spots };
}

export const positionsOf = (h: readonly Holding[]): Position[] => [...h];
