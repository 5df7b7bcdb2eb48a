import type { MarketSnapshot, Position } from '../../../src/engine/portfolio/types.js';
import { formatOccSymbol } from '../../../src/engine/instruments/occ-symbol.js';
import { closeOfDateMs } from '../../../src/engine/market/time-to-expiry.js';
import type { OptionType } from '../../../src/engine/pricing/types.js';

/** The market on asOf, valued at its close (as the CLI values a portfolio file). */
export const market = (spots: Record<string, number>, asOf = '2025-01-02', rate = 0.04): MarketSnapshot => ({
  asOf,
  valuationMs: closeOfDateMs(asOf),
  rate,
  spots: new Map(Object.entries(spots)),
});

export const stock = (symbol: string, qty: number): Position => ({
  instrument: { kind: 'underlying', symbol },
  qty,
  multiplier: 1,
  dividendYield: 0,
  style: 'european',
});

export const option = (
  underlying: string,
  type: OptionType,
  strike: number,
  qty: number,
  { expiry = '2025-07-02', vol = 0.3 }: { expiry?: string; vol?: number } = {},
): Position => {
  const contract = { underlying, expiry, type, strike };
  return {
    instrument: { kind: 'option', symbol: formatOccSymbol(contract), ...contract },
    qty,
    multiplier: 100,
    vol,
    dividendYield: 0,
    style: 'european',
  };
};
