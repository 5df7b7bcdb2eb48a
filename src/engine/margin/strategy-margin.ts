import { optionPrice } from '../pricing/option-pricer.js';
import type { OptionType } from '../pricing/types.js';
import type { MarketSnapshot, Position } from '../portfolio/types.js';
import { underlyingOf } from '../portfolio/types.js';
import { optionInputsOf, spotOf } from '../portfolio/valuation.js';

/**
 * Strategy-based (Reg T / FINRA Rule 4210 / Cboe Margin Manual style) margin: positions are paired
 * into strategies, each with an initial and a maintenance requirement. Rates and the pairing order
 * are documented in docs/MARGIN-AND-LIMITS.md.
 */

export const STRATEGY_MARGIN_RATES = Object.freeze({
  longStockInitial: 0.5, // Reg T
  longStockMaintenance: 0.25, // FINRA 4210(c)(1)
  shortStockInitial: 0.5, // Reg T, on top of the short-sale proceeds
  shortStockMaintenance: 0.3, // FINRA 4210(c)(2)(C), stocks at $5 or more
  nakedBaseFraction: 0.2, // 20% of underlying value less the out-of-the-money amount
  nakedCallFloorFraction: 0.1, // ...but at least 10% of underlying value for a call
  nakedPutFloorFraction: 0.1, // ...or 10% of strike value for a put
});

export type StrategyKind =
  | 'long_stock'
  | 'short_stock'
  | 'long_call'
  | 'long_put'
  | 'naked_call'
  | 'naked_put'
  | 'call_spread'
  | 'put_spread'
  | 'covered_call'
  | 'covered_put';

export interface StrategyLeg {
  /** Instrument symbol (ticker or OCC symbol). */
  readonly symbol: string;
  /** Signed quantity in this strategy: shares or contracts, negative is short. */
  readonly qty: number;
}

export interface Strategy {
  readonly kind: StrategyKind;
  readonly legs: readonly StrategyLeg[];
  readonly initial: number;
  readonly maintenance: number;
}

export interface StrategyMarginResult {
  readonly initial: number;
  readonly maintenance: number;
  readonly strategies: readonly Strategy[];
}

export interface StrategyMarginOptions {
  /**
   * Per-unit marks by instrument symbol (option premium per share of underlying). Options without a
   * mark are valued with optionPrice at the market spot and the position's vol.
   */
  readonly marks?: ReadonlyMap<string, number>;
}

type OptionPosition = Position & { instrument: { kind: 'option' } };

/** One option line with the quantity not yet assigned to a strategy. */
interface OptionLot {
  readonly p: OptionPosition;
  readonly type: OptionType;
  readonly underlying: string;
  readonly strike: number;
  readonly expiry: string;
  readonly multiplier: number;
  /** Mark per unit of underlying. */
  readonly unit: number;
  readonly spot: number;
  remaining: number;
}

/** Naked short option requirement per unit of underlying (premium + max(20% rule, 10% floor)). */
export function nakedShortPerUnit(type: OptionType, spot: number, strike: number, premium: number): number {
  const r = STRATEGY_MARGIN_RATES;
  const otm = type === 'call' ? Math.max(0, strike - spot) : Math.max(0, spot - strike);
  const floor = type === 'call' ? r.nakedCallFloorFraction * spot : r.nakedPutFloorFraction * strike;
  return premium + Math.max(r.nakedBaseFraction * spot - otm, floor);
}

/**
 * Spread requirement per unit of underlying: its maximum loss, max(0, long − short premium +
 * adverse strike difference). This is the net debit of a debit spread, and the strike width less
 * the credit of a credit spread.
 */
export function spreadPerUnit(type: OptionType, longStrike: number, shortStrike: number, longPremium: number, shortPremium: number): number {
  const adverse = type === 'call' ? Math.max(0, longStrike - shortStrike) : Math.max(0, shortStrike - longStrike);
  return Math.max(0, longPremium - shortPremium + adverse);
}

const cmp = (a: string | number, b: string | number): number => (a < b ? -1 : a > b ? 1 : 0);
const lotOrder = (a: OptionLot, b: OptionLot): number =>
  cmp(a.underlying, b.underlying) || cmp(a.type, b.type) || cmp(a.expiry, b.expiry) || cmp(a.strike, b.strike) || cmp(a.p.instrument.symbol, b.p.instrument.symbol);

/**
 * Strategy-based margin of a set of positions. Pairing is greedy and deterministic:
 * 1. spreads: short options in (underlying, type, expiry, strike, symbol) order each take the long of
 *    the same underlying, type and multiplier expiring on or after them that minimises the short's
 *    added requirement (spread requirement − the long's own full premium), only when that beats naked;
 * 2. covers: remaining short calls against long stock (multiplier shares per contract), short puts
 *    against short stock, most expensive naked requirement first;
 * 3. everything else stands alone (naked shorts, long options paid in full, stock).
 * Throws when an underlying has no spot or an unmarked option has no vol.
 */
