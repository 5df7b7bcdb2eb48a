/**
 * Stress scenarios: user-defined spot and vol shocks, P&L by full revaluation.
 *
 * - Spot shocks are relative: −0.2 moves the spot to 0.8 × spot. `spotShock` applies to every
 *   underlying; `spotShocks[ticker]` replaces it for that underlying.
 * - Vol shocks say their kind: 'relative' multiplies (0.5 → vol × 1.5), 'absolute' adds vol points in
 *   1.00 units (0.05 → vol + 5 points). Same global / per-underlying rule. A shocked vol is floored
 *   at 0 (the pricer's limit is then the discounted intrinsic value).
 * - Instantaneous: rate, dividend yields and time to expiry stay those of the market's valuationMs.
 * P&L = value after the shock − value now (negative is a loss).
 */
import { optionPrice } from '../pricing/option-pricer.js';
import type { MarketSnapshot, Position } from '../portfolio/types.js';
import { type RiskResult, riskErrors } from './errors.js';
import { legInputs, prepareBook } from './risk-book.js';

export interface VolShock {
  readonly kind: 'relative' | 'absolute';
  readonly all?: number;
  readonly byUnderlying?: Readonly<Record<string, number>>;
}

export interface StressScenario {
  readonly name: string;
  readonly spotShock?: number;
  readonly spotShocks?: Readonly<Record<string, number>>;
  readonly volShock?: VolShock;
}

export interface StressResult {
  readonly name: string;
  readonly pnl: number;
  readonly byUnderlying: Record<string, number>;
}

const pick = (all: number | undefined, by: Readonly<Record<string, number>> | undefined, t: string): number =>
  by?.[t] ?? all ?? 0;

export function runStress(
  positions: readonly Position[],
  market: MarketSnapshot,
  scenarios: readonly StressScenario[],
): RiskResult<StressResult[]> {
  const bookR = prepareBook(positions, market);
  if (!bookR.ok) return bookR;
  const book = bookR.value;
  const out: StressResult[] = [];
  for (const sc of scenarios) {
    const byUnderlying: Record<string, number> = {};
    const shocked = new Float64Array(book.tickers.length);
    for (let u = 0; u < book.tickers.length; u++) {
      const t = book.tickers[u] as string;
      const shock = pick(sc.spotShock, sc.spotShocks, t);
      if (!(shock > -1) || !Number.isFinite(shock)) {
        return riskErrors.badScenarios(`stress "${sc.name}": spot shock ${shock} for ${t} is not a relative move > −1`);
      }
      shocked[u] = (book.spots[u] as number) * (1 + shock);
      byUnderlying[t] = (book.shares[u] as number) * ((shocked[u] as number) - (book.spots[u] as number));
    }
    const o = book.options;
    for (let j = 0; j < o.count; j++) {
      const u = o.underlying[j] as number;
      const t = book.tickers[u] as string;
      const vol = o.vol[j] as number;
      const vs = sc.volShock ? pick(sc.volShock.all, sc.volShock.byUnderlying, t) : 0;
      const newVol = Math.max(0, sc.volShock?.kind === 'absolute' ? vol + vs : vol * (1 + vs));
      const style = (o.positions[j] as Position).style;
      const before = optionPrice(legInputs(book, j, book.spots[u] as number, vol), style);
      const after = optionPrice(legInputs(book, j, shocked[u] as number, newVol), style);
      byUnderlying[t] = (byUnderlying[t] as number) + (o.units[j] as number) * (after - before);
    }
    out.push({ name: sc.name, pnl: Object.values(byUnderlying).reduce((s, x) => s + x, 0), byUnderlying });
  }
  return { ok: true, value: out };
}
