/** Calendar arithmetic on ISO dates (`YYYY-MM-DD`), in UTC days. Time to expiry: time-to-expiry.ts. */

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;
const isLeap = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const digit = (iso: string, i: number): number => iso.charCodeAt(i) - 48;

/**
 * Days since 1970-01-01 of an ISO date, or NaN when the text is not a real calendar date.
 * Arithmetic on the characters (Hinnant's days_from_civil) instead of a RegExp and Date objects:
 * every option valuation asks for its time to expiry, so this sits on the pre-trade hot path.
 */
export function isoToEpochDay(iso: string): number {
  if (iso.length !== 10 || iso.charCodeAt(4) !== 45 || iso.charCodeAt(7) !== 45) return NaN;
  let y = 0;
  for (let i = 0; i < 4; i++) {
    const d = digit(iso, i);
    if (d < 0 || d > 9) return NaN;
    y = y * 10 + d;
  }
  const m1 = digit(iso, 5), m2 = digit(iso, 6), d1 = digit(iso, 8), d2 = digit(iso, 9);
  if (m1 < 0 || m1 > 9 || m2 < 0 || m2 > 9 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9) return NaN;
  const m = m1 * 10 + m2, d = d1 * 10 + d2;
  if (m < 1 || m > 12 || d < 1) return NaN;
  const monthDays = m === 2 && isLeap(y) ? 29 : (DAYS_IN_MONTH[m - 1] as number);
  if (d > monthDays) return NaN;
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export function isIsoDate(iso: string): boolean {
  return !Number.isNaN(isoToEpochDay(iso));
}
