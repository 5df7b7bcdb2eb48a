/**
 * VaR latency on a 100-option book over six underlyings and 500 historical scenarios (2014-12-31).
 * The six are the three real series of data/prices (licences there), each held under two names (SPY
 * and SPY.B share one history): the timing depends on the book's shape, not on which prices.
 *
 * - varFullMs: one historical full-revaluation VaR request end to end through computeVar (book
 *   preparation, scenario matrix, 100 × 500 = 50,000 BSM prices, tail), median of 30 runs after warm-up.
 * - varDgvUs: one delta-gamma-vega VaR and ES request on the real-time path, the same work as the C
 *   floor bench/floor/dgv_floor.c: timed are (1) the per-underlying sums of the 100 positions'
 *   dollar delta, dollar gamma and vega (dgvAggregatesInto), (2) the P&L of the 500 scenarios × 6
 *   underlyings from each underlying's return and vol change (the vega term included), (3) the tail:
 *   VaR 99% and ES 97.5% by the conventions of tail-risk.ts. Not timed, as in C: the per-position
 *   Greeks (given: the stream publishes them), the scenario matrices (fixed for the day). The vol
 *   changes are synthetic (data/prices has no vol history): 1.5 vol points up per 1% fall of the
 *   underlying, a fixed rule so every run times the same numbers. Median of 60 batches of 200
 *   requests (one request is below the timer's resolution).
 * - dgvWithGreeksUs (extra, no C counterpart): the same plus repricing the 100 options for their
 *   Greeks (dgvPositionGreeks), which the C floor takes as given.
 * Run: `npx tsx bench/var.bench.ts` (prints JSON), or through bench/pricing.bench.ts.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { alignHistories, parsePriceCsv, type PriceHistory } from '../src/engine/market/price-history.js';
import { closeOfDateMs } from '../src/engine/market/time-to-expiry.js';
import type { MarketSnapshot, Position } from '../src/engine/portfolio/types.js';
import { computeVar } from '../src/engine/risk/compute-var.js';
import { historicalReturnScenarios } from '../src/engine/risk/return-scenarios.js';
import { prepareBook } from '../src/engine/risk/risk-book.js';
import {
  allocDgvAggregates, dgvAggregatesInto, dgvPositionGreeks, dgvTailRisk, stockDollarDelta,
} from '../src/engine/risk/var-dgv.js';
import { createDgvVarKernel } from '../src/engine/risk/var-dgv-wasm.js';
import { repoPath } from './repo-path.js';

/** Underlying name → the data/prices file whose history it carries. */
const FILE_OF: Record<string, string> = { SPY: 'SPY', GSPC: 'GSPC', AAPL: 'AAPL', 'SPY.B': 'SPY', 'GSPC.B': 'GSPC', 'AAPL.B': 'AAPL' };
const TICKERS = Object.keys(FILE_OF);
const AS_OF = '2014-12-31';
const WINDOW = 500;
const N_OPTIONS = 100;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** 100 European options spread over the tickers, strikes 80–120% of spot, expiries 1–12 months. */
function book(spots: Map<string, number>): Position[] {
  const out: Position[] = [];
  for (let i = 0; i < N_OPTIONS; i++) {
    const underlying = TICKERS[i % TICKERS.length] as string;
    const s = spots.get(underlying) as number;
    const month = 1 + (i % 12);
    const expiry = `2015-${String(month).padStart(2, '0')}-16`;
    const strike = Math.round(s * (0.8 + 0.4 * ((i * 37) % 100) / 100) * 100) / 100;
    out.push({
      instrument: { kind: 'option', symbol: `${underlying}#${i}`, underlying, expiry, type: i % 3 === 0 ? 'put' : 'call', strike },
      qty: (i % 5) - 2 || 1,
      multiplier: 100,
      vol: 0.15 + (i % 7) * 0.03,
      dividendYield: 0.01,
      style: 'european',
    });
  }
  return out;
}

