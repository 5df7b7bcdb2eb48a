/**
 * A simulated market for the demo mode and the real-time benchmark: correlated geometric random
 * walks over N underlyings under a one-factor model,
 *
 *   dW_i = β·Z_market + √(1 − β²)·Z_i,   S_i ← S_i · exp(−½σ_i²·dt + σ_i·√dt·dW_i),
 *
 * so every pair of underlyings has correlation β². Pure and seeded: the same seed and the same
 * sequence of `next(dtMs)` calls give the same prices on every machine.
 */
import { createRng } from '../risk/prng.js';
import { MS_PER_YEAR } from './time-to-expiry.js';

export interface DemoUnderlying {
  readonly symbol: string;
  readonly spot: number;
  /** Annualised volatility, as a fraction. */
  readonly vol: number;
}

export interface DemoMarketOptions {
  readonly underlyings: readonly DemoUnderlying[];
  readonly seed: number;
  /** Loading on the market factor, in [0, 1]; pairwise correlation is its square. Default 0.7. */
  readonly marketBeta?: number;
  /**
   * Simulated time per wall-clock time. 1 is real time, where a 30% vol moves a price by about
   * 0.005% a second, too little to see; the demo runs faster so that the risk visibly moves.
   */
  readonly timeScale?: number;
}

export interface DemoMarket {
  readonly symbols: readonly string[];
  /** Current prices, in the order of `symbols`. */
  prices(): readonly number[];
  /** Advances the walk by `dtMs` of wall-clock time and returns the new prices (same order as `symbols`). */
  next(dtMs: number): readonly number[];
}


export function createDemoMarket(opts: DemoMarketOptions): DemoMarket {
  const beta = opts.marketBeta ?? 0.7;
  const timeScale = opts.timeScale ?? 1;
  if (!(beta >= 0 && beta <= 1)) throw new RangeError(`marketBeta must be in [0, 1], got ${beta}`);
  if (!(timeScale > 0 && Number.isFinite(timeScale))) throw new RangeError(`timeScale must be a finite number > 0, got ${timeScale}`);
  for (const u of opts.underlyings) {
    if (!(u.spot > 0 && Number.isFinite(u.spot))) throw new RangeError(`${u.symbol}: spot must be > 0, got ${u.spot}`);
    if (!(u.vol >= 0 && Number.isFinite(u.vol))) throw new RangeError(`${u.symbol}: vol must be >= 0, got ${u.vol}`);
  }
  const rng = createRng(opts.seed);
  const symbols = opts.underlyings.map((u) => u.symbol);
  const vols = opts.underlyings.map((u) => u.vol);
  const prices = opts.underlyings.map((u) => u.spot);
  const idio = Math.sqrt(1 - beta * beta);
  return {
    symbols,
    prices: () => prices.slice(),
    next(dtMs: number): readonly number[] {
      if (!(dtMs >= 0 && Number.isFinite(dtMs))) throw new RangeError(`dtMs must be a finite number >= 0, got ${dtMs}`);
      const dtYears = (dtMs * timeScale) / MS_PER_YEAR;
      const sqrtDt = Math.sqrt(dtYears);
      const zMarket = rng.nextNormal();
      for (let i = 0; i < prices.length; i++) {
        const v = vols[i] as number;
        const dW = beta * zMarket + idio * rng.nextNormal();
        prices[i] = (prices[i] as number) * Math.exp(-0.5 * v * v * dtYears + v * sqrtDt * dW);
      }
      return prices.slice();
    },
  };
}

// Familiar tickers first, so the demo reads naturally; synthetic ones beyond them.
const TICKERS = [
  'AAPL', 'MSFT', 'NVDA', 'AMZN', 'GOOGL', 'META', 'TSLA', 'JPM', 'V', 'XOM',
  'UNH', 'JNJ', 'WMT', 'PG', 'MA', 'HD', 'CVX', 'KO', 'PEP', 'ABBV',
  'MRK', 'COST', 'AVGO', 'ORCL', 'CSCO', 'ADBE', 'CRM', 'NFLX', 'AMD', 'INTC',
  'QCOM', 'TXN', 'IBM', 'BA', 'CAT', 'GE', 'DIS', 'NKE', 'MCD', 'SBUX',
  'GS', 'MS', 'BAC', 'C', 'WFC', 'PFE', 'T', 'VZ', 'SPY', 'QQQ',
];

/**
 * N underlyings with deterministic start prices (20–500) and vols (0.15–0.6) drawn from `seed`.
 * The first 50 carry real tickers, the rest `Z0050`, `Z0051`, … (valid OCC roots).
 */
export function demoUnderlyings(n: number, seed: number): DemoUnderlying[] {
  if (!(Number.isInteger(n) && n >= 1 && n <= 9999)) throw new RangeError(`n must be an integer in [1, 9999], got ${n}`);
  const rng = createRng(seed);
  const out: DemoUnderlying[] = [];
  for (let i = 0; i < n; i++) {
    const symbol = TICKERS[i] ?? `Z${String(i).padStart(4, '0')}`;
    // Log-uniform spot so cheap and expensive names are equally common.
    const spot = Math.round(20 * Math.exp(rng.nextUniform() * Math.log(25)) * 100) / 100;
    const vol = Math.round((0.15 + 0.45 * rng.nextUniform()) * 1000) / 1000;
    out.push({ symbol, spot, vol });
  }
  return out;
}
