/**
 * FINRA Rule 2360(b)(5) aggregation: an account's option contracts on the same side of the market
 * in one underlying, calls and puts together. Bullish = long calls + short puts; bearish = long puts
 * + short calls. A side at or above the threshold (200 contracts) is reported, with every position
 * it is made of.
 *
 * The account is the customer: every portfolio with the same owner counts as one account, the
 * rule's "accounts acting in concert / under common control". Portfolios with no owner are the
 * firm's own (house, demo) and, all being under the firm's control, make one house account.
 *
 * Each portfolio's net position in a series counts on its own side: a long call in one portfolio
 * and a short of the same call in another are not netted (each is a position the customer holds;
 * netting would let two accounts hide a reportable side from each other).
 *
 * Contracts are counted as contracts (|qty|), whatever the multiplier. Positions in an underlying
 * itself (not an OCC option symbol) are no option contracts and do not count.
 */
import { parseOccSymbol } from '../../instruments/occ-symbol.js';

/** A position as the day's book holds it (src/persistence/reports/positions-as-of.ts, narrowed to what counts). */
export interface BookPosition {
  readonly portfolioId: string;
  readonly ownerId: string | null;
  readonly instrument: string;
  /** Signed contracts: long > 0, short < 0. */
  readonly qty: number;
}

export type MarketSide = 'bullish' | 'bearish';

/** The house account: every portfolio with no owner. */
export const HOUSE_ACCOUNT = 'house';

export type Account = { readonly kind: 'customer'; readonly ownerId: string } | { readonly kind: 'house' };

export interface ContributingPosition {
  readonly portfolioId: string;
  readonly instrument: string;
  readonly putCall: 'call' | 'put';
  /** YYYY-MM-DD. */
  readonly expiry: string;
  readonly strike: number;
  readonly longShort: 'long' | 'short';
  /** Unsigned. */
  readonly contracts: number;
}

export interface ReportableSide {
  readonly account: Account;
  readonly underlying: string;
  readonly side: MarketSide;
  /** The side's total: the sum of its two legs. */
  readonly contracts: number;
  /** Bullish: long calls; bearish: long puts. */
  readonly longContracts: number;
  /** Bullish: short puts; bearish: short calls. */
  readonly shortContracts: number;
  /** By portfolio, then instrument. */
  readonly positions: readonly ContributingPosition[];
}

export function accountKey(a: Account): string {
  return a.kind === 'house' ? HOUSE_ACCOUNT : `customer:${a.ownerId}`;
}

/** The side of the market a position is on: long call and short put are bullish, the others bearish. */
export function sideOf(putCall: 'call' | 'put', qty: number): MarketSide {
  return (putCall === 'call') === (qty > 0) ? 'bullish' : 'bearish';
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Every side of every account at or above `thresholdContracts`, ordered by account (customers by
 * owner id, house last), underlying, then side (bearish before bullish).
 */
export function reportableSides(positions: readonly BookPosition[], thresholdContracts: number): ReportableSide[] {
  const groups = new Map<string, { account: Account; underlying: string; side: MarketSide; positions: ContributingPosition[] }>();
  for (const p of positions) {
    if (p.qty === 0) continue;
    const c = parseOccSymbol(p.instrument);
    if (!c.ok) continue; // the underlying itself: not an option contract
    const account: Account = p.ownerId === null ? { kind: 'house' } : { kind: 'customer', ownerId: p.ownerId };
    const side = sideOf(c.value.type, p.qty);
    const key = `${accountKey(account)}\u0000${c.value.underlying}\u0000${side}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { account, underlying: c.value.underlying, side, positions: [] }));
    g.positions.push({
      portfolioId: p.portfolioId, instrument: p.instrument, putCall: c.value.type, expiry: c.value.expiry, strike: c.value.strike,
      longShort: p.qty > 0 ? 'long' : 'short', contracts: Math.abs(p.qty),
    });
  }
  const out: ReportableSide[] = [];
  for (const g of groups.values()) {
    const longContracts = g.positions.filter((x) => x.longShort === 'long').reduce((s, x) => s + x.contracts, 0);
    const shortContracts = g.positions.filter((x) => x.longShort === 'short').reduce((s, x) => s + x.contracts, 0);
    const contracts = longContracts + shortContracts;
    if (contracts < thresholdContracts) continue;
    g.positions.sort((a, b) => compare(a.portfolioId, b.portfolioId) || compare(a.instrument, b.instrument));
    out.push({ account: g.account, underlying: g.underlying, side: g.side, contracts, longContracts, shortContracts, positions: g.positions });
  }
  const order = (a: Account): string => (a.kind === 'house' ? '\uffff' : a.ownerId);
  return out.sort((a, b) => compare(order(a.account), order(b.account)) || compare(a.underlying, b.underlying) || compare(a.side, b.side));
}
