import { formatOccSymbol, parseOccSymbol } from '../instruments/occ-symbol.js';
import type { Instrument } from '../portfolio/types.js';

// Same ticker shape as the CLI's portfolio files.
const TICKER = /^[A-Z0-9][A-Z0-9.^-]{0,11}$/;

/**
 * The instrument a symbol names: an OCC option symbol (padded or compact) or an underlying ticker.
 * Options get the canonical 21-character OCC symbol, so one contract is one holding whichever form
 * a client sent.
 */
export function instrumentOf(symbol: string): Instrument | undefined {
  const occ = parseOccSymbol(symbol);
  if (occ.ok) return { kind: 'option', symbol: formatOccSymbol(occ.value), ...occ.value };
  return TICKER.test(symbol) ? { kind: 'underlying', symbol } : undefined;
}