export async function measureVar(): Promise<{ varFullMs: number; varDgvUs: number; varDgvJsUs: number; dgvKernel: 'wasm' | 'js'; dgvWithGreeksUs: number }> {
  const dir = repoPath('data', 'prices');
  const histories = new Map<string, PriceHistory>();
  for (const t of TICKERS) {
    const file = `${FILE_OF[t]}.csv`;
    const r = parsePriceCsv(readFileSync(path.join(dir, file), 'utf8'), file);
    if (!r.ok) throw new Error(r.message);
    histories.set(t, r.history);
  }
  const al = alignHistories(histories, AS_OF);
  if (!al.ok) throw new Error(al.message);
  const aligned = al.aligned;
  const spots = new Map(TICKERS.map((t) => [t, (aligned.prices.get(t) as Float64Array)[aligned.dates.length - 1] as number]));
  const market: MarketSnapshot = { asOf: AS_OF, valuationMs: closeOfDateMs(AS_OF), rate: 0.01, spots };
  const positions = book(spots);
  const input = { positions, market, histories: aligned, confidence: 0.99, esConfidence: 0.975, window: WINDOW, horizonDays: 1 } as const;

  // Full revaluation, end to end.
  const full: number[] = [];
  for (let i = 0; i < 40; i++) {
    const t0 = performance.now();
    const r = computeVar({ ...input, method: 'historical' });
    const t1 = performance.now();
    if (!r.ok) throw new Error(r.message);
    if (i >= 10) full.push(t1 - t0);
  }

  // dgv per request, aggregates and scenario matrix given.
  const b = prepareBook(positions, market);
  if (!b.ok) throw new Error(b.message);
  const sc = historicalReturnScenarios(aligned, b.value.tickers, WINDOW, 1);
  if (!sc.ok) throw new Error(sc.message);
  const returns = sc.value.returns;
  const volChanges = returns.map((r) => -1.5 * r);
  const scratch = new Float64Array(WINDOW);
  const agg = allocDgvAggregates(b.value.tickers);
  const stock = stockDollarDelta(b.value);
  let greeks = dgvPositionGreeks(b.value);
  let sink = 0;
  const BATCH = 200;
  // The wasm kernel holds the day's scenario matrix in its memory: loaded once, like C's arrays.
  const kernel = createDgvVarKernel(b.value.tickers.length, WINDOW);
  kernel?.load(returns, volChanges);
  // Each request nudges one underlying's stock delta (as the C floor nudges a spot), so no request
  // repeats the previous one's numbers exactly.
  let nudge = 0;
  const nudgeStock = (i: number): void => {
    const u = i % stock.length;
    stock[u] = (stock[u] as number) + 1e-9;
  };
  const jsRequest = (): number => {
    nudgeStock(nudge++);
    dgvAggregatesInto(agg, stock, greeks);
    return dgvTailRisk(agg, returns, WINDOW, 0.99, 0.975, volChanges, scratch).var;
  };
  const request = kernel
    ? (): number => {
      nudgeStock(nudge++);
      return kernel.tailRisk(dgvAggregatesInto(agg, stock, greeks), 0.99, 0.975).var;
    }
    : jsRequest;
  const check = (): { var: number; es: number } => dgvTailRisk(agg, returns, WINDOW, 0.99, 0.975, volChanges, scratch);
  for (let i = 0; i < 50; i++) {
    if (kernel) {
      const got = kernel.tailRisk(dgvAggregatesInto(agg, stock, greeks), 0.99, 0.975);
      const want = check();
      if (got.var !== want.var || got.es !== want.es) throw new Error('wasm and JS dgv VaR differ');
    }
    nudgeStock(i);
  }
  const timeBatches = (fn: () => number): number => {
    const us: number[] = [];
    for (let i = 0; i < 80; i++) {
      const t0 = performance.now();
      for (let k = 0; k < BATCH; k++) sink += fn();
      const t1 = performance.now();
      if (i >= 20) us.push(((t1 - t0) * 1000) / BATCH);
    }
    return median(us);
  };
  const varDgvUs = timeBatches(request);
  const varDgvJsUs = timeBatches(jsRequest);
  const withGreeks: number[] = [];
  for (let i = 0; i < 40; i++) {
    const t0 = performance.now();
    for (let k = 0; k < 50; k++) {
      greeks = dgvPositionGreeks(b.value);
      sink += request();
    }
    const t1 = performance.now();
    if (i >= 10) withGreeks.push(((t1 - t0) * 1000) / 50);
  }
  if (!Number.isFinite(sink)) throw new Error('dgv VaR is not finite');
  return { varFullMs: median(full), varDgvUs, varDgvJsUs, dgvKernel: kernel ? 'wasm' : 'js', dgvWithGreeksUs: median(withGreeks) };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  console.log(JSON.stringify(await measureVar()));
}
