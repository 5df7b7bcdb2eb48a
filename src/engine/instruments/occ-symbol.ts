import type { OptionType } from '../pricing/types.js';
import { isIsoDate } from '../market/dates.js';
import { failure, type Result } from '../result.js';

/** A listed option contract as named by the OCC symbology (`AAPL  260116C00150000`). */
export interface OptionContract {
  readonly underlying: string;
  /** Expiry date, ISO `YYYY-MM-DD`. */
  readonly expiry: string;
  readonly type: OptionType;
  readonly strike: number;
}

/** Why a symbol is not an OCC option symbol: always INVALID_OCC_SYMBOL, with what is wrong in the message. */
export type OccParseResult<T> = Result<T, 'INVALID_OCC_SYMBOL'>;
const invalid = (message: string) => failure('INVALID_OCC_SYMBOL', message);

// Root of 1–6 characters padded with spaces to six, YYMMDD, C or P, strike × 1000 on 8 digits.
// The padding is optional so that the compact form some vendors print is also understood.
const OCC = /^([A-Z][A-Z0-9.]{0,5}) *(\d{2})(\d{2})(\d{2})([CP])(\d{8})$/;

export function parseOccSymbol(symbol: string): OccParseResult<OptionContract> {
  const m = OCC.exec(symbol);
  if (!m) {
    return invalid(`not an OCC option symbol: "${symbol}" (expected e.g. "AAPL  260116C00150000")`);
  }
  const [, root, yy, mm, dd, cp, strike1000] = m as unknown as [string, string, string, string, string, string, string];
  const expiry = `20${yy}-${mm}-${dd}`;
  if (!isIsoDate(expiry)) return invalid(`OCC symbol "${symbol}" has an invalid expiry date ${yy}${mm}${dd}`);
  const strike = Number(strike1000) / 1000;
  if (!(strike > 0)) return invalid(`OCC symbol "${symbol}" has a zero strike`);
  return { ok: true, value: { underlying: root, expiry, type: cp === 'C' ? 'call' : 'put', strike } };
}

/** Canonical 21-character OCC symbol of a contract. */
export function formatOccSymbol(c: OptionContract): string {
  const [y, m, d] = c.expiry.split('-') as [string, string, string];
  const strike = String(Math.round(c.strike * 1000)).padStart(8, '0');
  return `${c.underlying.padEnd(6, ' ')}${y.slice(2)}${m}${d}${c.type === 'call' ? 'C' : 'P'}${strike}`;
}
