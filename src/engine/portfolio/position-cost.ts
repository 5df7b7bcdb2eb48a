/**
 * What a position cost, for P&L. Kept apart from `Position` (which describes what is held and how
 * it is valued) because cost comes from the fill history, not from the instrument.
 */
export interface PositionCost {
  /** Average price paid per unit (per share, or per option in price points, before the multiplier). */
  readonly avgPrice: number;
  /** P&L already realised by closing trades in this instrument, in currency (default 0). */
  readonly realisedPnl?: number;
}
