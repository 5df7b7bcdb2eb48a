/**
 * Gross exposure per underlying, the base of the leverage ratio and of concentration.
 *
 * Each position contributes the absolute value of its delta-equivalent notional:
 *   underlying: |qty × multiplier × spot|
 *   option:     |delta × qty × multiplier × spot|   (the stock position with the same first-order risk)
 * Contributions are added in absolute value, position by position, with no netting: a hedged book
 * (long stock, short calls) still shows both legs. This is deliberate — leverage and concentration
 * limits bound how much is at stake, not the residual direction (dollarDelta shows that).
 */
import { optionGreeks } from '../pricing/option-pricer.js';
import type { MarketSnapshot, Position } from '../portfolio/types.js';
import type { RiskResult } from './errors.js';
import { legInputs, prepareBook } from './risk-book.js';

export interface GrossExposure {
  readonly byUnderlying: ReadonlyMap<string, number>;
  readonly total: number;
}

export function grossExposure(positions: readonly Position[], market: MarketSnapshot): RiskResult<GrossExposure> {
  const bookR = prepareBook(positions, market);
  if (!bookR.ok) return bookR;
  const book = bookR.value;
  const by = new Map<string, number>(book.tickers.map((t) => [t, 0]));
  const add = (t: string, x: number): void => { by.set(t, (by.get(t) as number) + Math.abs(x)); };
  for (const p of positions) {
    if (p.instrument.kind === 'underlying') add(p.instrument.symbol, p.qty * p.multiplier * (market.spots.get(p.instrument.symbol) as number));
  }
  const o = book.options;
  for (let j = 0; j < o.count; j++) {
    const u = o.underlying[j] as number;
    const s = book.spots[u] as number;
    const delta = optionGreeks(legInputs(book, j, s, o.vol[j] as number), (o.positions[j] as Position).style).delta;
    add(book.tickers[u] as string, (o.units[j] as number) * delta * s);
  }
  let total = 0;
  for (const x of by.values()) total += x;
  return { ok: true, value: { byUnderlying: by, total } };
}
