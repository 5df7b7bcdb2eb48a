/**
 * The seeded books of the risk-pool benches (risk-pool.bench.ts, incremental.bench.ts): 20 European
 * options per book over 50 underlyings, either "spread" (each option's underlying drawn from all 50,
 * ~17 per book) or "desk" (from a window of 5 adjacent ones, as the real-time bench's demo books).
 */
import type { Holding } from '../src/engine/actors/types.js';
import { createRng } from '../src/engine/risk/prng.js';

export const N_OPTIONS = 20;
export const N_UNDERLYINGS = 50;
export const NOW_MS = Date.UTC(2026, 0, 15, 15);

export const tickers = Array.from({ length: N_UNDERLYINGS }, (_, i) => `U${String(i).padStart(2, '0')}`);
export const spots = new Map(tickers.map((t, i) => [t, 20 + 7 * i]));
const EXPIRIES = ['2026-02-20', '2026-03-20', '2026-06-18', '2026-12-18'];

/** `window` underlyings per book: a random start, then adjacent ones (all 50: any underlying). */
export function portfolio(seed: number, window = N_UNDERLYINGS): Holding[] {
  const rng = createRng(seed);
  const start = window === N_UNDERLYINGS ? 0 : Math.floor(rng.nextUniform() * N_UNDERLYINGS);
  return Array.from({ length: N_OPTIONS }, (_, i): Holding => {
    const underlying = tickers[(start + Math.floor(rng.nextUniform() * window)) % N_UNDERLYINGS] as string;
    const s = spots.get(underlying) as number;
    return {
      instrument: {
        kind: 'option', symbol: `${underlying}-${i}`, underlying, expiry: EXPIRIES[i % 4] as string,
        type: rng.nextUniform() < 0.5 ? 'call' : 'put', strike: Math.round(s * (0.8 + 0.4 * rng.nextUniform())),
      },
      qty: Math.round((rng.nextUniform() - 0.5) * 20) || 1, multiplier: 100, vol: 0.15 + 0.4 * rng.nextUniform(),
      dividendYield: 0.01, style: 'european', avgPrice: 1, realisedPnl: 0,
    };
  });
}
