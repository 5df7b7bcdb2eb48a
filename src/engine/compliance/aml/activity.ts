/**
 * What the transaction-monitoring rules read: one customer's (one beneficial owner's) recent
 * activity across all of their portfolios, as the `aml` queue processor assembles it from the
 * journal's tables (fills, orders, portfolios.owner_id) and the market snapshots. Plain data, so a
 * rule is a pure function of it and a test builds it by hand.
 */
import type { OrderSide, OrderStatus, OrderType } from '../../actors/types.js';

export type RiskLevel = 'low' | 'medium' | 'high';

/** A fill as the rules read it: the engine's Fill with its contract multiplier and, when known, the counterparty's country. */
export interface AmlFill {
  readonly fillId: string;
  readonly orderId: string;
  readonly portfolioId: string;
  readonly instrument: string;
  readonly side: OrderSide;
  readonly qty: number;
  readonly price: number;
  /** Units of the underlying per contract (100 for a listed equity option, 1 for a share). */
  readonly multiplier: number;
  /** Engine clock, epoch ms. */
  readonly ts: number;
  /** ISO 3166-1 alpha-2 of the other side of the trade, when the venue reports one. */
  readonly counterpartyCountry?: string;
}

/** An order as the rules read it: the fields of the engine's Order that matter here, and the touch when it was placed. */
export interface AmlOrder {
  readonly orderId: string;
  readonly portfolioId: string;
  readonly instrument: string;
  readonly side: OrderSide;
  readonly qty: number;
  readonly orderType: OrderType;
  readonly limitPrice?: number;
  readonly status: OrderStatus;
  readonly filledQty: number;
  readonly createdMs: number;
  /** Its last change: for a cancelled order, when it was cancelled. */
  readonly updatedMs: number;
  /** The market price of the instrument when the order was placed (the last price at or before createdMs), when known. */
  readonly touchAtPlacement?: number;
}

/** A market price of an instrument at a time (market_snapshots). */
export interface PriceMark {
  readonly instrument: string;
  readonly ts: number;
  readonly price: number;
}

export interface CustomerActivity {
  /** The beneficial owner (portfolios.owner_id): every portfolio of theirs is one customer here. */
  readonly customerId: string;
  /** From KYC; an unrated customer is screened at the `low` thresholds (today's single threshold). */
  readonly riskLevel?: RiskLevel;
  /** ISO 3166-1 alpha-2: residence and nationality, from KYC. */
  readonly countries: readonly string[];
  /** Every fill of the owner in the look-back, all portfolios, in any order (the screen sorts them). */
  readonly fills: readonly AmlFill[];
  /** The owner's orders placed in the look-back, in any order. */
  readonly orders: readonly AmlOrder[];
  /** Market prices, for the marking-the-close reference; may be empty. */
  readonly marks?: readonly PriceMark[];
}

/**
 * What a rule is given: the activity with its fills in time order, and the index of the fill being
 * screened (the anchor). A rule reads only fills[0..at], so screening a fill later (a replay, with
 * more fills since) reaches the same verdict as screening it live.
 */
export interface RuleInput {
  readonly activity: CustomerActivity & { readonly fills: readonly AmlFill[] };
  readonly at: number;
}

/** Currency: |qty| × price × multiplier. */
export function notionalOf(fill: Pick<AmlFill, 'qty' | 'price' | 'multiplier'>): number {
  return Math.abs(fill.qty * fill.price * fill.multiplier);
}

/**
 * Fills in time order (then by id, so equal times order the same way on every run), each id once:
 * a fill read twice (a day fed again) is still one trade.
 */
export function inTimeOrder(fills: readonly AmlFill[]): AmlFill[] {
  return [...new Map(fills.map((f) => [f.fillId, f])).values()].sort((a, b) => a.ts - b.ts || (a.fillId < b.fillId ? -1 : a.fillId > b.fillId ? 1 : 0));
}

/** The anchor fill of a rule input. */
export function anchorOf(input: RuleInput): AmlFill {
  return input.activity.fills[input.at] as AmlFill;
}

/** Indexes i ≤ at of fills with ts in (fromExclusiveMs, anchor.ts] satisfying `keep`, newest first. */
export function recentIndexes(input: RuleInput, fromExclusiveMs: number, keep: (f: AmlFill) => boolean = () => true): number[] {
  const out: number[] = [];
  for (let i = input.at; i >= 0; i--) {
    const f = input.activity.fills[i] as AmlFill;
    if (f.ts <= fromExclusiveMs) break;
    if (keep(f)) out.push(i);
  }
  return out;
}