export function strategyMargin(positions: readonly Position[], market: MarketSnapshot, opts: StrategyMarginOptions = {}): StrategyMarginResult {
  const r = STRATEGY_MARGIN_RATES;
  const stockQty = new Map<string, number>();
  const stockSpot = new Map<string, number>();
  const shorts: OptionLot[] = [];
  const longs: OptionLot[] = [];
  for (const p of positions) {
    if (p.qty === 0) continue;
    const spot = spotOf(p, market);
    if (p.instrument.kind === 'underlying') {
      const u = underlyingOf(p.instrument);
      stockQty.set(u, (stockQty.get(u) ?? 0) + p.qty * p.multiplier);
      stockSpot.set(u, spot);
      continue;
    }
    const op = p as OptionPosition;
    const lot: OptionLot = {
      p: op,
      type: op.instrument.type,
      underlying: op.instrument.underlying,
      strike: op.instrument.strike,
      expiry: op.instrument.expiry,
      multiplier: op.multiplier,
      unit: markOf(op, market, spot, opts.marks),
      spot,
      remaining: Math.abs(op.qty),
    };
    (op.qty < 0 ? shorts : longs).push(lot);
  }
  shorts.sort(lotOrder);
  longs.sort(lotOrder);

  const strategies: Strategy[] = [];
  const add = (kind: StrategyKind, legs: StrategyLeg[], initial: number, maintenance = initial): void => {
    strategies.push({ kind, legs, initial, maintenance });
  };

  // 1. Spreads.
  for (const sh of shorts) {
    const nakedUnit = nakedShortPerUnit(sh.type, sh.spot, sh.strike, sh.unit);
    while (sh.remaining > 0) {
      let best: OptionLot | undefined;
      let bestAdded = nakedUnit;
      for (const lg of longs) {
        if (lg.remaining <= 0 || lg.underlying !== sh.underlying || lg.type !== sh.type) continue;
        if (lg.multiplier !== sh.multiplier || lg.expiry < sh.expiry) continue;
        const added = spreadPerUnit(sh.type, lg.strike, sh.strike, lg.unit, sh.unit) - lg.unit;
        if (added < bestAdded) {
          best = lg;
          bestAdded = added;
        }
      }
      if (!best) break;
      const n = Math.min(sh.remaining, best.remaining);
      const req = spreadPerUnit(sh.type, best.strike, sh.strike, best.unit, sh.unit) * sh.multiplier * n;
      add(sh.type === 'call' ? 'call_spread' : 'put_spread', [
        { symbol: best.p.instrument.symbol, qty: n },
        { symbol: sh.p.instrument.symbol, qty: -n },
      ], req);
      sh.remaining -= n;
      best.remaining -= n;
    }
  }

  // 2. Covers: the stock's own requirement carries the strategy; the option adds nothing.
  const uncovered = shorts
    .filter((sh) => sh.remaining > 0)
    .map((sh) => ({ sh, naked: nakedShortPerUnit(sh.type, sh.spot, sh.strike, sh.unit) }))
    .sort((a, b) => b.naked - a.naked || lotOrder(a.sh, b.sh));
  for (const { sh } of uncovered) {
    const shares = stockQty.get(sh.underlying) ?? 0;
    const wantSign = sh.type === 'call' ? 1 : -1;
    if (shares * wantSign <= 0) continue;
    const n = Math.min(sh.remaining, Math.floor(Math.abs(shares) / sh.multiplier));
    if (n <= 0) continue;
    const coveredShares = n * sh.multiplier;
    const mv = coveredShares * sh.spot;
    const [init, maint] = wantSign > 0
      ? [r.longStockInitial * mv, r.longStockMaintenance * mv]
      : [r.shortStockInitial * mv, r.shortStockMaintenance * mv];
    add(sh.type === 'call' ? 'covered_call' : 'covered_put', [
      { symbol: sh.underlying, qty: wantSign * coveredShares },
      { symbol: sh.p.instrument.symbol, qty: -n },
    ], init, maint);
    stockQty.set(sh.underlying, shares - wantSign * coveredShares);
    sh.remaining -= n;
  }

  // 3. What is left stands alone.
  for (const sh of shorts) {
    if (sh.remaining <= 0) continue;
    const req = nakedShortPerUnit(sh.type, sh.spot, sh.strike, sh.unit) * sh.multiplier * sh.remaining;
    add(sh.type === 'call' ? 'naked_call' : 'naked_put', [{ symbol: sh.p.instrument.symbol, qty: -sh.remaining }], req);
  }
  for (const lg of longs) {
    if (lg.remaining <= 0) continue;
    // Long options have no loan value: paid in full, initial and maintenance.
    const req = lg.unit * lg.multiplier * lg.remaining;
    add(lg.type === 'call' ? 'long_call' : 'long_put', [{ symbol: lg.p.instrument.symbol, qty: lg.remaining }], req);
  }
  for (const u of [...stockQty.keys()].sort()) {
    const shares = stockQty.get(u) ?? 0;
    if (shares === 0) continue;
    const mv = Math.abs(shares) * (stockSpot.get(u) ?? NaN);
    if (shares > 0) add('long_stock', [{ symbol: u, qty: shares }], r.longStockInitial * mv, r.longStockMaintenance * mv);
    else add('short_stock', [{ symbol: u, qty: shares }], r.shortStockInitial * mv, r.shortStockMaintenance * mv);
  }

  let initial = 0;
  let maintenance = 0;
  for (const st of strategies) {
    initial += st.initial;
    maintenance += st.maintenance;
  }
  return { initial, maintenance, strategies };
}

function markOf(p: OptionPosition, market: MarketSnapshot, spot: number, marks?: ReadonlyMap<string, number>): number {
  const m = marks?.get(p.instrument.symbol);
  if (m !== undefined) return m;
  if (!(p.vol !== undefined && p.vol >= 0)) {
    throw new Error(`option position ${p.instrument.symbol} has neither a mark nor a vol`);
  }
  return optionPrice(optionInputsOf(p, market, spot, p.vol), p.style);
}
